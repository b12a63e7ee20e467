import { Decimal, ZERO } from '../../domain/decimal.ts';
import type { MarketRules } from '../../domain/market-rules.ts';
import type { MarketType, OrderType } from '../../domain/order-types.ts';
import type {
  VenueFill,
  VenueOrderDetail,
  VenueOrderSnapshot,
  VenueOrderStatus,
} from '../../execution/venue-port.ts';

export type RawRecord = Readonly<Record<string, unknown>>;

export function isRawRecord(value: unknown): value is RawRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function text(raw: RawRecord, key: string): string | undefined {
  const value = raw[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

/** Binance sends amounts as decimal strings: read them as such, never through a JS number. */
export function decimalOf(raw: RawRecord, key: string): Decimal {
  const value = text(raw, key);
  if (value === undefined || value === '') return ZERO;
  try {
    return new Decimal(value);
  } catch {
    return ZERO;
  }
}

const STATUS: Readonly<Record<string, VenueOrderStatus>> = {
  NEW: 'NEW',
  PENDING_NEW: 'NEW',
  PARTIALLY_FILLED: 'PARTIALLY_FILLED',
  FILLED: 'FILLED',
  CANCELED: 'CANCELED',
  PENDING_CANCEL: 'NEW',
  EXPIRED: 'EXPIRED',
  EXPIRED_IN_MATCH: 'EXPIRED',
  REJECTED: 'REJECTED',
};

const TRIGGER_TYPES = new Set([
  'STOP_LOSS',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT',
  'TAKE_PROFIT_LIMIT',
  'STOP',
  'STOP_MARKET',
  'TAKE_PROFIT_MARKET',
]);

/**
 * One Binance trade (spot `myTrades`, USD-M `userTrades`, or a spot FULL answer's `fills`) as a fill, its
 * commission in the asset Binance charged (base on a spot buy, quote on a sell, BNB when paid in BNB).
 */
export function fillFromBinance(
  raw: RawRecord,
  rules: MarketRules,
  fallbackTime: number,
  taker: boolean,
): VenueFill | undefined {
  const tradeId = text(raw, 'id') ?? text(raw, 'tradeId');
  if (tradeId === undefined) return undefined;
  const price = decimalOf(raw, 'price');
  const quantity = decimalOf(raw, 'qty');
  const fee = decimalOf(raw, 'commission');
  const feeAsset = text(raw, 'commissionAsset') ?? rules.quoteAsset;
  const maker = raw['isMaker'] ?? raw['maker'];
  const time = Number(text(raw, 'time') ?? fallbackTime);
  return {
    tradeId,
    price,
    quantity,
    fee,
    feeAsset,
    liquidity: maker === true ? 'maker' : maker === false || taker ? 'taker' : 'maker',
    timestamp: new Date(Number.isFinite(time) ? time : fallbackTime),
  };
}

/**
 * The venue's order payload and its trades as our snapshot. A snapshot must never claim more filled than
 * the fills it carries: if some trades are missing (a trades request failed), the status is lowered to a
 * working one so the order is looked at again instead of being closed without its fills.
 */
export function snapshotFromBinance(
  raw: RawRecord,
  marketType: MarketType,
  rules: MarketRules,
  fills: readonly VenueFill[],
): VenueOrderSnapshot {
  const executed = decimalOf(raw, 'executedQty');
  const covered = fills.reduce((sum, fill) => sum.plus(fill.quantity), ZERO);
  let status = STATUS[text(raw, 'status') ?? 'NEW'] ?? 'NEW';
  if (covered.lessThan(executed)) status = covered.isZero() ? 'NEW' : 'PARTIALLY_FILLED';
  const type = text(raw, 'origType') ?? text(raw, 'type') ?? '';
  const isTrigger = TRIGGER_TYPES.has(type);
  const triggered =
    !isTrigger ||
    raw['isWorking'] === true ||
    !executed.isZero() ||
    (status !== 'NEW' && status !== 'CANCELED');
  return {
    venueOrderId: text(raw, 'orderId') ?? '',
    clientOrderId: text(raw, 'clientOrderId') ?? text(raw, 'origClientOrderId') ?? '',
    symbol: rules.symbol,
    marketType,
    status,
    triggered,
    filledQuantity: covered.lessThan(executed) ? covered : executed,
    fills: [...fills].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime()),
    raw,
    ...detailOf(raw, type),
  };
}

/** The client order id a user data stream event is about (a spot cancel names its own request `c`). */
export function streamClientOrderId(event: RawRecord): string | undefined {
  const algo = text(event, 'caid');
  if (algo !== undefined && algo !== '') return algo;
  const original = text(event, 'C');
  if (original !== undefined && original !== '') return original;
  const id = text(event, 'c');
  return id === '' ? undefined : id;
}

/**
 * The trade a user data stream event carries (spot `executionReport`, USD-M `ORDER_TRADE_UPDATE`'s order,
 * `x` = TRADE) as a fill. The fee is the commission in the asset the venue charged it in.
 */
export function fillFromStream(event: RawRecord, rules: MarketRules): VenueFill | undefined {
  const tradeId = text(event, 't');
  if (text(event, 'x') !== 'TRADE' || tradeId === undefined || tradeId === '-1' || tradeId === '0') {
    return undefined;
  }
  const quantity = decimalOf(event, 'l');
  if (quantity.isZero()) return undefined;
  const time = Number(text(event, 'T') ?? text(event, 'E') ?? Date.now());
  return {
    tradeId,
    price: decimalOf(event, 'L'),
    quantity,
    fee: decimalOf(event, 'n'),
    feeAsset: text(event, 'N') ?? rules.quoteAsset,
    liquidity: event['m'] === true ? 'maker' : 'taker',
    timestamp: new Date(Number.isFinite(time) ? time : Date.now()),
  };
}

/**
 * A user data stream event as a snapshot, given the order's fills known so far (`known`) plus the trade
 * the event carries. Undefined when those fills do not add up to the event's cumulative filled quantity
 * (an event was missed, or the status is one we do not read): only the REST record can say then.
 */
export function snapshotFromStream(
  event: RawRecord,
  marketType: MarketType,
  rules: MarketRules,
  known: readonly VenueFill[],
): VenueOrderSnapshot | undefined {
  const fills = [...known];
  const fill = fillFromStream(event, rules);
  if (fill && !fills.some((f) => f.tradeId === fill.tradeId)) fills.push(fill);
  const executed = decimalOf(event, 'z');
  const covered = fills.reduce((sum, f) => sum.plus(f.quantity), ZERO);
  const status = STATUS[text(event, 'X') ?? ''];
  const clientOrderId = streamClientOrderId(event);
  if (!covered.equals(executed) || status === undefined || clientOrderId === undefined) return undefined;
  const type = text(event, 'ot') ?? text(event, 'o') ?? '';
  const triggered =
    !TRIGGER_TYPES.has(type) ||
    event['w'] === true ||
    !executed.isZero() ||
    (status !== 'NEW' && status !== 'CANCELED');
  return {
    venueOrderId: text(event, 'i') ?? '',
    clientOrderId,
    symbol: rules.symbol,
    marketType,
    status,
    triggered,
    filledQuantity: executed,
    fills: fills.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime()),
    raw: event,
  };
}

/** USD-M algo service statuses before a trigger; after it the order it placed in the matching engine counts. */
const ALGO_STATUS: Readonly<Record<string, VenueOrderStatus>> = {
  NEW: 'NEW',
  TRIGGERING: 'NEW',
  TRIGGERED: 'NEW',
  FINISHED: 'NEW',
  CANCELED: 'CANCELED',
  EXPIRED: 'EXPIRED',
  REJECTED: 'REJECTED',
};

/** The id of the order a triggered USD-M algo order placed in the matching engine, if it placed one. */
export function actualOrderIdOf(algo: RawRecord): string | undefined {
  const id = text(algo, 'actualOrderId');
  return id === undefined || id === '' || id === '0' ? undefined : id;
}

/**
 * A USD-M conditional order (`/fapi/v1/algoOrder`) as our snapshot, identified by its algoId and client
 * algo id. Once triggered, status, filled quantity and fills are those of the order it placed in the
 * matching engine (`actual`, read by its actualOrderId); without that order's record a triggered or
 * finished algo order is reported as still working, so it is looked at again rather than closed unfilled.
 */
export function snapshotFromBinanceAlgo(
  algo: RawRecord,
  marketType: MarketType,
  rules: MarketRules,
  actual: VenueOrderSnapshot | undefined,
): VenueOrderSnapshot {
  const algoStatus = text(algo, 'algoStatus') ?? 'NEW';
  const triggered =
    actual !== undefined || actualOrderIdOf(algo) !== undefined || algoStatus === 'TRIGGERING';
  const type = text(algo, 'orderType') ?? text(algo, 'type') ?? '';
  return {
    venueOrderId: text(algo, 'algoId') ?? '',
    clientOrderId: text(algo, 'clientAlgoId') ?? '',
    symbol: rules.symbol,
    marketType,
    status: actual?.status ?? ALGO_STATUS[algoStatus] ?? 'NEW',
    triggered,
    filledQuantity: actual?.filledQuantity ?? ZERO,
    fills: actual?.fills ?? [],
    raw: actual ? { ...algo, actualOrder: actual.raw } : algo,
    ...detailOf(
      {
        ...algo,
        origQty: algo['quantity'],
        stopPrice: algo['triggerPrice'],
      },
      type,
    ),
  };
}

const OUR_TYPE: Readonly<Record<string, OrderType>> = {
  MARKET: 'market',
  LIMIT: 'limit',
  LIMIT_MAKER: 'limit',
  STOP_LOSS: 'stop_market',
  STOP_MARKET: 'stop_market',
  STOP_LOSS_LIMIT: 'stop_limit',
  STOP: 'stop_limit',
  TAKE_PROFIT: 'take_profit',
  TAKE_PROFIT_LIMIT: 'take_profit',
  TAKE_PROFIT_MARKET: 'take_profit',
};

/** The order's terms as the venue states them (for adopting orders placed elsewhere). */
function detailOf(raw: RawRecord, venueType: string): { detail?: VenueOrderDetail } {
  const type = OUR_TYPE[venueType];
  const side = text(raw, 'side');
  const quantity = decimalOf(raw, 'origQty');
  if (type === undefined || (side !== 'BUY' && side !== 'SELL') || quantity.isZero()) return {};
  const tif = text(raw, 'timeInForce');
  const price = decimalOf(raw, 'price');
  const stopPrice = decimalOf(raw, 'stopPrice');
  return {
    detail: {
      side: side === 'BUY' ? 'buy' : 'sell',
      type,
      timeInForce: tif === 'IOC' || tif === 'FOK' ? tif : 'GTC',
      quantity,
      ...(!price.isZero() && { price }),
      ...(!stopPrice.isZero() && { stopPrice }),
      reduceOnly: raw['reduceOnly'] === true,
    },
  };
}
