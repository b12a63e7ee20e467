import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from './app-deps.ts';
import { bearerAuth } from './authenticate.ts';
import { envelope, handleError } from './error-envelope.ts';
import { exchangeAccountRoutes } from './routes/exchange-account-routes.ts';
import { orderRoutes } from './routes/order-routes.ts';
import { positionRoutes } from './routes/position-routes.ts';
import { riskRoutes } from './routes/risk-routes.ts';
import { tradingCompatRoutes } from './routes/trading-compat-routes.ts';

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

  await app.register(async (api) => {
    api.addHook('onRequest', bearerAuth(deps.identity));
    await api.register(orderRoutes(deps), { prefix: '/api/v1' });
    await api.register(positionRoutes(deps), { prefix: '/api/v1' });
    await api.register(riskRoutes(deps), { prefix: '/api/v1' });
    await api.register(exchangeAccountRoutes(deps.exchangeAccounts), { prefix: '/api/v1' });
    await api.register(tradingCompatRoutes(deps), { prefix: '/api' });
  });
  return app;
}
