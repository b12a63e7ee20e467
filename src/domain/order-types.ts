/** Vocabulary shared by every layer: markets, sides, order types and sources. */

export const MARKET_TYPES = ['spot', 'futures'] as const;
export type MarketType = (typeof MARKET_TYPES)[number];

export const SIDES = ['buy', 'sell'] as const;
export type Side = (typeof SIDES)[number];

export const ORDER_TYPES = ['market', 'limit', 'stop_market', 'stop_limit', 'take_profit'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

export const TIME_IN_FORCE = ['GTC', 'IOC', 'FOK'] as const;
export type TimeInForce = (typeof TIME_IN_FORCE)[number];

/** `EXTERNAL`: found at the venue, not placed through us (orders adopted and corrections the reconciler reports). */
export const ORDER_SOURCES = ['TERMINAL', 'DCA', 'GRID', 'COPY', 'SIGNAL', 'EXTERNAL'] as const;
export type OrderSource = (typeof ORDER_SOURCES)[number];

/** What a client may name as the source of an order it places: everything but EXTERNAL. */
export const CLIENT_ORDER_SOURCES = ORDER_SOURCES.filter(
  (source): source is Exclude<OrderSource, 'EXTERNAL'> => source !== 'EXTERNAL',
);

export const AUDIT_STATUSES = ['PLACED', 'SKIPPED', 'FAILED'] as const;
export type AuditStatus = (typeof AUDIT_STATUSES)[number];

export type Liquidity = 'maker' | 'taker';

/** Types that rest untriggered until the market reaches `stop_price`. */
export function isTriggerType(type: OrderType): boolean {
  return type === 'stop_market' || type === 'stop_limit' || type === 'take_profit';
}

/** Types that need a limit price. `take_profit` takes one optionally (limit when given, market when not). */
export function requiresPrice(type: OrderType): boolean {
  return type === 'limit' || type === 'stop_limit';
}

export function oppositeSide(side: Side): Side {
  return side === 'buy' ? 'sell' : 'buy';
}
