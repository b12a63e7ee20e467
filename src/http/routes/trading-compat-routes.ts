import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../domain/app-error.ts';
import { decimalString } from '../../domain/decimal.ts';
import { smallestMarketQuantity } from '../../domain/smallest-order.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf } from '../authenticate.ts';
import { ExecutionLogsQuery, FuturesOrderBody, TestOrderBody } from '../schemas.ts';
import { optDecimal, placeAndReply, resolveAccount } from './place-order.ts';

/** The routes the existing bots and terminal already call (`/api/trading/*`, `/api/futures/*`). */
export function tradingCompatRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/trading/execution-logs', { schema: { querystring: ExecutionLogsQuery } }, async (request) => {
      const principal = principalOf(request);
      const rows = await deps.read.listAudit(principal.userId, { source: request.query.source, limit: 100 });
      return {
        logs: rows.map((r) => ({
          id: r.id,
          created_at: r.createdAt.toISOString(),
          source: r.source,
          status: r.status,
          symbol: r.symbol ?? null,
          side: r.side ?? null,
          account_id: r.accountId ?? null,
          order_id: r.orderId ?? null,
          exchange_order_id: r.exchangeOrderId ?? null,
          reason_code: r.reasonCode ?? null,
          message: r.message,
          min_notional: r.minNotional ? decimalString(r.minNotional) : null,
          available_balance: r.availableBalance ? decimalString(r.availableBalance) : null,
          required_balance: r.requiredBalance ? decimalString(r.requiredBalance) : null,
        })),
      };
    });

    app.post('/trading/test-order', { schema: { body: TestOrderBody } }, async (request, reply) => {
      const principal = principalOf(request, 'trade');
      const account = await resolveAccount(deps, principal.userId, 'spot', request.body.connectionId);
      if (account.marketType !== 'spot') {
        throw new AppError(
          'VALIDATION_FAILED',
          'test-order places a spot market buy; connectionId must be a spot account.',
        );
      }
      const venue = deps.execution.venues.get(account.venue);
      const rules = venue?.market(request.body.symbol, 'spot');
      const mark = venue?.markPrice(request.body.symbol, 'spot');
      // Without rules or a price the pipeline itself explains why (UNKNOWN_SYMBOL / NO_MARKET_PRICE).
      const quantity = rules && mark ? smallestMarketQuantity(rules, mark) : undefined;
      return placeAndReply(
        deps,
        {
          userId: principal.userId,
          accountId: account.id,
          source: 'TERMINAL',
          symbol: request.body.symbol,
          marketType: 'spot',
          side: 'buy',
          type: 'market',
          ...(quantity ? { quantity } : { quoteQuantity: rules?.minNotional }),
        },
        reply,
      );
    });

    app.post('/futures/order', { schema: { body: FuturesOrderBody } }, async (request, reply) => {
      const principal = principalOf(request, 'trade');
      const body = request.body;
      const account = await resolveAccount(deps, principal.userId, 'futures', body.connectionId);
      const side = ['buy', 'BUY', 'long', 'LONG'].includes(body.side) ? 'buy' : 'sell';
      return placeAndReply(
        deps,
        {
          userId: principal.userId,
          accountId: account.id,
          source: 'TERMINAL',
          symbol: body.symbol,
          marketType: 'futures',
          side,
          type: 'market',
          quantity: optDecimal(body.qty),
          quoteQuantity: optDecimal(body.quoteSizeUsdt),
          leverage: body.leverage,
        },
        reply,
      );
    });
  };
}
