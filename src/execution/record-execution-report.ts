import { applyVenueSnapshot } from './apply-venue-snapshot.ts';
import type { ExecutionDeps } from './execution-deps.ts';
import type { ExecutionReport } from './venue-port.ts';

export interface OrderLocation {
  readonly userId: string;
  readonly accountId: string;
  readonly orderId: string;
}

/** Finds our order behind a venue report; a worker's cross-user lookup, not scoped to a user. */
export interface OrderLocator {
  locateOrder(venue: string, accountId: string, clientOrderId: string): Promise<OrderLocation | undefined>;
}

/**
 * Applies a change the venue made on its own (a resting order filled, a stop triggered) to our records.
 * Returns false when the order is not ours (to be adopted by the reconciler, not here).
 */
export async function recordExecutionReport(
  deps: ExecutionDeps,
  locator: OrderLocator,
  report: ExecutionReport,
): Promise<boolean> {
  const location = await locator.locateOrder(report.venue, report.accountRef, report.order.clientOrderId);
  if (!location) return false;
  const venue = deps.venues.get(report.venue);
  const rules = venue?.market(report.order.symbol, report.order.marketType);
  if (!rules) return false;
  await deps.store.transaction(location.userId, async (uow) => {
    await uow.lockAccount(location.accountId);
    const order = await uow.lockOrder(location.orderId);
    if (!order) return;
    await applyVenueSnapshot(uow, { rules, newId: deps.newId, now: deps.now }, order, report.order);
  });
  return true;
}
