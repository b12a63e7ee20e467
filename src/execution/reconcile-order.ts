import { AppError } from '../domain/app-error.ts';
import { isFinalOrderStatus, type OrderStatus } from '../domain/order-status.ts';
import { applyVenueSnapshot, transitionOrderRecord } from './apply-venue-snapshot.ts';
import { sendCancel } from './cancel-order.ts';
import { submitAdmittedOrder } from './execute-order.ts';
import type { ExecutionDeps } from './execution-deps.ts';
import { orderView } from './order-view.ts';
import type { AccountRecord, OrderRecord } from './store-port.ts';
import type { OrderRef, VenueOrderSnapshot } from './venue-port.ts';

/** Non-final orders of one venue, across users: the reconciler's work list. */
export interface ReconcileSource {
  ordersToReconcile(venue: string): Promise<readonly OrderRecord[]>;
  /** The accounts that trade on a venue, across users (balance comparison). */
  accountsOnVenue(venue: string): Promise<readonly AccountRecord[]>;
}

export type ReconcileOutcome =
  /** The venue's record was applied (state, fills). `corrected` when it changed anything. */
  | { readonly kind: 'applied'; readonly status: OrderStatus; readonly corrected: boolean }
  /** The venue proved it never saw the order; it was sent again with the same client order id. */
  | { readonly kind: 'resent'; readonly status: OrderStatus }
  /** Too early to conclude anything (the receive window has not passed), or nothing to do. */
  | { readonly kind: 'waiting' }
  /** The venue could not be asked; the order stays as it is. */
  | { readonly kind: 'lookup_failed'; readonly message: string }
  /** The venue has no such order although we hold it as placed there: flagged, never closed blindly. */
  | { readonly kind: 'missing_at_venue' };

export interface ReconcileOptions {
  /**
   * The venue's receive window plus clock tolerance. A request signed at T is refused by the venue after
   * T + recvWindow, so once this long has passed since our last send, "not found" is final evidence.
   */
  readonly settleMs: number;
  /** Sends happen only after this instant (process start): an order PENDING_SUBMIT from an earlier run may
   * have been sent just before the crash. */
  readonly lastPossibleSendAt?: Date;
}

const UNSETTLED: readonly OrderStatus[] = ['UNKNOWN', 'PENDING_SUBMIT', 'SUBMITTED'];

/**
 * Brings one order in line with the venue's own record (DESIGN §2 step 6): look it up by client order id;
 * found → apply the venue's snapshot (fills exactly once by trade id); proven absent after the receive
 * window → `not_found_at_venue` → PENDING_SUBMIT → resend with the same client order id. Never a blind
 * resend, never a final state without the venue's evidence.
 */
export async function reconcileOrder(
  deps: ExecutionDeps,
  order: OrderRecord,
  options: ReconcileOptions,
): Promise<ReconcileOutcome> {
  if (isFinalOrderStatus(order.status)) return { kind: 'waiting' };
  const venue = deps.venues.get(order.venue);
  const rules = venue?.market(order.symbol, order.marketType);
  if (!venue || !rules)
    return { kind: 'lookup_failed', message: `venue ${order.venue} cannot price ${order.symbol}` };
  const unsettled = UNSETTLED.includes(order.status);
  // Its send may not have reached the venue yet: a lookup now could not prove it absent.
  if (unsettled && deps.submissions.has(order.id)) return { kind: 'waiting' };
  const now = deps.now().getTime();
  // A young PENDING_SUBMIT order belongs to a submission still in flight: executeOrder records it.
  if (order.status !== 'UNKNOWN' && unsettled && now < order.updatedAt.getTime() + options.settleMs) {
    return { kind: 'waiting' };
  }

  const ref: OrderRef = {
    accountRef: order.accountId,
    symbol: order.symbol,
    marketType: order.marketType,
    clientOrderId: order.clientOrderId,
  };
  let snapshot;
  try {
    snapshot = await venue.fetchOrder(ref);
  } catch (error) {
    return { kind: 'lookup_failed', message: error instanceof Error ? error.message : String(error) };
  }

  if (snapshot && addsNothing(order, snapshot)) {
    // The common case for a resting order: no transaction, so no account lock taken from order entry.
    return { kind: 'applied', status: order.status, corrected: false };
  }
  if (snapshot) {
    const found = snapshot;
    const applied = await deps.store.transaction(order.userId, async (uow) => {
      await uow.lockAccount(order.accountId);
      const current = await uow.lockOrder(order.id);
      if (!current) return { kind: 'waiting' } as const;
      const { order: updated, newFills } = await applyVenueSnapshot(
        uow,
        { rules, newId: deps.newId, now: deps.now },
        current,
        found,
      );
      const corrected = updated.status !== current.status || newFills.length > 0 || !current.venueOrderId;
      if (corrected) {
        const recovered = !current.venueOrderId;
        await uow.appendAudit({
          accountId: current.accountId,
          orderId: current.id,
          source: current.source,
          status: 'PLACED',
          reasonCode: 'RECONCILED',
          message: recovered
            ? `Order ${current.clientOrderId} was ${current.status} here and found at ${current.venue} (exchange order ${found.venueOrderId}); now ${updated.status} from the venue's record.`
            : `Reconciled with ${current.venue}: ${current.status} -> ${updated.status}, ${newFills.length} fill(s) recorded that had been missed.`,
          symbol: current.symbol,
          side: current.side,
          requestPayload: { reconcile: { from: current.status, client_order_id: current.clientOrderId } },
          venueResponse: found.raw ?? { status: found.status },
          exchangeOrderId: found.venueOrderId,
        });
        await uow.publish('audit', { order_id: current.id, status: 'PLACED', reason_code: 'RECONCILED' });
      }
      return { kind: 'applied', status: updated.status, corrected } as const;
    });
    const stillWorking = found.status === 'NEW' || found.status === 'PARTIALLY_FILLED';
    if (
      applied.kind === 'applied' &&
      applied.status === 'CANCEL_PENDING' &&
      stillWorking &&
      now >= order.updatedAt.getTime() + options.settleMs
    ) {
      // Our cancel's outcome was never known and the venue still works the order: the cancel was lost.
      // The user's intent stands, and a cancel is safe to repeat: send it again.
      try {
        const resent = await sendCancel(deps, order);
        return { kind: 'applied', status: resent.order.status, corrected: true };
      } catch (error) {
        if (error instanceof AppError) return { kind: 'waiting' };
        throw error;
      }
    }
    return applied;
  }

  const lastSendOf = (o: OrderRecord) =>
    Math.max(o.updatedAt.getTime(), options.lastPossibleSendAt?.getTime() ?? 0);
  if (unsettled && now < lastSendOf(order) + options.settleMs) {
    // Not found yet, but a request signed before the last send may still arrive within its receive window.
    return { kind: 'waiting' };
  }
  if (!unsettled) {
    // Held as placed (it has an exchange order id) yet the venue does not know it: not ours to close.
    return { kind: 'missing_at_venue' };
  }

  const pending = await deps.store.transaction(order.userId, async (uow) => {
    await uow.lockAccount(order.accountId);
    const current = await uow.lockOrder(order.id);
    // "Not found" is evidence about the order as `order` shows it, and the work list may be older than the
    // order: another process may have resent it since, or a late report moved it. Then the receive window
    // runs again from that move: wait for a later pass, which starts from the order as it is then.
    if (!current || !UNSETTLED.includes(current.status)) return undefined;
    // Checked again under the lock: a send that began or was recorded since the lookup voids its evidence.
    if (
      current.status !== order.status ||
      current.updatedAt.getTime() !== order.updatedAt.getTime() ||
      deps.submissions.has(current.id) ||
      deps.now().getTime() < lastSendOf(current) + options.settleMs
    ) {
      return undefined;
    }
    let status = current.status;
    const detail = {
      evidence: 'order lookup by client order id: does not exist',
      settle_ms: options.settleMs,
    };
    if (status === 'SUBMITTED') {
      status = await transitionOrderRecord(uow, current, { kind: 'outcome_unknown' }, detail);
    }
    if (status === 'UNKNOWN') {
      status = await transitionOrderRecord(
        uow,
        { ...current, status },
        { kind: 'not_found_at_venue' },
        detail,
      );
    }
    if (status !== 'PENDING_SUBMIT') return undefined;
    await uow.updateOrder(current.id, {
      status,
      message: 'Not found at the venue; resending with the same client order id.',
    });
    const next: OrderRecord = { ...current, status, updatedAt: deps.now() };
    await uow.publish('order.updated', orderView(next));
    return next;
  });
  if (!pending) return { kind: 'waiting' };
  const result = await submitAdmittedOrder(
    deps,
    { order: pending, rules, venue },
    {
      resend: { order_id: pending.id, client_order_id: pending.clientOrderId, reason: 'not_found_at_venue' },
    },
  );
  return { kind: 'resent', status: result.order?.status ?? pending.status };
}

/**
 * The venue's record says what ours already says: same exchange order, still working, same filled
 * quantity (so no fill we lack). Anything else goes through applyVenueSnapshot under the locks.
 */
function addsNothing(order: OrderRecord, found: VenueOrderSnapshot): boolean {
  const sameState =
    (order.status === 'OPEN' && found.status === 'NEW') ||
    (order.status === 'PARTIALLY_FILLED' && found.status === 'PARTIALLY_FILLED');
  return (
    sameState &&
    order.venueOrderId === found.venueOrderId &&
    found.filledQuantity.equals(order.filledQuantity)
  );
}
