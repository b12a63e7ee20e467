import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from './app-deps.ts';
import { bearerAuth } from './authenticate.ts';
import { envelope, handleError } from './error-envelope.ts';
import { idempotencyHooks } from './idempotency-hooks.ts';
import { authRoutes } from './routes/auth-routes.ts';
import { orderRoutes } from './routes/order-routes.ts';
import { positionRoutes } from './routes/position-routes.ts';
import { riskRoutes } from './routes/risk-routes.ts';
import { StreamGateway } from './stream-gateway.ts';
import { tokenRoutes } from './routes/token-routes.ts';
import { tradingCompatRoutes } from './routes/trading-compat-routes.ts';
import { userRoutes } from './routes/user-routes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered (method and path), for the isolation walk and the API document. */
    readonly routeTable: readonly { readonly method: string; readonly url: string }[];
    readonly streamGateway: StreamGateway;
  }
}

/** Builds the HTTP application without listening (tests use `inject`; main.ts calls `listen`). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger || undefined,
    bodyLimit: 64 * 1024,
    ajv: {
      // Strict: a number is not a string, unknown fields are errors, nothing is filled in silently.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routeTable: { method: string; url: string }[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routeTable.push({ method, url: route.url });
    }
  });

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(envelope('NOT_FOUND', `No route ${request.method} ${request.url}.`));
  });

  app.get('/health', async (_request, reply) => {
    const health = await deps.health();
    const memory = process.memoryUsage();
    return reply.status(health.status === 'ok' ? 200 : 503).send({
      ...health,
      version: deps.version,
      uptime_s: Math.round(process.uptime()),
      memory: { rss_bytes: memory.rss, heap_used_bytes: memory.heapUsed },
    });
  });

  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const streamGateway = new StreamGateway(deps.events, deps.identity, deps.accessTokens, deps.streamOptions);
  app.decorate('streamGateway', streamGateway);
  await app.register(streamGateway.plugin(), { prefix: '/api/v1' });
  await app.register(authRoutes(deps), { prefix: '/api/v1' });
  await app.register(async (api) => {
    api.addHook('onRequest', bearerAuth(deps.identity, deps.accessTokens));
    const idempotency = idempotencyHooks(deps.idempotency, deps.execution.now);
    api.addHook('preHandler', idempotency.preHandler);
    api.addHook('onSend', idempotency.onSend);
    await api.register(userRoutes(deps), { prefix: '/api/v1' });
    await api.register(tokenRoutes(deps), { prefix: '/api/v1' });
    await api.register(orderRoutes(deps), { prefix: '/api/v1' });
    await api.register(positionRoutes(deps), { prefix: '/api/v1' });
    await api.register(riskRoutes(deps), { prefix: '/api/v1' });
    await api.register(tradingCompatRoutes(deps), { prefix: '/api' });
  });
  return app;
}
