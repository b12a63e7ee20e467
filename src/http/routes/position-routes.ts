import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { unrealizedPnl } from '../../domain/position-math.ts';
import { positionView } from '../../execution/order-view.ts';
import type { AppDeps } from '../app-deps.ts';
import { principalOf } from '../authenticate.ts';

export function positionRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
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
