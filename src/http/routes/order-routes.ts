import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../domain/app-error.ts';
import { decimalString } from '../../domain/decimal.ts';
import { cancelOrder } from '../../execution/cancel-order.ts';
import { fillView, orderView } from '../../execution/order-view.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf } from '../authenticate.ts';
import { noBodyFields } from '../no-body-fields.ts';
import { IdParams, OrderListQuery, PlaceOrderBody } from '../schemas.ts';
import { optDecimal, placeAndReply, resolveAccount } from './place-order.ts';

export function orderRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/orders', { schema: { body: PlaceOrderBody } }, async (request, reply) => {
      const principal = principalOf(request, 'trade');
      const body = request.body;
      const marketType = body.market_type ?? 'spot';
      const account = await resolveAccount(deps, principal.userId, marketType, body.account_id);
      return placeAndReply(
        deps,
        {
          userId: principal.userId,
          accountId: account.id,
          source: body.source ?? 'TERMINAL',
          symbol: body.symbol,
          marketType,
          side: body.side,
          type: body.type,
          timeInForce: body.time_in_force,
          quantity: optDecimal(body.quantity),
          quoteQuantity: optDecimal(body.quote_quantity),
          price: optDecimal(body.price),
          stopPrice: optDecimal(body.stop_price),
          leverage: body.leverage,
          reduceOnly: body.reduce_only,
          clientOrderId: body.client_order_id,
        },
        reply,
      );
    });

    app.get('/orders', { schema: { querystring: OrderListQuery } }, async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      const limit = q.limit === undefined ? 50 : Number(q.limit);
      if (limit < 1 || limit > 500)
        throw new AppError('VALIDATION_FAILED', 'limit must be between 1 and 500.');
      const page = await deps.read.listOrders(principal.userId, {
        status: q.status,
        symbol: q.symbol,
        source: q.source,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        cursor: q.cursor,
        limit,
      });
      return { orders: page.items.map(orderView), next_cursor: page.nextCursor };
    });

    app.get('/orders/:id', { schema: { params: IdParams } }, async (request) => {
      const principal = principalOf(request);
      const order = await deps.read.findOrder(principal.userId, request.params.id);
      if (!order) throw new AppError('NOT_FOUND', `Order ${request.params.id} not found.`);
      const fills = await deps.read.listFills(principal.userId, order.id);
      return { ...orderView(order), fills: fills.map(fillView) };
    });

    app.post(
      '/orders/:id/cancel',
      { schema: { params: IdParams }, preValidation: noBodyFields },
      async (request, reply) => {
        const principal = principalOf(request, 'trade');
        const outcome = await cancelOrder(deps.execution, principal.userId, request.params.id);
        return reply
          .status(outcome.confirmed ? 200 : 202)
          .send({ message: outcome.message, order: orderView(outcome.order) });
      },
    );

    app.get('/orders/:id/audit', { schema: { params: IdParams } }, async (request) => {
      const principal = principalOf(request);
      const order = await deps.read.findOrder(principal.userId, request.params.id);
      if (!order) throw new AppError('NOT_FOUND', `Order ${request.params.id} not found.`);
      const [events, audit] = await Promise.all([
        deps.read.listOrderEvents(principal.userId, order.id),
        deps.read.listAudit(principal.userId, { orderId: order.id, limit: 100 }),
      ]);
      return {
        order_id: order.id,
        events: events.map((e) => ({
          id: e.id,
          kind: e.kind,
          from_status: e.fromStatus ?? null,
          to_status: e.toStatus,
          attempt: e.attempt ?? 0,
          detail: e.detail ?? null,
          created_at: e.createdAt.toISOString(),
        })),
        audit: audit.map((a) => ({
          id: a.id,
          status: a.status,
          reason_code: a.reasonCode ?? null,
          message: a.message,
          exchange_order_id: a.exchangeOrderId ?? null,
          created_at: a.createdAt.toISOString(),
        })),
      };
    });

    app.get('/accounts', async (request) => {
      const principal = principalOf(request);
      const accounts = await deps.read.listAccounts(principal.userId);
      return {
        accounts: accounts.map((a) => ({
          id: a.id,
          venue: a.venue,
          market_type: a.marketType,
          label: a.label,
          trading_state: a.tradingState,
        })),
      };
    });

    app.get('/balances', async (request) => {
      const principal = principalOf(request);
      const rows = await deps.read.listBalances(principal.userId);
      return {
        balances: rows.map((b) => ({
          account_id: b.accountId,
          asset: b.asset,
          total: decimalString(b.total),
          reserved: decimalString(b.reserved),
          free: decimalString(b.total.minus(b.reserved)),
        })),
      };
    });
  };
}
