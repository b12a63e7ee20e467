import { decimalString, type Decimal } from '../domain/decimal.ts';
import type { FillRecord, OrderRecord, PositionRecord } from './store-port.ts';

const d = (v: Decimal | undefined): string | null => (v === undefined ? null : decimalString(v));

/** The public JSON shape of an order (API responses and stream events alike). */
export function orderView(order: OrderRecord) {
  return {
    id: order.id,
    account_id: order.accountId,
    client_order_id: order.clientOrderId,
    exchange_order_id: order.venueOrderId ?? null,
    venue: order.venue,
    source: order.source,
    symbol: order.symbol,
    market_type: order.marketType,
    side: order.side,
    type: order.type,
    time_in_force: order.timeInForce,
    quantity: decimalString(order.quantity),
    price: d(order.price),
    stop_price: d(order.stopPrice),
    leverage: order.leverage,
    reduce_only: order.reduceOnly,
    status: order.status,
    filled_quantity: decimalString(order.filledQuantity),
    average_price: d(order.averagePrice),
    fees: decimalString(order.fees),
    reason_code: order.reasonCode ?? null,
    message: order.message ?? null,
    bot_id: order.botId ?? null,
    signal_id: order.signalId ?? null,
    position_id: order.positionId ?? null,
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
  };
}

export function fillView(fill: FillRecord) {
  return {
    id: fill.id,
    order_id: fill.orderId,
    account_id: fill.accountId,
    trade_id: fill.venueTradeId,
    symbol: fill.symbol,
    side: fill.side,
    price: decimalString(fill.price),
    quantity: decimalString(fill.quantity),
    fee: decimalString(fill.fee),
    fee_asset: fill.feeAsset,
    liquidity: fill.liquidity,
    realized_pnl: decimalString(fill.realizedPnl),
    executed_at: fill.executedAt.toISOString(),
  };
}

export function positionView(position: PositionRecord, mark?: Decimal, unrealized?: Decimal) {
  return {
    id: position.id,
    account_id: position.accountId,
    symbol: position.symbol,
    market_type: position.marketType,
    side: position.side,
    status: position.status,
    quantity: decimalString(position.quantity),
    entry_price: decimalString(position.entryPrice),
    mark_price: d(mark),
    unrealized_pnl: d(unrealized),
    realized_pnl: decimalString(position.realizedPnl),
    fees: decimalString(position.fees),
    leverage: position.leverage,
    margin: decimalString(position.margin),
    liquidation_price: d(position.liquidationPrice),
    stop_loss: d(position.stopLoss),
    take_profit: d(position.takeProfit),
    signal_id: position.signalId ?? null,
    bot_id: position.botId ?? null,
    opened_at: position.openedAt?.toISOString() ?? null,
    closed_at: position.closedAt?.toISOString() ?? null,
  };
}

export type OrderView = ReturnType<typeof orderView>;
