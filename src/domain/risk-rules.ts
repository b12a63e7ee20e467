import { Decimal, decimalString, maxDecimal } from './decimal.ts';
import type { MarketType, OrderType, Side } from './order-types.ts';
import { type Denial, deny } from './reason-codes.ts';
import type { RiskLimits } from './risk-limits.ts';

/** ACTIVE trades freely; REDUCING accepts only risk-reducing orders; HALTED accepts nothing. */
export type TradingState = 'ACTIVE' | 'REDUCING' | 'HALTED';

/** The order as the risk rules see it: after preflight, so quantity and price are the rounded ones. */
export interface RiskOrder {
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly side: Side;
  readonly type: OrderType;
  readonly quantity: Decimal;
  /** Limit price (limit, stop_limit, take_profit with a price). */
  readonly price?: Decimal;
  /** Trigger price of stop and take-profit orders: a triggered limit is checked against it, not the mark. */
  readonly stopPrice?: Decimal;
  /** Quantity x reference price (the plan's notional), in the valuation asset. */
  readonly notional: Decimal;
  /** The venue's reduce-only flag. */
  readonly reduceOnly: boolean;
  /**
   * True when the order cannot increase exposure: reduce-only, or its quantity is at most the opposite
   * position still uncovered by working reducing orders. A futures order that would flip is not reducing.
   */
  readonly reducesRisk: boolean;
  /** True when it opens a position on a side where the account holds none (spot buy from flat, futures entry or flip). */
  readonly opensPosition: boolean;
  /** The stop-loss price attached to the position the order opens. */
  readonly stopLoss?: Decimal;
}

/** An order the account had accepted (not SKIPPED), for the rate and duplicate rules. */
export interface RecentOrder {
  readonly at: Date;
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: Decimal;
  /** Its limit price; absent for orders at market. Part of what makes two orders duplicates. */
  readonly price?: Decimal;
}

/** Everything the rules need, computed by the store in the transaction that holds the account lock. */
export interface RiskContext {
  readonly now: Date;
  readonly tradingState: TradingState;
  readonly order: RiskOrder;
  readonly markPrice?: Decimal;
  /** |position + working orders + this order| at mark for the order's symbol, signed by side before abs. */
  readonly positionNotionalAfter: Decimal;
  /** Sum over all symbols of |position + working orders| at mark, including this order. */
  readonly totalExposureAfter: Decimal;
  /** Realized + unrealized - fees since 00:00 UTC; negative is a loss. */
  readonly pnlToday: Decimal;
  readonly equity: Decimal;
  /** Highest equity seen (snapshots); the current equity counts as a peak if higher. */
  readonly equityPeak: Decimal;
  /** The account's accepted orders of the last max(60 s, duplicate window), any order. */
  readonly recentOrders: readonly RecentOrder[];
  /** Working (not final) orders of the account, all symbols. */
  readonly openOrders: number;
  /** Asset the notionals and PnL are in; default USDT. */
  readonly valuationAsset?: string;
}

export type RiskRule = (ctx: RiskContext, limits: RiskLimits) => Denial | undefined;

const show = decimalString;
const MINUTE_MS = 60_000;

function asset(ctx: RiskContext): string {
  return ctx.valuationAsset ?? 'USDT';
}

function reduces(order: RiskOrder): boolean {
  return order.reduceOnly || order.reducesRisk;
}

/**
 * A figure beside its limit: two decimals, or as many as the limit has, rounded so the message never
 * contradicts the comparison (a value above the limit never prints equal to it).
 */
function figure(value: Decimal, limit: Decimal, direction: 'up' | 'down'): string {
  const places = Math.max(2, limit.decimalPlaces());
  return value.toFixed(places, direction === 'up' ? Decimal.ROUND_UP : Decimal.ROUND_DOWN);
}

/** Elapsed times round down and waits round up, so "wait" is always long enough. */
function duration(ms: number, round: 'down' | 'up'): string {
  const positive = Math.max(0, ms);
  if (positive < 1000) return `${positive} ms`;
  const tenths = round === 'up' ? Math.ceil(positive / 100) : Math.floor(positive / 100);
  return `${(tenths / 10).toFixed(1)} s`;
}

function describeOrder(order: RiskOrder): string {
  const at = order.price !== undefined ? `at ${show(order.price)}` : 'at market';
  return `${order.side} ${show(order.quantity)} ${order.symbol} ${at}`;
}

const tradingStateRule: RiskRule = (ctx) => {
  if (ctx.tradingState === 'HALTED') {
    return deny(
      'TRADING_HALTED',
      'Trading is halted on this account: no orders are accepted, not even closing ones. Set the trading state to REDUCING to close positions, or to ACTIVE to trade again.',
      { trading_state: 'HALTED' },
    );
  }
  if (ctx.tradingState === 'REDUCING' && !reduces(ctx.order)) {
    return deny(
      'REDUCE_ONLY_MODE',
      `The account is in REDUCING mode and this ${describeOrder(ctx.order)} would add exposure. Send an order that only reduces a position (reduce_only: true), or set the trading state to ACTIVE.`,
      { trading_state: 'REDUCING' },
    );
  }
  return undefined;
};

interface LossFigures {
  readonly limit: Decimal;
  readonly value: Decimal;
}

function dailyLossBreach(pnlToday: Decimal, limits: RiskLimits): LossFigures | undefined {
  const limit = limits.dailyLossLimit;
  if (limit == null) return undefined;
  const loss = pnlToday.neg();
  return loss.greaterThanOrEqualTo(limit) ? { limit, value: loss } : undefined;
}

interface DrawdownFigures extends LossFigures {
  readonly peak: Decimal;
}

function drawdownBreach(
  equity: Decimal,
  equityPeak: Decimal,
  limits: RiskLimits,
): DrawdownFigures | undefined {
  const limit = limits.maxDrawdownPct;
  if (limit == null) return undefined;
  const peak = maxDecimal(equityPeak, equity);
  if (!peak.isPositive() || peak.isZero()) return undefined;
  const drawdown = peak.minus(equity).div(peak).mul(100);
  return drawdown.greaterThanOrEqualTo(limit) ? { limit, value: drawdown, peak } : undefined;
}

const dailyLossRule: RiskRule = (ctx, limits) => {
  if (reduces(ctx.order)) return undefined;
  const breach = dailyLossBreach(ctx.pnlToday, limits);
  if (!breach) return undefined;
  const unit = asset(ctx);
  return deny(
    'DAILY_LOSS_LIMIT',
    `Today's loss ${figure(breach.value, breach.limit, 'down')} ${unit} has reached daily_loss_limit ${show(breach.limit)} ${unit} (since 00:00 UTC, open positions and fees included). Only orders that reduce a position are accepted until the loss is back under the limit or the day resets at 00:00 UTC; close or reduce positions, or raise the limit.`,
    {
      rule: 'daily_loss_limit',
      limit: show(breach.limit),
      value: show(breach.value),
      pnl_today: show(ctx.pnlToday),
    },
  );
};

const drawdownRule: RiskRule = (ctx, limits) => {
  if (reduces(ctx.order)) return undefined;
  const breach = drawdownBreach(ctx.equity, ctx.equityPeak, limits);
  if (!breach) return undefined;
  const unit = asset(ctx);
  return deny(
    'MAX_DRAWDOWN',
    `Equity ${show(ctx.equity)} ${unit} is ${figure(breach.value, breach.limit, 'down')}% below its peak ${show(breach.peak)} ${unit}, reaching max_drawdown_pct ${show(breach.limit)}%. Only orders that reduce a position are accepted; review the strategy and close or reduce positions, or raise the limit.`,
    {
      rule: 'max_drawdown_pct',
      limit: show(breach.limit),
      value: show(breach.value.toDecimalPlaces(8, Decimal.ROUND_DOWN)),
      equity: show(ctx.equity),
      equity_peak: show(breach.peak),
    },
  );
};

const maxOrderNotionalRule: RiskRule = (ctx, limits) => {
  const limit = limits.maxOrderNotional;
  const { notional } = ctx.order;
  if (limit == null || notional.lessThanOrEqualTo(limit)) return undefined;
  const unit = asset(ctx);
  return deny(
    'MAX_ORDER_NOTIONAL',
    `Order notional ${figure(notional, limit, 'up')} ${unit} exceeds max_order_notional ${show(limit)} ${unit}. Reduce the size, split the order, or raise the limit.`,
    { rule: 'max_order_notional', limit: show(limit), value: show(notional) },
  );
};

const minOrderNotionalRule: RiskRule = (ctx, limits) => {
  const limit = limits.minOrderNotional;
  const { notional } = ctx.order;
  // Closing a leftover smaller than the dust limit must stay possible.
  if (limit == null || reduces(ctx.order) || notional.greaterThanOrEqualTo(limit)) return undefined;
  const unit = asset(ctx);
  return deny(
    'BELOW_MIN_ORDER_NOTIONAL',
    `Order notional ${figure(notional, limit, 'down')} ${unit} is below min_order_notional ${show(limit)} ${unit}. Increase the size or lower the limit.`,
    { rule: 'min_order_notional', limit: show(limit), value: show(notional) },
  );
};

/**
 * Only a price that trades through the reference is checked: a buy above it or a sell below it fills at
 * once at a worse price (the typo case). A resting order far from the market risks nothing, and grid and
 * DCA bots place those on purpose.
 */
const priceDeviationRule: RiskRule = (ctx, limits) => {
  const limit = limits.maxPriceDeviationPct;
  const { price, stopPrice, side, symbol } = ctx.order;
  const reference = stopPrice ?? ctx.markPrice;
  if (limit == null || price === undefined || reference === undefined || !reference.isPositive()) {
    return undefined;
  }
  if (reference.isZero()) return undefined;
  const through = side === 'buy' ? price.minus(reference) : reference.minus(price);
  if (!through.isPositive() || through.isZero()) return undefined;
  const deviation = through.div(reference).mul(100);
  if (deviation.lessThanOrEqualTo(limit)) return undefined;
  const band = limit.div(100);
  const bound = side === 'buy' ? reference.mul(band.plus(1)) : reference.mul(new Decimal(1).minus(band));
  const referenceName = stopPrice !== undefined ? 'stop price' : 'mark price';
  const direction = side === 'buy' ? 'above' : 'below';
  return deny(
    'PRICE_DEVIATION',
    `Limit price ${show(price)} for a ${side} on ${symbol} is ${figure(deviation, limit, 'up')}% ${direction} the ${referenceName} ${show(reference)}, beyond max_price_deviation_pct ${show(limit)}%: it would fill at once at a poor price. Check the price (a ${side} may go ${side === 'buy' ? 'up to' : 'down to'} ${show(bound)}) or raise the limit.`,
    {
      rule: 'max_price_deviation_pct',
      limit: show(limit),
      value: show(deviation.toDecimalPlaces(8, Decimal.ROUND_UP)),
      price: show(price),
      reference_price: show(reference),
    },
  );
};

const stopLossRule: RiskRule = (ctx, limits) => {
  const { order } = ctx;
  if (limits.requireStopLoss !== true || !order.opensPosition || reduces(order)) return undefined;
  const below = order.side === 'buy';
  const where = below ? 'below' : 'above';
  if (order.stopLoss === undefined) {
    return deny(
      'STOP_LOSS_REQUIRED',
      `require_stop_loss is on and this ${describeOrder(order)} opens a position without a stop loss. Add a stop loss ${where} the entry price, or switch require_stop_loss off.`,
      { rule: 'require_stop_loss', limit: 'true', value: 'none' },
    );
  }
  const entry = order.price ?? order.stopPrice ?? ctx.markPrice;
  if (entry === undefined) return undefined;
  const protects = below ? order.stopLoss.lessThan(entry) : order.stopLoss.greaterThan(entry);
  if (protects) return undefined;
  return deny(
    'STOP_LOSS_REQUIRED',
    `Stop loss ${show(order.stopLoss)} is not ${where} the entry price ${show(entry)} of this ${describeOrder(order)}, so it would not limit the loss, and require_stop_loss is on. Move the stop loss ${where} ${show(entry)}.`,
    { rule: 'require_stop_loss', limit: 'true', value: show(order.stopLoss), entry_price: show(entry) },
  );
};

const maxPositionNotionalRule: RiskRule = (ctx, limits) => {
  const limit = limits.maxPositionNotional;
  const value = ctx.positionNotionalAfter;
  if (limit == null || reduces(ctx.order) || value.lessThanOrEqualTo(limit)) return undefined;
  const unit = asset(ctx);
  return deny(
    'MAX_POSITION_NOTIONAL',
    `${ctx.order.symbol} exposure would be ${figure(value, limit, 'up')} ${unit} after this order (position, working orders and this order at mark), above max_position_notional ${show(limit)} ${unit}. Reduce the size, cancel working orders or close part of the position, or raise the limit.`,
    { rule: 'max_position_notional', limit: show(limit), value: show(value) },
  );
};

const maxTotalExposureRule: RiskRule = (ctx, limits) => {
  const limit = limits.maxTotalExposure;
  const value = ctx.totalExposureAfter;
  if (limit == null || reduces(ctx.order) || value.lessThanOrEqualTo(limit)) return undefined;
  const unit = asset(ctx);
  return deny(
    'MAX_EXPOSURE',
    `Total exposure would be ${figure(value, limit, 'up')} ${unit} after this order (all positions and working orders at mark), above max_total_exposure ${show(limit)} ${unit}. Reduce the size, cancel working orders or close positions, or raise the limit.`,
    { rule: 'max_total_exposure', limit: show(limit), value: show(value) },
  );
};

const maxOpenOrdersRule: RiskRule = (ctx, limits) => {
  const limit = limits.maxOpenOrders;
  // A market order does not stay open, and a market close must always be possible.
  if (limit == null || ctx.order.type === 'market' || ctx.openOrders < limit) return undefined;
  return deny(
    'MAX_OPEN_ORDERS',
    `The account has ${ctx.openOrders} open orders, at max_open_orders ${limit}. Cancel some open orders, use a market order, or raise the limit.`,
    { rule: 'max_open_orders', limit: String(limit), value: String(ctx.openOrders) },
  );
};

function elapsedMs(ctx: RiskContext, at: Date): number {
  return ctx.now.getTime() - at.getTime();
}

function samePrice(a: Decimal | undefined, b: Decimal | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.equals(b);
}

const duplicateRule: RiskRule = (ctx, limits) => {
  const windowS = limits.duplicateWindowS;
  if (windowS == null) return undefined;
  const { order } = ctx;
  const windowMs = windowS * 1000;
  let latest: number | undefined;
  for (const recent of ctx.recentOrders) {
    const elapsed = elapsedMs(ctx, recent.at);
    if (
      elapsed < windowMs &&
      recent.symbol === order.symbol &&
      recent.side === order.side &&
      recent.quantity.equals(order.quantity) &&
      samePrice(recent.price, order.price) &&
      (latest === undefined || elapsed < latest)
    ) {
      latest = elapsed;
    }
  }
  if (latest === undefined) return undefined;
  return deny(
    'DUPLICATE_ORDER',
    `The same order (${describeOrder(order)}) was accepted ${duration(latest, 'down')} ago, within duplicate_window_s ${windowS} s, so this one is refused as a duplicate. If you mean to send it again, wait ${duration(windowMs - latest, 'up')}, or lower the limit.`,
    { rule: 'duplicate_window_s', limit: String(windowS), value: String(Math.max(0, latest)) },
  );
};

const minIntervalRule: RiskRule = (ctx, limits) => {
  const limit = limits.minOrderIntervalMs;
  if (limit == null || ctx.recentOrders.length === 0) return undefined;
  const elapsed = Math.min(...ctx.recentOrders.map((o) => elapsedMs(ctx, o.at)));
  if (elapsed >= limit) return undefined;
  return deny(
    'ORDER_RATE_LIMIT',
    `The previous order was accepted ${duration(elapsed, 'down')} ago, less than min_order_interval_ms ${limit} ms. Wait ${duration(limit - elapsed, 'up')} and retry, or lower the limit.`,
    { rule: 'min_order_interval_ms', limit: String(limit), value: String(Math.max(0, elapsed)) },
  );
};

const perMinuteRule: RiskRule = (ctx, limits) => {
  const limit = limits.maxOrdersPerMinute;
  if (limit == null) return undefined;
  const inWindow = ctx.recentOrders.map((o) => elapsedMs(ctx, o.at)).filter((e) => e < MINUTE_MS);
  if (inWindow.length < limit) return undefined;
  // The order that must leave the window before one more fits.
  const sorted = [...inWindow].sort((a, b) => b - a);
  const wait = MINUTE_MS - sorted[inWindow.length - limit]!;
  return deny(
    'ORDER_RATE_LIMIT',
    `${inWindow.length} orders were accepted in the last 60 s, at max_orders_per_minute ${limit}. Wait ${duration(wait, 'up')} and retry, or raise the limit.`,
    { rule: 'max_orders_per_minute', limit: String(limit), value: String(inWindow.length) },
  );
};

/**
 * The rules in the order they are checked; the first denial wins. The order is the order in which a
 * user can act on the answer: the account's state first (nothing about the order helps), then the
 * order's own figures (size, price, stop), then what it adds to the account, and the wait-and-retry
 * rules last so that waiting never leads to a different refusal.
 */
export const RISK_RULES: readonly { readonly name: string; readonly rule: RiskRule }[] = [
  { name: 'trading_state', rule: tradingStateRule },
  { name: 'daily_loss_limit', rule: dailyLossRule },
  { name: 'max_drawdown_pct', rule: drawdownRule },
  { name: 'max_order_notional', rule: maxOrderNotionalRule },
  { name: 'min_order_notional', rule: minOrderNotionalRule },
  { name: 'max_price_deviation_pct', rule: priceDeviationRule },
  { name: 'require_stop_loss', rule: stopLossRule },
  { name: 'max_position_notional', rule: maxPositionNotionalRule },
  { name: 'max_total_exposure', rule: maxTotalExposureRule },
  { name: 'max_open_orders', rule: maxOpenOrdersRule },
  { name: 'duplicate_window_s', rule: duplicateRule },
  { name: 'min_order_interval_ms', rule: minIntervalRule },
  { name: 'max_orders_per_minute', rule: perMinuteRule },
];

/**
 * Account risk check of one order: the first denial of RISK_RULES, or undefined when every rule passes.
 * Risk-reducing orders skip the loss, drawdown, dust, stop-loss, position and exposure rules (a trader
 * must always be able to get out) but not the fat-finger, price, open-order, duplicate and rate rules.
 */
export function evaluateRisk(ctx: RiskContext, limits: RiskLimits): Denial | undefined {
  for (const { rule } of RISK_RULES) {
    const denial = rule(ctx, limits);
    if (denial) return denial;
  }
  return undefined;
}

export interface HaltBreach {
  readonly kind: 'halt_breach';
  readonly code: 'DAILY_LOSS_LIMIT' | 'MAX_DRAWDOWN';
  readonly message: string;
  readonly details: Readonly<Record<string, string>>;
}

export interface HaltInput {
  readonly pnlToday: Decimal;
  readonly equity: Decimal;
  readonly equityPeak: Decimal;
  readonly valuationAsset?: string;
}

/**
 * Whether the account has breached a limit that should stop it taking new risk on its own (daily loss
 * first, then drawdown). Call it after fills and on mark updates; the caller changes the trading state.
 */
export function breachesHaltLimits(input: HaltInput, limits: RiskLimits): HaltBreach | undefined {
  const unit = input.valuationAsset ?? 'USDT';
  const loss = dailyLossBreach(input.pnlToday, limits);
  if (loss) {
    return {
      kind: 'halt_breach',
      code: 'DAILY_LOSS_LIMIT',
      message: `Daily loss limit reached: today's loss ${figure(loss.value, loss.limit, 'down')} ${unit} is at or above daily_loss_limit ${show(loss.limit)} ${unit} (since 00:00 UTC, open positions and fees included). New risk is blocked; review open positions, and set the trading state back to ACTIVE after 00:00 UTC or after raising the limit.`,
      details: { rule: 'daily_loss_limit', limit: show(loss.limit), value: show(loss.value) },
    };
  }
  const drawdown = drawdownBreach(input.equity, input.equityPeak, limits);
  if (drawdown) {
    return {
      kind: 'halt_breach',
      code: 'MAX_DRAWDOWN',
      message: `Maximum drawdown reached: equity ${show(input.equity)} ${unit} is ${figure(drawdown.value, drawdown.limit, 'down')}% below its peak ${show(drawdown.peak)} ${unit}, at or above max_drawdown_pct ${show(drawdown.limit)}%. New risk is blocked; review the strategy, then set the trading state back to ACTIVE or raise the limit.`,
      details: {
        rule: 'max_drawdown_pct',
        limit: show(drawdown.limit),
        value: show(drawdown.value.toDecimalPlaces(8, Decimal.ROUND_DOWN)),
        equity: show(input.equity),
        equity_peak: show(drawdown.peak),
      },
    };
  }
  return undefined;
}
