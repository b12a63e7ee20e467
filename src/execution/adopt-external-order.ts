import { ZERO } from '../domain/decimal.ts';
import { applyVenueSnapshot } from './apply-venue-snapshot.ts';
import type { ExecutionDeps } from './execution-deps.ts';
import { orderView } from './order-view.ts';
import type { AccountRecord, OrderRecord } from './store-port.ts';
import type { VenueOrderSnapshot } from './venue-port.ts';

/**
 * Takes an order found open at the venue that we never placed (made on the exchange's own site, or by
 * another tool with this key) into our records as `EXTERNAL`, so its fills move positions and balances.
 * It enters as PENDING_SUBMIT and reaches the venue's state through applyVenueSnapshot, like any other
 * order. Nothing is reserved for it: the venue already holds its funds, and our reservation rules are
 * for orders we size; until it ends, the ledger's free balance is overstated by what it locks at the venue.
 * Returns undefined when the order is already ours or the snapshot does not describe the order fully.
 */
export async function adoptExternalOrder(
  deps: ExecutionDeps,
  account: AccountRecord,
  snapshot: VenueOrderSnapshot,
): Promise<OrderRecord | undefined> {
  const detail = snapshot.detail;
  if (!detail) return undefined;
  const venue = deps.venues.get(account.venue);
  const rules = venue?.market(snapshot.symbol, snapshot.marketType);
  if (!rules) return undefined;
  return deps.store.transaction(account.userId, async (uow) => {
    await uow.lockAccount(account.id);
    if (await uow.findOrderByClientId(account.id, snapshot.clientOrderId)) return undefined;
    const now = deps.now();
    const order: OrderRecord = {
      id: deps.newId(),
      userId: account.userId,
      accountId: account.id,
      venue: account.venue,
      clientOrderId: snapshot.clientOrderId,
      source: 'EXTERNAL',
      symbol: snapshot.symbol,
      marketType: snapshot.marketType,
      side: detail.side,
      type: detail.type,
      timeInForce: detail.timeInForce,
      quantity: detail.quantity,
      price: detail.price,
      stopPrice: detail.stopPrice,
      leverage: detail.leverage ?? 1,
      reduceOnly: detail.reduceOnly,
      status: 'PENDING_SUBMIT',
      filledQuantity: ZERO,
      fees: ZERO,
      reserveAsset: rules.quoteAsset,
      reservedRemaining: ZERO,
      requestHash: `external:${snapshot.venueOrderId}`,
      message: `Adopted from ${account.venue}: open there, not placed through Fillgate.`,
      createdAt: now,
      updatedAt: now,
    };
    // Several processes may scan the same venue: the unique client order id per account lets exactly one
    // of them adopt it, whatever the interleaving (the check above only saves the work).
    if (!(await uow.insertOrderIfAbsent(order))) return undefined;
    await uow.appendOrderEvent({
      orderId: order.id,
      kind: 'ADOPTED',
      toStatus: 'PENDING_SUBMIT',
      detail: { venue_order_id: snapshot.venueOrderId },
    });
    const { order: adopted } = await applyVenueSnapshot(
      uow,
      { rules, newId: deps.newId, now: deps.now },
      order,
      snapshot,
    );
    await uow.appendAudit({
      accountId: account.id,
      orderId: order.id,
      source: 'EXTERNAL',
      status: 'PLACED',
      reasonCode: 'ADOPTED',
      message: `Order ${snapshot.clientOrderId} was open at ${account.venue} without a record here; adopted as EXTERNAL (${adopted.status}).`,
      symbol: order.symbol,
      side: order.side,
      requestPayload: { reconcile: 'adopt', client_order_id: snapshot.clientOrderId },
      venueResponse: snapshot.raw ?? { status: snapshot.status },
      exchangeOrderId: snapshot.venueOrderId,
    });
    await uow.publish('order.created', orderView(adopted));
    return adopted;
  });
}
