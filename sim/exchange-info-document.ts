import { readFileSync } from 'node:fs';
import type { Decimal } from '../src/domain/decimal.ts';
import { parseExchangeInfo } from '../src/domain/exchange-info-parser.ts';
import type { MarketRules } from '../src/domain/market-rules.ts';
import type { MarketType } from '../src/domain/order-types.ts';

type Json = Record<string, unknown>;

export const SPOT_ORDER_TYPES = [
  'LIMIT',
  'LIMIT_MAKER',
  'MARKET',
  'STOP_LOSS',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT',
  'TAKE_PROFIT_LIMIT',
] as const;

export const FUTURES_ORDER_TYPES = [
  'LIMIT',
  'MARKET',
  'STOP',
  'STOP_MARKET',
  'TAKE_PROFIT',
  'TAKE_PROFIT_MARKET',
] as const;

/** Binance spot prints every filter figure with eight decimals. */
const spotFigure = (value: Decimal): string => value.toFixed(8);
const futuresFigure = (value: Decimal): string => value.toFixed();

/**
 * Renders market rules as the `exchangeInfo` document Binance serves, so clients (ccxt's `loadMarkets`,
 * our own parser) read exactly what they would read from the venue. ccxt checks order types against
 * `orderTypes` before sending, so those lists are what the simulator accepts.
 */
export function exchangeInfoDocument(
  markets: readonly MarketRules[],
  marketType: MarketType,
  serverTime: number,
): Json {
  const symbols = markets.filter((market) => market.marketType === marketType);
  if (marketType === 'spot') {
    return {
      timezone: 'UTC',
      serverTime,
      rateLimits: [
        { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
        { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
        { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
      ],
      exchangeFilters: [],
      symbols: symbols.map(spotSymbol),
    };
  }
  const quoteAssets = [...new Set(symbols.map((market) => market.quoteAsset))];
  return {
    timezone: 'UTC',
    serverTime,
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: quoteAssets.map((asset) => ({ asset, marginAvailable: true, autoAssetExchange: '-10000' })),
    symbols: symbols.map(futuresSymbol),
  };
}

function spotSymbol(market: MarketRules): Json {
  const filters: Json[] = [
    {
      filterType: 'PRICE_FILTER',
      minPrice: spotFigure(market.minPrice),
      maxPrice: spotFigure(market.maxPrice),
      tickSize: spotFigure(market.tickSize),
    },
    {
      filterType: 'LOT_SIZE',
      minQty: spotFigure(market.minQty),
      maxQty: spotFigure(market.maxQty),
      stepSize: spotFigure(market.stepSize),
    },
    {
      filterType: 'MARKET_LOT_SIZE',
      minQty: spotFigure(market.marketMinQty),
      maxQty: spotFigure(market.marketMaxQty),
      stepSize: spotFigure(market.marketStepSize),
    },
    {
      filterType: 'NOTIONAL',
      minNotional: spotFigure(market.minNotional),
      applyMinToMarket: market.applyMinToMarket,
      maxNotional: spotFigure(market.maxNotional ?? market.maxPrice.mul(market.maxQty)),
      applyMaxToMarket: false,
      avgPriceMins: 5,
    },
  ];
  if (market.priceBand) {
    filters.push({
      filterType: 'PERCENT_PRICE_BY_SIDE',
      bidMultiplierUp: market.priceBand.bidUp.toFixed(),
      bidMultiplierDown: market.priceBand.bidDown.toFixed(),
      askMultiplierUp: market.priceBand.askUp.toFixed(),
      askMultiplierDown: market.priceBand.askDown.toFixed(),
      avgPriceMins: 5,
    });
  }
  if (market.maxNumOrders !== undefined) {
    filters.push({ filterType: 'MAX_NUM_ORDERS', maxNumOrders: market.maxNumOrders });
  }
  return {
    symbol: market.symbol,
    status: market.status,
    baseAsset: market.baseAsset,
    baseAssetPrecision: 8,
    quoteAsset: market.quoteAsset,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: [...SPOT_ORDER_TYPES],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters,
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

function futuresSymbol(market: MarketRules): Json {
  const filters: Json[] = [
    {
      filterType: 'PRICE_FILTER',
      minPrice: futuresFigure(market.minPrice),
      maxPrice: futuresFigure(market.maxPrice),
      tickSize: futuresFigure(market.tickSize),
    },
    {
      filterType: 'LOT_SIZE',
      minQty: futuresFigure(market.minQty),
      maxQty: futuresFigure(market.maxQty),
      stepSize: futuresFigure(market.stepSize),
    },
    {
      filterType: 'MARKET_LOT_SIZE',
      minQty: futuresFigure(market.marketMinQty),
      maxQty: futuresFigure(market.marketMaxQty),
      stepSize: futuresFigure(market.marketStepSize),
    },
    { filterType: 'MAX_NUM_ORDERS', limit: market.maxNumOrders ?? 200 },
    { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
    { filterType: 'MIN_NOTIONAL', notional: futuresFigure(market.minNotional) },
  ];
  if (market.priceBand) {
    filters.push({
      filterType: 'PERCENT_PRICE',
      multiplierUp: market.priceBand.bidUp.toFixed(4),
      multiplierDown: market.priceBand.bidDown.toFixed(4),
      multiplierDecimal: '4',
    });
  }
  return {
    symbol: market.symbol,
    pair: market.symbol,
    contractType: 'PERPETUAL',
    deliveryDate: 4133404800000,
    onboardDate: 1569398400000,
    status: market.status,
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: market.baseAsset,
    quoteAsset: market.quoteAsset,
    marginAsset: market.quoteAsset,
    pricePrecision: market.tickSize.decimalPlaces(),
    quantityPrecision: market.stepSize.decimalPlaces(),
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters,
    orderTypes: [...FUTURES_ORDER_TYPES],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
  };
}

/** Market rules from a real Binance `exchangeInfo` snapshot (spot `/api/v3` or USD-M `/fapi/v1`). */
export function marketsFromExchangeInfoFile(path: string, marketType: MarketType): MarketRules[] {
  return parseExchangeInfo(JSON.parse(readFileSync(path, 'utf8')) as unknown, marketType);
}
