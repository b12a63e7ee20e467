import { AppError } from '../domain/app-error.ts';
import { isFinalOrderStatus } from '../domain/order-status.ts';
import { applyVenueSnapshot, transitionOrderRecord } from './apply-venue-snapshot.ts';
import type { ExecutionDeps } from './execution-deps.ts';
import type { OrderRecord, UnitOfWork } from './store-port.ts';
import type { VenuePort } from './venue-port.ts';

export interface CancelOutcome {
  readonly order: OrderRecord;
  /** False when the venue's answer is still outstanding (the order stays CANCEL_PENDING). */
  readonly confirmed: boolean;
  readonly message: string;
}

async function lockOwnedOrder(uow: UnitOfWork, accountId: string, orderId: string): Promise<OrderRecord> {
  await uow.lockAccount(accountId);
  const order = await uow.lockOrder(orderId);
  if (!order) throw new AppError('NOT_FOUND', `Order ${orderId} not found.`);
  return order;
}

function venueFor(deps: ExecutionDeps, order: OrderRecord): VenuePort {
  const venue = deps.venues.get(order.venue);
  if (!venue)
    throw new AppError('SERVICE_UNAVAILABLE', `Venue ${order.venue} is not configured on this server.`);
  return venue;
}

/**
 * Cancels a working order: CANCEL_PENDING is recorded first, then the venue is asked, then its answer
 * (with any fills that happened meanwhile) is recorded. Nothing is marked CANCELED without the venue's word.
 */
export async function cancelOrder(
  deps: ExecutionDeps,
  userId: string,
  orderId: string,
): Promise<CancelOutcome> {
  // Which account: read on its own, so that no order lock is held while the account lock is awaited.
  // Everything else locks the account before the order; the other way round deadlocks against them.
  const accountId = await deps.store.transaction(
    userId,
    async (uow) => (await uow.lockOrder(orderId))?.accountId,
  );
  if (!accountId) throw new AppError('NOT_FOUND', `Order ${orderId} not found.`);
  const located = await deps.store.transaction(userId, async (uow) => {
    const order = await lockOwnedOrder(uow, accountId, orderId);
    if (isFinalOrderStatus(order.status)) {
      throw new AppError(
        'ORDER_NOT_CANCELABLE',
        `Order is already ${order.status}; there is nothing to cancel.`,
        {
          status: order.status,
        },
      );
    }
    if (order.status === 'PENDING_SUBMIT' || order.status === 'UNKNOWN') {
      throw new AppError(
        'ORDER_NOT_CANCELABLE',
        `Order is ${order.status}: its state at the venue is not confirmed yet. Retry the cancel once it is.`,
        { status: order.status },
      );
    }
    const status = await transitionOrderRecord(uow, order, { kind: 'cancel_requested' });
    await uow.updateOrder(order.id, { status });
    return { ...order, status };
  });
  return sendCancel(deps, located);
}

/**
 * Asks the venue to cancel an order held CANCEL_PENDING and records its answer. The reconciler sends it
 * again for a cancel whose outcome was never known while the venue still shows the order working.
 */
export async function sendCancel(deps: ExecutionDeps, located: OrderRecord): Promise<CancelOutcome> {
  const venue = venueFor(deps, located);
  const rules = venue.market(located.symbol, located.marketType);
  if (!rules)
    throw new AppError('SERVICE_UNAVAILABLE', `${located.symbol} is no longer listed at ${located.venue}.`);
  const answer = await venue.cancel({
    accountRef: located.accountId,
    symbol: located.symbol,
    marketType: located.marketType,
    clientOrderId: located.clientOrderId,
  });

  return deps.store.transaction(located.userId, async (uow) => {
    const order = await lockOwnedOrder(uow, located.accountId, located.id);
    if (answer.kind === 'canceled' || answer.kind === 'already_final') {
      const { order: updated } = await applyVenueSnapshot(
        uow,
        { rules, newId: deps.newId, now: deps.now },
        order,
        answer.order,
      );
      return {
        order: updated,
        confirmed: true,
        message:
          updated.status === 'CANCELED'
            ? `Order canceled; ${updated.filledQuantity.toFixed()} of ${updated.quantity.toFixed()} had filled.`
            : `Order was already ${updated.status} at the venue.`,
      };
    }
    if (answer.kind === 'not_found') {
      const status = await transitionOrderRecord(uow, order, {
        kind: 'cancel_rejected',
        hasFills: !order.filledQuantity.isZero(),
      });
      await uow.updateOrder(order.id, { status });
      throw new AppError(
        'VENUE_UNAVAILABLE',
        `The venue does not know this order (${answer.message}); it will be reconciled.`,
      );
    }
    return {
      order,
      confirmed: false,
      message: `Cancel sent; the venue has not confirmed it yet (${answer.message}). The order stays CANCEL_PENDING.`,
    };
  });
}
