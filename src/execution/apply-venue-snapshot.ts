import { ZERO, type Decimal } from '../domain/decimal.ts';
import { fillLedgerEffect, fillPositionTerms } from '../domain/fill-ledger.ts';
import type { MarketRules } from '../domain/market-rules.ts';
import { isFinalOrderStatus, type OrderStatus } from '../domain/order-status.ts';
import { isInvalidTransition, transitionOrder, type OrderEvent } from '../domain/order-transitions.ts';
import {
  FLAT,
  applyFillToPosition,
  liquidationPrice,
  type PositionAmounts,
} from '../domain/position-math.ts';
import {
  transitionPosition,
  type PositionEvent,
  type PositionStatus,
} from '../domain/position-transitions.ts';
import type { VenueFill, VenueOrderSnapshot, VenueOrderStatus } from './venue-port.ts';
import { fillView, orderView, positionView } from './order-view.ts';
import type { FillRecord, OrderRecord, PositionRecord, UnitOfWork } from './store-port.ts';

export interface SnapshotContext {
  readonly rules: MarketRules;
  readonly newId: () => string;
  readonly now: () => Date;
  /** Recorded in the order's event log (0 for the first submission). */
  readonly attempt?: number;
}

export interface SnapshotOutcome {
  readonly order: OrderRecord;
  readonly newFills: readonly FillRecord[];
}

const EVENT_FOR_VENUE_STATUS: Readonly<Record<VenueOrderStatus, OrderEvent>> = {
  NEW: { kind: 'accepted' },
  PARTIALLY_FILLED: { kind: 'partially_filled' },
  FILLED: { kind: 'filled' },
  CANCELED: { kind: 'canceled' },
  EXPIRED: { kind: 'expired' },
  REJECTED: { kind: 'rejected' },
};

/** Applies a state change of the order through the one transition function, logging it. */
export async function transitionOrderRecord(
  uow: UnitOfWork,
  order: OrderRecord,
  event: OrderEvent,
  detail?: unknown,
  attempt = 0,
): Promise<OrderStatus> {
  const next = transitionOrder(order.status, event);
  if (isInvalidTransition(next)) {
    // A late or duplicate venue report: keep the state, keep the trace.
    await uow.appendOrderEvent({
      orderId: order.id,
      kind: 'IGNORED_REPORT',
      fromStatus: order.status,
      toStatus: order.status,
      attempt,
      detail: { event: event.kind, reason: next.message },
    });
    return order.status;
  }
  if (next !== order.status) {
    await uow.appendOrderEvent({
      orderId: order.id,
      kind: event.kind.toUpperCase(),
      fromStatus: order.status,
      toStatus: next,
      attempt,
      detail,
    });
  }
  return next;
}

function positionAmounts(position: PositionRecord | undefined): PositionAmounts {
  if (!position) return FLAT;
  return {
    side: position.side,
    quantity: position.quantity,
    entryPrice: position.entryPrice,
    costBasis: position.costBasis,
    leverage: position.leverage,
    margin: position.margin,
    realizedPnl: position.realizedPnl,
    fees: position.fees,
  };
}

function nextPositionStatus(current: PositionStatus, event: PositionEvent): PositionStatus {
  const next = transitionPosition(current, event);
  return typeof next === 'string' ? next : current;
}

/**
 * Records one fill: the position it opens, grows, reduces or flips, the balances it moves, and the fill row.
 * Returns undefined when the venue trade id was already recorded (fills apply exactly once).
 */
async function recordFill(
  uow: UnitOfWork,
  ctx: SnapshotContext,
  order: OrderRecord,
  fill: VenueFill,
  reservedRemaining: Decimal,
): Promise<{ fill: FillRecord; consumed: Decimal; positionId: string | undefined } | undefined> {
  const { rules } = ctx;
  const now = ctx.now();
  const live = await uow.lockLivePosition(order.accountId, order.symbol, order.marketType);
  const direction = order.side === 'buy' ? 'long' : 'short';
  const reducing = live !== undefined && !live.quantity.isZero() && live.side !== direction;
  const feeTerms = {
    marketType: order.marketType,
    side: order.side,
    baseAsset: rules.baseAsset,
    quoteAsset: rules.quoteAsset,
    price: fill.price,
    quantity: fill.quantity,
    fee: fill.fee,
    feeAsset: fill.feeAsset,
  };
  const terms = fillPositionTerms(feeTerms);
  const outcome = applyFillToPosition(positionAmounts(live), {
    marketType: order.marketType,
    side: order.side,
    price: fill.price,
    quantity: terms.quantity,
    fee: terms.feeInQuote,
    leverage: order.leverage,
  });
  const fillRecord: FillRecord = {
    id: ctx.newId(),
    userId: order.userId,
    accountId: order.accountId,
    orderId: order.id,
    venueTradeId: fill.tradeId,
    symbol: order.symbol,
    side: order.side,
    price: fill.price,
    quantity: fill.quantity,
    fee: fill.fee,
    feeAsset: fill.feeAsset,
    feeInQuote: terms.feeInQuote,
    liquidity: fill.liquidity,
    realizedPnl: outcome.realizedPnl,
    executedAt: fill.timestamp,
  };
  if (!(await uow.insertFill(fillRecord))) return undefined;

  const effect = fillLedgerEffect({
    ...feeTerms,
    reservedRemaining,
    realizedPnl: outcome.realizedPnl,
    marginLocked: outcome.marginLocked,
    marginReleased: outcome.marginReleased,
  });
  for (const delta of effect.deltas) {
    await uow.adjustBalance(order.accountId, delta.asset, delta.total, delta.reserved);
  }

  const amounts = outcome.position;
  let positionId = live?.id;
  const flipped = reducing && outcome.openedQuantity.greaterThan(ZERO);
  if (live && (reducing || !amounts.quantity.isZero())) {
    const closes = reducing && (amounts.quantity.isZero() || flipped);
    const status = closes ? nextPositionStatus(live.status, { kind: 'closed' }) : live.status;
    const saved: PositionRecord = {
      ...live,
      ...(flipped
        ? {
            quantity: ZERO,
            entryPrice: live.entryPrice,
            costBasis: ZERO,
            margin: ZERO,
            realizedPnl: live.realizedPnl.plus(outcome.realizedPnl),
            fees: amounts.fees,
          }
        : amounts),
      liquidationPrice: closes ? undefined : liquidationFor(order, amounts, rules),
      // Exits sent with an order that adds to the position replace the position's.
      stopLoss: reducing ? live.stopLoss : (order.stopLoss ?? live.stopLoss),
      takeProfit: reducing ? live.takeProfit : (order.takeProfit ?? live.takeProfit),
      status,
      closedAt: closes ? now : live.closedAt,
    };
    await uow.savePosition(saved);
    await uow.publish(closes ? 'position.closed' : 'position.updated', positionView(saved));
    if (closes && saved.signalId) await uow.closeSignalsOfPosition(saved.id);
  }
  if (!live || flipped) {
    if (!amounts.quantity.isZero() && (order.marketType === 'futures' || order.side === 'buy')) {
      const opened: PositionRecord = {
        id: ctx.newId(),
        userId: order.userId,
        accountId: order.accountId,
        symbol: order.symbol,
        marketType: order.marketType,
        side: amounts.side,
        // A position with exits attached is watched by the position monitor from the start.
        status:
          order.stopLoss || order.takeProfit
            ? nextPositionStatus(nextPositionStatus('CREATED', { kind: 'opened' }), { kind: 'monitor' })
            : nextPositionStatus('CREATED', { kind: 'opened' }),
        quantity: amounts.quantity,
        entryPrice: amounts.entryPrice,
        costBasis: amounts.costBasis,
        leverage: amounts.leverage,
        margin: amounts.margin,
        liquidationPrice: liquidationFor(order, amounts, rules),
        realizedPnl: flipped ? ZERO : amounts.realizedPnl,
        fees: flipped ? ZERO : amounts.fees,
        stopLoss: order.stopLoss,
        takeProfit: order.takeProfit,
        signalId: order.signalId,
        botId: order.botId,
        openedAt: now,
      };
      await uow.savePosition(opened);
      await uow.publish('position.opened', positionView(opened));
      positionId = opened.id;
    }
  }
  await uow.publish('fill', fillView(fillRecord));
  return { fill: fillRecord, consumed: effect.reservationConsumed, positionId };
}

function liquidationFor(
  order: OrderRecord,
  amounts: PositionAmounts,
  rules: MarketRules,
): Decimal | undefined {
  if (order.marketType !== 'futures') return undefined;
  return liquidationPrice(amounts, rules.maintenanceMarginRate);
}

/**
 * Brings our record of an order in line with the venue's snapshot: new fills (each once), aggregates,
 * status through the transition table, and the reservation released once the order is final.
 * The caller holds the account lock and passes the order locked in the same transaction.
 */
export async function applyVenueSnapshot(
  uow: UnitOfWork,
  ctx: SnapshotContext,
  order: OrderRecord,
  snapshot: VenueOrderSnapshot,
): Promise<SnapshotOutcome> {
  let reservedRemaining = order.reservedRemaining;
  let filledQuantity = order.filledQuantity;
  let notional = order.averagePrice ? order.averagePrice.mul(order.filledQuantity) : ZERO;
  let fees = order.fees;
  let positionId = order.positionId;
  const newFills: FillRecord[] = [];
  for (const fill of snapshot.fills) {
    const recorded = await recordFill(uow, ctx, order, fill, reservedRemaining);
    if (!recorded) continue;
    newFills.push(recorded.fill);
    reservedRemaining = reservedRemaining.minus(recorded.consumed);
    filledQuantity = filledQuantity.plus(fill.quantity);
    notional = notional.plus(fill.price.mul(fill.quantity));
    fees = fees.plus(recorded.fill.feeInQuote);
    positionId = recorded.positionId ?? positionId;
  }

  let status = order.status;
  const step = async (event: OrderEvent) => {
    status = await transitionOrderRecord(uow, { ...order, status }, event, undefined, ctx.attempt ?? 0);
  };
  if (status === 'PENDING_SUBMIT') await step({ kind: 'submit_sent' });
  await step(EVENT_FOR_VENUE_STATUS[snapshot.status]);
  for (const fill of newFills) {
    await uow.appendOrderEvent({
      orderId: order.id,
      kind: 'FILLED',
      toStatus: status,
      attempt: ctx.attempt ?? 0,
      detail: { trade_id: fill.venueTradeId, price: fill.price.toFixed(), quantity: fill.quantity.toFixed() },
    });
  }

  if (isFinalOrderStatus(status) && order.positionId && order.positionId === positionId) {
    // An exit order that ended without closing its position hands the position back to OPEN.
    const position = await uow.lockPosition(order.positionId);
    if (position?.status === 'CLOSING' && !position.quantity.isZero()) {
      const reopened = { ...position, status: nextPositionStatus(position.status, { kind: 'reopened' }) };
      await uow.savePosition(reopened);
      await uow.publish('position.updated', positionView(reopened));
    }
  }

  if (isFinalOrderStatus(status) && !reservedRemaining.isZero()) {
    await uow.adjustBalance(order.accountId, order.reserveAsset, ZERO, reservedRemaining.neg());
    reservedRemaining = ZERO;
  }

  const updated: OrderRecord = {
    ...order,
    venueOrderId: order.venueOrderId ?? snapshot.venueOrderId,
    status,
    filledQuantity,
    averagePrice: filledQuantity.isZero() ? order.averagePrice : notional.div(filledQuantity),
    fees,
    reservedRemaining,
    positionId,
    updatedAt: ctx.now(),
  };
  const changed = updated.status !== order.status || newFills.length > 0 || !order.venueOrderId;
  if (changed) {
    await uow.updateOrder(order.id, {
      venueOrderId: updated.venueOrderId,
      status: updated.status,
      filledQuantity: updated.filledQuantity,
      averagePrice: updated.averagePrice,
      fees: updated.fees,
      reservedRemaining: updated.reservedRemaining,
      positionId: updated.positionId,
    });
    await uow.publish('order.updated', orderView(updated));
    if (newFills.length > 0 || isFinalOrderStatus(status)) {
      await uow.publish('balance', { account_id: order.accountId });
    }
  }
  return { order: updated, newFills };
}
