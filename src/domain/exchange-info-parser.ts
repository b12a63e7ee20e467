import { Decimal, ZERO } from './decimal.ts';
import type { MarketRules } from './market-rules.ts';
import type { MarketType } from './order-types.ts';

/** First-bracket leverage facts for one USD-M symbol, from `GET /fapi/v1/leverageBracket`. */
export interface LeverageFacts {
  readonly maxLeverage: number;
  readonly maintenanceMarginRate: Decimal;
}

/** A symbol left out of the result, and why: operators want to see these, not lose them silently. */
export interface SkippedSymbol {
  readonly kind: 'skipped_symbol';
  readonly symbol: string;
  readonly reason: string;
}

export interface ParsedExchangeInfo {
  readonly kind: 'parsed_exchange_info';
  readonly markets: readonly MarketRules[];
  readonly skipped: readonly SkippedSymbol[];
}

/**
 * Leverage brackets are not part of exchangeInfo (they come from the signed `leverageBracket` endpoint),
 * so a USD-M symbol without an entry gets a conservative default: 20x is at or below the first-bracket
 * maximum of every USD-M perpetual we know of, and 1% maintenance margin is at or above theirs, so the
 * default can only make us stricter than the venue, never looser.
 */
export const DEFAULT_FUTURES_LEVERAGE: LeverageFacts = {
  maxLeverage: 20,
  maintenanceMarginRate: new Decimal('0.01'),
};

const SPOT_LEVERAGE: LeverageFacts = { maxLeverage: 1, maintenanceMarginRate: ZERO };

type JsonRecord = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Thrown inside one symbol's parse and caught per symbol, so one bad filter never sinks the document. */
class MalformedSymbol extends Error {}

const DECIMAL_TEXT = /^\d+(?:\.\d+)?$/;

/** Binance sends filter figures as decimal strings; a JSON number is accepted by its shortest decimal form. */
function decimalField(filter: JsonRecord, name: string): Decimal {
  const value = filter[name];
  if (typeof value === 'string' && DECIMAL_TEXT.test(value.trim())) return new Decimal(value.trim());
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return new Decimal(String(value));
  throw new MalformedSymbol(`${String(filter['filterType'])}.${name} is not a non-negative decimal`);
}

function optionalDecimalField(filter: JsonRecord, name: string): Decimal | undefined {
  return filter[name] === undefined ? undefined : decimalField(filter, name);
}

function booleanField(filter: JsonRecord, name: string, fallback: boolean): boolean {
  const value = filter[name];
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  throw new MalformedSymbol(`${String(filter['filterType'])}.${name} is not a boolean`);
}

function positiveIntegerField(filter: JsonRecord, name: string): number {
  const value = filter[name];
  const parsed = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof parsed === 'number' && Number.isSafeInteger(parsed) && parsed > 0) return parsed;
  throw new MalformedSymbol(`${String(filter['filterType'])}.${name} is not a positive integer`);
}

function stringField(record: JsonRecord, name: string): string {
  const value = record[name];
  if (typeof value === 'string' && value.length > 0) return value;
  throw new MalformedSymbol(`${name} is missing`);
}

function filtersByType(symbol: JsonRecord): ReadonlyMap<string, JsonRecord> {
  const filters = symbol['filters'];
  if (!Array.isArray(filters)) throw new MalformedSymbol('filters is not an array');
  const byType = new Map<string, JsonRecord>();
  for (const filter of filters) {
    if (!isRecord(filter) || typeof filter['filterType'] !== 'string') {
      throw new MalformedSymbol('a filter has no filterType');
    }
    if (!byType.has(filter['filterType'])) byType.set(filter['filterType'], filter);
  }
  return byType;
}

function required(filters: ReadonlyMap<string, JsonRecord>, type: string): JsonRecord {
  const filter = filters.get(type);
  if (!filter) throw new MalformedSymbol(`${type} filter is missing`);
  return filter;
}

/** Zero in a MARKET_LOT_SIZE field means "same as LOT_SIZE" (spot publishes step 0 and min 0). */
function orLotSize(marketValue: Decimal | undefined, lotValue: Decimal): Decimal {
  return marketValue === undefined || marketValue.isZero() ? lotValue : marketValue;
}

interface NotionalRules {
  readonly minNotional: Decimal;
  readonly applyMinToMarket: boolean;
  readonly maxNotional?: Decimal;
}

function spotNotional(filters: ReadonlyMap<string, JsonRecord>): NotionalRules {
  const notional = filters.get('NOTIONAL');
  if (notional) {
    const maxNotional = optionalDecimalField(notional, 'maxNotional');
    return {
      minNotional: decimalField(notional, 'minNotional'),
      applyMinToMarket: booleanField(notional, 'applyMinToMarket', true),
      ...(maxNotional && !maxNotional.isZero() ? { maxNotional } : {}),
    };
  }
  const legacy = filters.get('MIN_NOTIONAL');
  if (legacy) {
    return {
      minNotional: decimalField(legacy, 'minNotional'),
      applyMinToMarket: booleanField(legacy, 'applyToMarket', true),
    };
  }
  return { minNotional: ZERO, applyMinToMarket: false };
}

function futuresNotional(filters: ReadonlyMap<string, JsonRecord>): NotionalRules {
  const filter = filters.get('MIN_NOTIONAL');
  return { minNotional: filter ? decimalField(filter, 'notional') : ZERO, applyMinToMarket: true };
}

type PriceBand = NonNullable<MarketRules['priceBand']>;

function spotPriceBand(filters: ReadonlyMap<string, JsonRecord>): PriceBand | undefined {
  const bySide = filters.get('PERCENT_PRICE_BY_SIDE');
  if (bySide) {
    return {
      bidUp: decimalField(bySide, 'bidMultiplierUp'),
      bidDown: decimalField(bySide, 'bidMultiplierDown'),
      askUp: decimalField(bySide, 'askMultiplierUp'),
      askDown: decimalField(bySide, 'askMultiplierDown'),
    };
  }
  return symmetricPriceBand(filters);
}

function symmetricPriceBand(filters: ReadonlyMap<string, JsonRecord>): PriceBand | undefined {
  const filter = filters.get('PERCENT_PRICE');
  if (!filter) return undefined;
  const up = decimalField(filter, 'multiplierUp');
  const down = decimalField(filter, 'multiplierDown');
  return { bidUp: up, bidDown: down, askUp: up, askDown: down };
}

function parseSymbol(
  symbol: JsonRecord,
  marketType: MarketType,
  leverage: ReadonlyMap<string, LeverageFacts> | undefined,
): MarketRules {
  const name = stringField(symbol, 'symbol');
  const filters = filtersByType(symbol);

  const priceFilter = required(filters, 'PRICE_FILTER');
  const tickSize = decimalField(priceFilter, 'tickSize');
  const minPrice = decimalField(priceFilter, 'minPrice');
  const maxPrice = decimalField(priceFilter, 'maxPrice');

  const lotSize = required(filters, 'LOT_SIZE');
  const stepSize = decimalField(lotSize, 'stepSize');
  const minQty = decimalField(lotSize, 'minQty');
  const maxQty = decimalField(lotSize, 'maxQty');

  const marketLot = filters.get('MARKET_LOT_SIZE');
  const notional = marketType === 'spot' ? spotNotional(filters) : futuresNotional(filters);
  const priceBand = marketType === 'spot' ? spotPriceBand(filters) : symmetricPriceBand(filters);
  const maxNumOrdersFilter = filters.get('MAX_NUM_ORDERS');
  const maxNumOrders = maxNumOrdersFilter
    ? positiveIntegerField(maxNumOrdersFilter, marketType === 'spot' ? 'maxNumOrders' : 'limit')
    : undefined;
  const leverageFacts =
    marketType === 'spot' ? SPOT_LEVERAGE : (leverage?.get(name) ?? DEFAULT_FUTURES_LEVERAGE);

  return {
    symbol: name,
    marketType,
    baseAsset: stringField(symbol, 'baseAsset'),
    quoteAsset: stringField(symbol, 'quoteAsset'),
    status: stringField(symbol, 'status'),
    tickSize,
    minPrice,
    maxPrice,
    stepSize,
    minQty,
    maxQty,
    marketStepSize: orLotSize(marketLot && optionalDecimalField(marketLot, 'stepSize'), stepSize),
    marketMinQty: orLotSize(marketLot && optionalDecimalField(marketLot, 'minQty'), minQty),
    marketMaxQty: orLotSize(marketLot && optionalDecimalField(marketLot, 'maxQty'), maxQty),
    minNotional: notional.minNotional,
    applyMinToMarket: notional.applyMinToMarket,
    ...(notional.maxNotional ? { maxNotional: notional.maxNotional } : {}),
    ...(priceBand ? { priceBand } : {}),
    ...(maxNumOrders !== undefined ? { maxNumOrders } : {}),
    maxLeverage: leverageFacts.maxLeverage,
    maintenanceMarginRate: leverageFacts.maintenanceMarginRate,
  };
}

/**
 * Like `parseExchangeInfo`, and also names every symbol it skipped and why.
 * Throws only when the document as a whole is not an exchangeInfo of the requested market type.
 */
export function parseExchangeInfoWithSkips(
  json: unknown,
  marketType: MarketType,
  leverage?: ReadonlyMap<string, LeverageFacts>,
): ParsedExchangeInfo {
  if (!isRecord(json) || !Array.isArray(json['symbols'])) {
    throw new Error('Not a Binance exchangeInfo document: expected an object with a "symbols" array.');
  }
  // Only the futures endpoint sends futuresType; catching a swapped document here beats every symbol
  // being skipped for "missing filter" further down.
  const futuresType = json['futuresType'];
  if (marketType === 'spot' && futuresType !== undefined) {
    throw new Error(
      `Expected a spot exchangeInfo but got a futures one (futuresType ${String(futuresType)}).`,
    );
  }
  if (marketType === 'futures' && futuresType !== undefined && futuresType !== 'U_MARGINED') {
    throw new Error(`Expected a USD-M futures exchangeInfo but got futuresType ${String(futuresType)}.`);
  }

  const markets: MarketRules[] = [];
  const skipped: SkippedSymbol[] = [];
  for (const [index, entry] of json['symbols'].entries()) {
    const name = isRecord(entry) && typeof entry['symbol'] === 'string' ? entry['symbol'] : `#${index}`;
    if (!isRecord(entry)) {
      skipped.push({ kind: 'skipped_symbol', symbol: name, reason: 'not an object' });
      continue;
    }
    try {
      markets.push(parseSymbol(entry, marketType, leverage));
    } catch (error) {
      if (!(error instanceof MalformedSymbol)) throw error;
      skipped.push({ kind: 'skipped_symbol', symbol: name, reason: error.message });
    }
  }
  return { kind: 'parsed_exchange_info', markets, skipped };
}

/**
 * Reads a raw Binance `exchangeInfo` response (spot `/api/v3` or USD-M `/fapi/v1`) into market rules.
 * Symbols with malformed filters are left out; see `parseExchangeInfoWithSkips` for which and why.
 */
export function parseExchangeInfo(
  json: unknown,
  marketType: MarketType,
  leverage?: ReadonlyMap<string, LeverageFacts>,
): MarketRules[] {
  return [...parseExchangeInfoWithSkips(json, marketType, leverage).markets];
}
