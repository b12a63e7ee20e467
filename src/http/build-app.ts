import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import { AppError } from '../domain/app-error.ts';
import { HttpMetrics } from './http-metrics.ts';
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { venueMarkPrice } from '../execution/pnl-read-port.ts';
import type { AppDeps } from './app-deps.ts';
import { bearerAuth } from './authenticate.ts';
import { envelope, handleError } from './error-envelope.ts';
import { exportRoutes } from './routes/export-routes.ts';
import { idempotencyHooks } from './idempotency-hooks.ts';
import { authRoutes } from './routes/auth-routes.ts';
import { exchangeAccountRoutes } from './routes/exchange-account-routes.ts';
import { orderRoutes } from './routes/order-routes.ts';
import { pnlRoutes } from './routes/pnl-routes.ts';
import { positionRoutes } from './routes/position-routes.ts';
import { riskRoutes } from './routes/risk-routes.ts';
import { signalRoutes, webhookRoutes } from './routes/signal-routes.ts';
import { StreamGateway } from './stream-gateway.ts';
import { tokenRoutes } from './routes/token-routes.ts';
import { tradingCompatRoutes } from './routes/trading-compat-routes.ts';
import { userRoutes } from './routes/user-routes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered (method and path), for the isolation walk and the API document. */
    readonly routeTable: readonly { readonly method: string; readonly url: string }[];
    readonly streamGateway: StreamGateway;
    readonly metrics: HttpMetrics;
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

  app.setErrorHandler((error, request, reply) => handleError(error, request, reply, deps.reportError));

  // OpenAPI 3 from the route schemas; Swagger UI at /docs. No CORS plugin: cross-origin calls are refused
  // by browsers (the dashboard is same-origin).
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Fillgate API', version: deps.version },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (fg_...) or an access JWT.' },
        },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: deps.rateLimitPerMinute ?? 600,
    timeWindow: 60_000,
    keyGenerator: (request) => (request.principal ? `user:${request.principal.userId}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new AppError(
        'RATE_LIMITED',
        `Too many requests: ${context.max} per minute. Retry in ${context.after}.`,
        {
          limit: context.max,
          retry_after_s: Math.ceil(context.ttl / 1000),
        },
      ),
  });

  const metrics = new HttpMetrics(
    () => app.streamGateway.clientCount,
    () => deps.execution.venues.all().map((venue) => venue.health()),
  );
  app.decorate('metrics', metrics);
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestLatency.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: reply.statusCode,
      },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/metrics', { config: { rateLimit: false } }, async (_request, reply) =>
    reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
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

  await app.register(webhookRoutes(deps));
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
    await api.register(signalRoutes(deps), { prefix: '/api/v1' });
    await api.register(
      pnlRoutes({ pnl: deps.pnl, read: deps.read, markPrice: venueMarkPrice(deps.execution.venues) }),
      {
        prefix: '/api/v1',
      },
    );
    await api.register(exportRoutes(deps), { prefix: '/api/v1' });
    await api.register(exchangeAccountRoutes(deps.exchangeAccounts), { prefix: '/api/v1' });
    await api.register(tradingCompatRoutes(deps), { prefix: '/api' });
  });
  return app;
}
