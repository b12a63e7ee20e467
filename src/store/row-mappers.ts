import { Decimal, decimalString } from '../domain/decimal.ts';
import type { OrderStatus } from '../domain/order-status.ts';
import type {
  AuditStatus,
  Liquidity,
  MarketType,
  OrderSource,
  OrderType,
  Side,
  TimeInForce,
} from '../domain/order-types.ts';
import type { PositionSide } from '../domain/position-math.ts';
import type { RiskLimits } from '../domain/risk-limits.ts';
import type { PositionStatus } from '../domain/position-transitions.ts';
import type {
  AccountRecord,
  AuditRecord,
  BalanceRecord,
  FillRecord,
  OrderRecord,
  PositionRecord,
  SignalDecision,
  SignalRecord,
  SignalStatus,
  TradingState,
} from '../execution/store-port.ts';
import type * as schema from './schema.ts';

/** NUMERIC comes back as a string from both drivers; it becomes a Decimal here and nowhere else. */
export const dec = (value: string): Decimal => new Decimal(value);
export const optDec = (value: string | null): Decimal | undefined =>
  value === null ? undefined : new Decimal(value);
export const num = (value: Decimal): string => decimalString(value);
export const optNum = (value: Decimal | undefined): string | null =>
  value === undefined ? null : decimalString(value);
const opt = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

export function toAccount(row: typeof schema.exchangeAccounts.$inferSelect): AccountRecord {
  return {
    id: row.id,
    userId: row.userId,
    venue: row.venue,
    marketType: row.marketType as MarketType,
    label: row.label,
    tradingState: row.tradingState as TradingState,
    haltReason: opt(row.haltReason),
    haltedAt: opt(row.haltedAt),
    resumeNextDay: row.resumeNextDay,
    equityPeak: optDec(row.equityPeak),
  };
}

export function toBalance(row: typeof schema.balances.$inferSelect): BalanceRecord {
  return { accountId: row.accountId, asset: row.asset, total: dec(row.total), reserved: dec(row.reserved) };
}

export function toOrder(row: typeof schema.orders.$inferSelect): OrderRecord {
  return {
    id: row.id,
    userId: row.userId,
    accountId: row.accountId,
    venue: row.venue,
    clientOrderId: row.clientOrderId,
    venueOrderId: opt(row.venueOrderId),
    source: row.source as OrderSource,
    symbol: row.symbol,
    marketType: row.marketType as MarketType,
    side: row.side as Side,
    type: row.type as OrderType,
    timeInForce: row.timeInForce as TimeInForce,
    quantity: dec(row.quantity),
    price: optDec(row.price),
    stopPrice: optDec(row.stopPrice),
    protectionPrice: optDec(row.protectionPrice),
    stopLoss: optDec(row.stopLoss),
    takeProfit: optDec(row.takeProfit),
    leverage: row.leverage,
    reduceOnly: row.reduceOnly,
    status: row.status as OrderStatus,
    filledQuantity: dec(row.filledQuantity),
    averagePrice: optDec(row.averagePrice),
    fees: dec(row.fees),
    reserveAsset: row.reserveAsset,
    reservedRemaining: dec(row.reservedRemaining),
    requestHash: row.requestHash,
    reasonCode: opt(row.reasonCode),
    message: opt(row.message),
    botId: opt(row.botId),
    copySetupId: opt(row.copySetupId),
    signalId: opt(row.signalId),
    positionId: opt(row.positionId),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function fromOrder(order: OrderRecord): typeof schema.orders.$inferInsert {
  return {
    id: order.id,
    userId: order.userId,
    accountId: order.accountId,
    venue: order.venue,
    clientOrderId: order.clientOrderId,
    venueOrderId: order.venueOrderId ?? null,
    source: order.source,
    symbol: order.symbol,
    marketType: order.marketType,
    side: order.side,
    type: order.type,
    timeInForce: order.timeInForce,
    quantity: num(order.quantity),
    price: optNum(order.price),
    stopPrice: optNum(order.stopPrice),
    protectionPrice: optNum(order.protectionPrice),
    stopLoss: optNum(order.stopLoss),
    takeProfit: optNum(order.takeProfit),
    leverage: order.leverage,
    reduceOnly: order.reduceOnly,
    status: order.status,
    filledQuantity: num(order.filledQuantity),
    averagePrice: optNum(order.averagePrice),
    fees: num(order.fees),
    reserveAsset: order.reserveAsset,
    reservedRemaining: num(order.reservedRemaining),
    requestHash: order.requestHash,
    reasonCode: order.reasonCode ?? null,
    message: order.message ?? null,
    botId: order.botId ?? null,
    copySetupId: order.copySetupId ?? null,
    signalId: order.signalId ?? null,
    positionId: order.positionId ?? null,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

export function toFill(row: typeof schema.fills.$inferSelect): FillRecord {
  return {
    id: row.id,
    userId: row.userId,
    accountId: row.accountId,
    orderId: row.orderId,
    venueTradeId: row.venueTradeId,
    symbol: row.symbol,
    side: row.side as Side,
    price: dec(row.price),
    quantity: dec(row.quantity),
    fee: dec(row.fee),
    feeAsset: row.feeAsset,
    feeInQuote: dec(row.feeInQuote),
    liquidity: row.liquidity as Liquidity,
    realizedPnl: dec(row.realizedPnl),
    executedAt: row.executedAt,
  };
}

export function toPosition(row: typeof schema.positions.$inferSelect): PositionRecord {
  return {
    id: row.id,
    userId: row.userId,
    accountId: row.accountId,
    symbol: row.symbol,
    marketType: row.marketType as MarketType,
    side: row.side as PositionSide,
    status: row.status as PositionStatus,
    quantity: dec(row.quantity),
    entryPrice: dec(row.entryPrice),
    costBasis: dec(row.costBasis),
    leverage: row.leverage,
    margin: dec(row.margin),
    liquidationPrice: optDec(row.liquidationPrice),
    realizedPnl: dec(row.realizedPnl),
    fees: dec(row.fees),
    stopLoss: optDec(row.stopLoss),
    takeProfit: optDec(row.takeProfit),
    trailingStopPct: optDec(row.trailingStopPct),
    trailingAnchor: optDec(row.trailingAnchor),
    signalId: opt(row.signalId),
    botId: opt(row.botId),
    openedAt: opt(row.openedAt),
    closedAt: opt(row.closedAt),
  };
}

export function fromPosition(p: PositionRecord): typeof schema.positions.$inferInsert {
  return {
    id: p.id,
    userId: p.userId,
    accountId: p.accountId,
    symbol: p.symbol,
    marketType: p.marketType,
    side: p.side,
    status: p.status,
    quantity: num(p.quantity),
    entryPrice: num(p.entryPrice),
    costBasis: num(p.costBasis),
    leverage: p.leverage,
    margin: num(p.margin),
    liquidationPrice: optNum(p.liquidationPrice),
    realizedPnl: num(p.realizedPnl),
    fees: num(p.fees),
    stopLoss: optNum(p.stopLoss),
    takeProfit: optNum(p.takeProfit),
    trailingStopPct: optNum(p.trailingStopPct),
    trailingAnchor: optNum(p.trailingAnchor),
    signalId: p.signalId ?? null,
    botId: p.botId ?? null,
    openedAt: p.openedAt ?? null,
    closedAt: p.closedAt ?? null,
    updatedAt: new Date(),
  };
}

export function toAuditRecord(row: typeof schema.executionAudit.$inferSelect): AuditRecord {
  return {
    id: row.id,
    userId: row.userId,
    accountId: opt(row.accountId),
    orderId: opt(row.orderId),
    source: row.source as OrderSource,
    status: row.status as AuditStatus,
    reasonCode: opt(row.reasonCode),
    message: row.message,
    symbol: opt(row.symbol),
    side: opt(row.side) as Side | undefined,
    minNotional: optDec(row.minNotional),
    availableBalance: optDec(row.availableBalance),
    requiredBalance: optDec(row.requiredBalance),
    requestPayload: row.requestPayload,
    venueResponse: opt(row.venueResponse),
    exchangeOrderId: opt(row.exchangeOrderId),
    prevHash: row.prevHash,
    hash: row.hash,
    createdAt: row.createdAt,
  };
}

export function toRiskLimits(row: typeof schema.riskLimits.$inferSelect): RiskLimits {
  return {
    maxOrderNotional: optDec(row.maxOrderNotional),
    maxPositionNotional: optDec(row.maxPositionNotional),
    maxTotalExposure: optDec(row.maxTotalExposure),
    minOrderNotional: optDec(row.minOrderNotional),
    dailyLossLimit: optDec(row.dailyLossLimit),
    maxDrawdownPct: optDec(row.maxDrawdownPct),
    requireStopLoss: row.requireStopLoss,
    maxPriceDeviationPct: optDec(row.maxPriceDeviationPct),
    minOrderIntervalMs: opt(row.minOrderIntervalMs),
    maxOrdersPerMinute: opt(row.maxOrdersPerMinute),
    maxOpenOrders: opt(row.maxOpenOrders),
    duplicateWindowS: opt(row.duplicateWindowS),
  };
}

export function fromRiskLimits(
  accountId: string,
  userId: string,
  limits: RiskLimits,
): typeof schema.riskLimits.$inferInsert {
  const n = (v: Decimal | null | undefined) => (v === undefined || v === null ? null : decimalString(v));
  return {
    accountId,
    userId,
    maxOrderNotional: n(limits.maxOrderNotional),
    maxPositionNotional: n(limits.maxPositionNotional),
    maxTotalExposure: n(limits.maxTotalExposure),
    minOrderNotional: n(limits.minOrderNotional),
    dailyLossLimit: n(limits.dailyLossLimit),
    maxDrawdownPct: n(limits.maxDrawdownPct),
    requireStopLoss: limits.requireStopLoss ?? false,
    maxPriceDeviationPct: n(limits.maxPriceDeviationPct),
    minOrderIntervalMs: limits.minOrderIntervalMs ?? null,
    maxOrdersPerMinute: limits.maxOrdersPerMinute ?? null,
    maxOpenOrders: limits.maxOpenOrders ?? null,
    duplicateWindowS: limits.duplicateWindowS ?? null,
    updatedAt: new Date(),
  };
}

export function toSignal(row: typeof schema.signals.$inferSelect): SignalRecord {
  return {
    id: row.id,
    userId: row.userId,
    signalId: row.signalId,
    accountId: opt(row.accountId),
    symbol: row.symbol,
    side: row.side as Side,
    decision: row.decision as SignalDecision,
    status: row.status as SignalStatus,
    stopLoss: optDec(row.stopLoss),
    takeProfit: optDec(row.takeProfit),
    sizing: opt(row.sizing),
    positionId: opt(row.positionId),
    orderId: opt(row.orderId),
    reasonCode: opt(row.reasonCode),
    message: opt(row.message),
    source: row.source,
    createdAt: row.createdAt,
  };
}
