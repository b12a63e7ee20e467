import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../domain/app-error.ts';
import {
  createExchangeAccount,
  deleteExchangeAccount,
  type ExchangeAccountDeps,
  type ExchangeAccountView,
} from '../../execution/exchange-accounts.ts';
import { principalOf } from '../authenticate.ts';
import { IdParams } from '../schemas.ts';

const CreateExchangeAccountBody = Type.Object(
  {
    venue: Type.Union([Type.Literal('binance'), Type.Literal('binanceusdm')]),
    base_url: Type.Optional(Type.String({ pattern: '^https?://[^\\s?#]+$', maxLength: 200 })),
    api_key: Type.String({ minLength: 1, maxLength: 256 }),
    api_secret: Type.String({ minLength: 1, maxLength: 256 }),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

/** What the API shows of an exchange account: never the key or the secret, only a masked key. */
function view(account: ExchangeAccountView) {
  return {
    account_id: account.accountId,
    venue: account.exchange,
    venue_id: account.venue,
    market_type: account.marketType,
    label: account.label,
    base_url: account.baseUrl ?? null,
    api_key: account.maskedKey,
    created_at: account.createdAt.toISOString(),
  };
}

export function exchangeAccountRoutes(deps: ExchangeAccountDeps | undefined): FastifyPluginAsyncTypebox {
  const live = (): ExchangeAccountDeps => {
    if (!deps)
      throw new AppError('SERVICE_UNAVAILABLE', 'Live exchange accounts are not enabled on this server.');
    return deps;
  };
  return async (app) => {
    app.post(
      '/exchange-accounts',
      { schema: { body: CreateExchangeAccountBody } },
      async (request, reply) => {
        const principal = principalOf(request);
        const body = request.body;
        const account = await createExchangeAccount(live(), principal.userId, {
          exchange: body.venue,
          ...(body.base_url !== undefined && { baseUrl: body.base_url }),
          credentials: { apiKey: body.api_key, apiSecret: body.api_secret },
          ...(body.label !== undefined && { label: body.label }),
        });
        return reply.status(201).send(view(account));
      },
    );

    app.get('/exchange-accounts', async (request) => {
      const principal = principalOf(request);
      const accounts = await live().store.listExchangeAccounts(principal.userId);
      return { data: accounts.map(view) };
    });

    app.delete('/exchange-accounts/:id', { schema: { params: IdParams } }, async (request, reply) => {
      const principal = principalOf(request);
      await deleteExchangeAccount(live(), principal.userId, request.params.id);
      return reply.status(204).send();
    });
  };
}
