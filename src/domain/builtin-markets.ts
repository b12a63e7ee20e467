import { Decimal } from './decimal.ts';
import type { MarketRules } from './market-rules.ts';
import type { MarketType } from './order-types.ts';

/*
 * Rules for the markets the paper venue and the simulator know without a network call.
 *
 * Spot: Binance `GET /api/v3/exchangeInfo`, serverTime 2023-08-13T16:47:31Z, file
 * ../shared/marketdata/exchange_info/spot_exchangeInfo_2023-08-13_MIT_swapland.json (and its 5-symbol subset).
 * MARKET_LOT_SIZE there publishes stepSize 0 and minQty 0, which Binance means as "same as LOT_SIZE"; its
 * maxQty is a rolling volume-based figure, kept verbatim.
 *
 * USD-M: Binance `GET /fapi/v1/exchangeInfo`, 2021-07-21, file
 * ../shared/marketdata/exchange_info/usdm_exchangeInfo_2021-07-21_XFree86_cryptofeed.json (and its subset).
 * Leverage is not in exchangeInfo; the first leverage bracket (notional up to the first cap) is 125x with
 * maintenance margin rate 0.4% for BTCUSDT and 100x with 0.5% for ETHUSDT (`/fapi/v1/leverageBracket`).
 *
 * Every symbol here is present in both snapshots; test/unit/builtin-markets.test.ts checks that parsing
 * the subsets reproduces these values exactly.
 */

const d = (text: string): Decimal => new Decimal(text);

interface SpotFigures {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly tickSize: string;
  readonly minPrice: string;
  readonly maxPrice: string;
  readonly stepSize: string;
  readonly minQty: string;
  readonly maxQty: string;
  readonly marketMaxQty: string;
  readonly minNotional: string;
}

/** Every 2023 spot USDT pair here shares NOTIONAL max 9,000,000, a 0.2x-5x band and 200 open orders. */
function spot(f: SpotFigures): MarketRules {
  return Object.freeze({
    symbol: f.symbol,
    marketType: 'spot',
    baseAsset: f.baseAsset,
    quoteAsset: 'USDT',
    status: 'TRADING',
    tickSize: d(f.tickSize),
    minPrice: d(f.minPrice),
    maxPrice: d(f.maxPrice),
    stepSize: d(f.stepSize),
    minQty: d(f.minQty),
    maxQty: d(f.maxQty),
    marketStepSize: d(f.stepSize),
    marketMinQty: d(f.minQty),
    marketMaxQty: d(f.marketMaxQty),
    minNotional: d(f.minNotional),
    applyMinToMarket: true,
    maxNotional: d('9000000'),
    priceBand: Object.freeze({ bidUp: d('5'), bidDown: d('0.2'), askUp: d('5'), askDown: d('0.2') }),
    maxNumOrders: 200,
    maxLeverage: 1,
    maintenanceMarginRate: d('0'),
  });
}

interface FuturesFigures {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly minPrice: string;
  readonly maxPrice: string;
  readonly maxQty: string;
  readonly maxLeverage: number;
  readonly maintenanceMarginRate: string;
}

/** BTCUSDT and ETHUSDT perpetuals share tick 0.01, step 0.001, min notional 5 and a 0.85x-1.15x band. */
function usdmPerpetual(f: FuturesFigures): MarketRules {
  return Object.freeze({
    symbol: f.symbol,
    marketType: 'futures',
    baseAsset: f.baseAsset,
    quoteAsset: 'USDT',
    status: 'TRADING',
    tickSize: d('0.01'),
    minPrice: d(f.minPrice),
    maxPrice: d(f.maxPrice),
    stepSize: d('0.001'),
    minQty: d('0.001'),
    maxQty: d(f.maxQty),
    marketStepSize: d('0.001'),
    marketMinQty: d('0.001'),
    marketMaxQty: d(f.maxQty),
    minNotional: d('5'),
    applyMinToMarket: true,
    priceBand: Object.freeze({ bidUp: d('1.15'), bidDown: d('0.85'), askUp: d('1.15'), askDown: d('0.85') }),
    maxNumOrders: 200,
    maxLeverage: f.maxLeverage,
    maintenanceMarginRate: d(f.maintenanceMarginRate),
  });
}

export const BUILTIN_MARKETS: readonly MarketRules[] = Object.freeze([
  spot({
    symbol: 'BTCUSDT',
    baseAsset: 'BTC',
    tickSize: '0.01',
    minPrice: '0.01',
    maxPrice: '1000000',
    stepSize: '0.00001',
    minQty: '0.00001',
    maxQty: '9000',
    marketMaxQty: '169.00949758',
    minNotional: '10',
  }),
  spot({
    symbol: 'ETHUSDT',
    baseAsset: 'ETH',
    tickSize: '0.01',
    minPrice: '0.01',
    maxPrice: '1000000',
    stepSize: '0.0001',
    minQty: '0.0001',
    maxQty: '9000',
    marketMaxQty: '3155.39389583',
    minNotional: '10',
  }),
  spot({
    symbol: 'SOLUSDT',
    baseAsset: 'SOL',
    tickSize: '0.01',
    minPrice: '0.01',
    maxPrice: '10000',
    stepSize: '0.01',
    minQty: '0.01',
    maxQty: '90000',
    marketMaxQty: '121246.79920833',
    minNotional: '5',
  }),
  spot({
    symbol: 'BNBUSDT',
    baseAsset: 'BNB',
    tickSize: '0.1',
    minPrice: '0.1',
    maxPrice: '100000',
    stepSize: '0.001',
    minQty: '0.001',
    maxQty: '900000',
    marketMaxQty: '29551.388225',
    minNotional: '5',
  }),
  spot({
    symbol: 'XRPUSDT',
    baseAsset: 'XRP',
    tickSize: '0.0001',
    minPrice: '0.0001',
    maxPrice: '10000',
    stepSize: '1',
    minQty: '1',
    maxQty: '9222449',
    marketMaxQty: '6174252.38333333',
    minNotional: '5',
  }),
  usdmPerpetual({
    symbol: 'BTCUSDT',
    baseAsset: 'BTC',
    minPrice: '556.72',
    maxPrice: '1000000',
    maxQty: '1000',
    maxLeverage: 125,
    maintenanceMarginRate: '0.004',
  }),
  usdmPerpetual({
    symbol: 'ETHUSDT',
    baseAsset: 'ETH',
    minPrice: '39.86',
    maxPrice: '100000',
    maxQty: '10000',
    maxLeverage: 100,
    maintenanceMarginRate: '0.005',
  }),
]);

export function findBuiltinMarket(symbol: string, marketType: MarketType): MarketRules | undefined {
  return BUILTIN_MARKETS.find((market) => market.symbol === symbol && market.marketType === marketType);
}
