import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { unrealizedPnl } from '../../domain/position-math.ts';
import { positionView } from '../../execution/order-view.ts';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../domain/app-error.ts';
import { toDecimal } from '../../domain/decimal.ts';
import { closePosition } from '../../execution/close-position.ts';
import { setPositionExits } from '../../execution/set-position-exits.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf } from '../authenticate.ts';
import { DecimalInput, IdParams } from '../schemas.ts';
import { optDecimal, replyWithResult } from './place-order.ts';

const nullableDecimal = Type.Optional(Type.Union([DecimalInput, Type.Null()]));
const PositionExitsBody = Type.Object(
  { stop_loss: nullableDecimal, take_profit: nullableDecimal, trailing_stop_pct: nullableDecimal },
  { additionalProperties: false, minProperties: 1 },
);

const ClosePositionBody = Type.Object(
  {
    type: Type.Optional(Type.Union([Type.Literal('market'), Type.Literal('limit')])),
    price: Type.Optional(DecimalInput),
    quantity: Type.Optional(DecimalInput),
  },
  { additionalProperties: false },
);

export function positionRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/positions/:id/close',
      { schema: { params: IdParams, body: ClosePositionBody } },
      async (request, reply) => {
        const principal = principalOf(request, 'trade');
        const body = request.body;
        const type = body.type ?? (body.price === undefined ? 'market' : 'limit');
        if (type === 'limit' && body.price === undefined) {
          throw new AppError('VALIDATION_FAILED', 'A limit close needs a price.');
        }
        const result = await closePosition(deps.execution, principal.userId, request.params.id, {
          type,
          price: optDecimal(body.price),
          quantity: optDecimal(body.quantity),
          reason: 'manual',
        });
        return replyWithResult(reply, result);
      },
    );

    app.put(
      '/positions/:id/exits',
      { schema: { params: IdParams, body: PositionExitsBody } },
      async (request) => {
        const principal = principalOf(request, 'trade');
        const body = request.body;
        const level = (value: string | number | null | undefined) =>
          value === undefined ? undefined : value === null ? null : toDecimal(value);
        const position = await setPositionExits(deps.execution, principal.userId, request.params.id, {
          stopLoss: level(body.stop_loss),
          takeProfit: level(body.take_profit),
          trailingStopPct: level(body.trailing_stop_pct),
        });
        return positionView(position);
      },
    );

    app.get('/positions', async (request) => {
      const principal = principalOf(request);
      const [positions, accounts] = await Promise.all([
        deps.read.listPositions(principal.userId),
        deps.read.listAccounts(principal.userId),
      ]);
      const venueOf = new Map(accounts.map((a) => [a.id, a.venue]));
      return {
        positions: positions.map((p) => {
          const venue = deps.execution.venues.get(venueOf.get(p.accountId) ?? '');
          const mark = venue?.markPrice(p.symbol, p.marketType);
          const live = p.status !== 'CLOSED' && p.status !== 'FAILED';
          return positionView(p, mark, live && mark ? unrealizedPnl(p, mark) : undefined);
        }),
      };
    });
  };
}
