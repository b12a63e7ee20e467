import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.ts';
import {
  DEFAULT_FUTURES_LEVERAGE,
  parseExchangeInfo,
  parseExchangeInfoWithSkips,
} from '../../src/domain/exchange-info-parser.ts';
import type { MarketRules } from '../../src/domain/market-rules.ts';
import { EXCHANGE_INFO_DIR } from '../support/market-data-files.ts';

const hasMarketdata = existsSync(EXCHANGE_INFO_DIR);

function readSnapshot(file: string): unknown {
  return JSON.parse(readFileSync(path.join(EXCHANGE_INFO_DIR, file), 'utf8'));
}

function bySymbol(markets: readonly MarketRules[], symbol: string): MarketRules {
  const market = markets.find((m) => m.symbol === symbol);
  if (!market) throw new Error(`${symbol} not parsed`);
  return market;
}

const dec = (text: string): Decimal => new Decimal(text);

/** The shape of a 2023 spot symbol, trimmed to the filters we read. */
const spotBtc = {
  symbol: 'BTCUSDT',
  status: 'TRADING',
  baseAsset: 'BTC',
  quoteAsset: 'USDT',
  filters: [
    {
      filterType: 'PRICE_FILTER',
      minPrice: '0.01000000',
      maxPrice: '1000000.00000000',
      tickSize: '0.01000000',
    },
    { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
    { filterType: 'ICEBERG_PARTS', limit: 10 },
    { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '169.00949758', stepSize: '0.00000000' },
    {
      filterType: 'PERCENT_PRICE_BY_SIDE',
      bidMultiplierUp: '5',
      bidMultiplierDown: '0.2',
      askMultiplierUp: '4',
      askMultiplierDown: '0.3',
      avgPriceMins: 5,
    },
    {
      filterType: 'NOTIONAL',
      minNotional: '10.00000000',
      applyMinToMarket: true,
      maxNotional: '9000000.00000000',
      applyMaxToMarket: false,
      avgPriceMins: 5,
    },
    { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
  ],
};

/** Pre-2023 spot shape: legacy MIN_NOTIONAL and a symmetric PERCENT_PRICE, no MARKET_LOT_SIZE. */
const spotLegacy = {
  symbol: 'LTCBTC',
  status: 'BREAK',
  baseAsset: 'LTC',
  quoteAsset: 'BTC',
  filters: [
    { filterType: 'PRICE_FILTER', minPrice: '0.000001', maxPrice: '0', tickSize: '0.000001' },
    { filterType: 'PERCENT_PRICE', multiplierUp: '5', multiplierDown: '0.2', avgPriceMins: 5 },
    { filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '100000', stepSize: '0.001' },
    { filterType: 'MIN_NOTIONAL', minNotional: '0.0001', applyToMarket: false, avgPriceMins: 5 },
  ],
};

const spotDoc = {
  timezone: 'UTC',
  serverTime: 1691945251489,
  symbols: [
    spotBtc,
    spotLegacy,
    {
      ...spotBtc,
      symbol: 'BADTICK',
      filters: [{ filterType: 'PRICE_FILTER', minPrice: '0.01', maxPrice: '1', tickSize: 'abc' }],
    },
    { ...spotBtc, symbol: 'NOPRICE', filters: spotBtc.filters.slice(1) },
    {
      ...spotBtc,
      symbol: 'NEGATIVE',
      filters: [{ ...spotBtc.filters[0], minPrice: '-1' }, ...spotBtc.filters.slice(1)],
    },
    'not a symbol',
  ],
};

const futuresBtc = {
  symbol: 'BTCUSDT',
  contractType: 'PERPETUAL',
  status: 'TRADING',
  baseAsset: 'BTC',
  quoteAsset: 'USDT',
  filters: [
    { minPrice: '556.72', maxPrice: '1000000', filterType: 'PRICE_FILTER', tickSize: '0.01' },
    { stepSize: '0.001', filterType: 'LOT_SIZE', maxQty: '1000', minQty: '0.001' },
    { stepSize: '0.001', filterType: 'MARKET_LOT_SIZE', maxQty: '120', minQty: '0.001' },
    { limit: 200, filterType: 'MAX_NUM_ORDERS' },
    { limit: 10, filterType: 'MAX_NUM_ALGO_ORDERS' },
    { notional: '5', filterType: 'MIN_NOTIONAL' },
    { multiplierDown: '0.8500', multiplierUp: '1.1500', multiplierDecimal: '4', filterType: 'PERCENT_PRICE' },
  ],
};

const futuresDoc = {
  futuresType: 'U_MARGINED',
  symbols: [futuresBtc, { ...futuresBtc, symbol: 'ETHUSDT', baseAsset: 'ETH' }],
};

describe('parseExchangeInfo on inline documents', () => {
  it('reads a 2023 spot symbol, falling back to LOT_SIZE where MARKET_LOT_SIZE says zero', () => {
    const btc = bySymbol(parseExchangeInfo(spotDoc, 'spot'), 'BTCUSDT');
    expect(btc).toMatchObject({
      marketType: 'spot',
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      status: 'TRADING',
    });
    expect(btc.tickSize.equals(dec('0.01'))).toBe(true);
    expect(btc.minPrice.equals(dec('0.01'))).toBe(true);
    expect(btc.maxPrice.equals(dec('1000000'))).toBe(true);
    expect(btc.stepSize.equals(dec('0.00001'))).toBe(true);
    expect(btc.marketStepSize.equals(dec('0.00001'))).toBe(true);
    expect(btc.marketMinQty.equals(dec('0.00001'))).toBe(true);
    expect(btc.marketMaxQty.equals(dec('169.00949758'))).toBe(true);
    expect(btc.minNotional.equals(dec('10'))).toBe(true);
    expect(btc.applyMinToMarket).toBe(true);
    expect(btc.maxNotional?.equals(dec('9000000'))).toBe(true);
    expect(btc.priceBand?.bidUp.equals(dec('5'))).toBe(true);
    expect(btc.priceBand?.bidDown.equals(dec('0.2'))).toBe(true);
    expect(btc.priceBand?.askUp.equals(dec('4'))).toBe(true);
    expect(btc.priceBand?.askDown.equals(dec('0.3'))).toBe(true);
    expect(btc.maxNumOrders).toBe(200);
    expect(btc.maxLeverage).toBe(1);
    expect(btc.maintenanceMarginRate.isZero()).toBe(true);
  });

  it('reads legacy MIN_NOTIONAL and PERCENT_PRICE, and a symbol without MARKET_LOT_SIZE', () => {
    const ltc = bySymbol(parseExchangeInfo(spotDoc, 'spot'), 'LTCBTC');
    expect(ltc.status).toBe('BREAK');
    expect(ltc.maxPrice.isZero()).toBe(true);
    expect(ltc.minNotional.equals(dec('0.0001'))).toBe(true);
    expect(ltc.applyMinToMarket).toBe(false);
    expect(ltc.maxNotional).toBeUndefined();
    expect(ltc.marketStepSize.equals(dec('0.001'))).toBe(true);
    expect(ltc.marketMinQty.equals(dec('0.001'))).toBe(true);
    expect(ltc.marketMaxQty.equals(dec('100000'))).toBe(true);
    const band = ltc.priceBand!;
    expect([band.bidUp, band.askUp].map(String)).toEqual(['5', '5']);
    expect([band.bidDown, band.askDown].map(String)).toEqual(['0.2', '0.2']);
    expect(ltc.maxNumOrders).toBeUndefined();
  });

  it('skips malformed symbols and says why, keeping the rest of the document', () => {
    const parsed = parseExchangeInfoWithSkips(spotDoc, 'spot');
    expect(parsed.markets.map((m) => m.symbol)).toEqual(['BTCUSDT', 'LTCBTC']);
    expect(parsed.skipped.map((s) => s.symbol)).toEqual(['BADTICK', 'NOPRICE', 'NEGATIVE', '#5']);
    expect(parsed.skipped[0]?.reason).toMatch(/PRICE_FILTER\.tickSize/);
    expect(parsed.skipped[1]?.reason).toMatch(/PRICE_FILTER filter is missing/);
    expect(parseExchangeInfo(spotDoc, 'spot')).toHaveLength(2);
  });

  it('reads USD-M filters: MIN_NOTIONAL.notional applies to market orders, MAX_NUM_ORDERS.limit', () => {
    const btc = bySymbol(parseExchangeInfo(futuresDoc, 'futures'), 'BTCUSDT');
    expect(btc.marketType).toBe('futures');
    expect(btc.minPrice.equals(dec('556.72'))).toBe(true);
    expect(btc.marketMaxQty.equals(dec('120'))).toBe(true);
    expect(btc.maxQty.equals(dec('1000'))).toBe(true);
    expect(btc.minNotional.equals(dec('5'))).toBe(true);
    expect(btc.applyMinToMarket).toBe(true);
    expect(btc.maxNotional).toBeUndefined();
    expect(btc.maxNumOrders).toBe(200);
    expect(btc.priceBand?.bidUp.equals(dec('1.15'))).toBe(true);
    expect(btc.priceBand?.askDown.equals(dec('0.85'))).toBe(true);
  });

  it('takes leverage from the bracket map, else the conservative default', () => {
    const leverage = new Map([['BTCUSDT', { maxLeverage: 125, maintenanceMarginRate: dec('0.004') }]]);
    const markets = parseExchangeInfo(futuresDoc, 'futures', leverage);
    expect(bySymbol(markets, 'BTCUSDT').maxLeverage).toBe(125);
    expect(bySymbol(markets, 'BTCUSDT').maintenanceMarginRate.equals(dec('0.004'))).toBe(true);
    expect(bySymbol(markets, 'ETHUSDT').maxLeverage).toBe(20);
    expect(bySymbol(markets, 'ETHUSDT').maintenanceMarginRate.equals(dec('0.01'))).toBe(true);
    expect(DEFAULT_FUTURES_LEVERAGE.maxLeverage).toBe(20);
  });

  it('ignores the leverage map on spot', () => {
    const leverage = new Map([['BTCUSDT', { maxLeverage: 125, maintenanceMarginRate: dec('0.004') }]]);
    expect(bySymbol(parseExchangeInfo(spotDoc, 'spot', leverage), 'BTCUSDT').maxLeverage).toBe(1);
  });

  it('throws a clear error when the document is not an exchangeInfo', () => {
    for (const notInfo of [null, 42, 'x', [], {}, { symbols: 'BTCUSDT' }, { symbols: {} }]) {
      expect(() => parseExchangeInfo(notInfo, 'spot')).toThrow(/Not a Binance exchangeInfo document/);
    }
  });

  it('refuses a futures document read as spot, and a COIN-M one read as USD-M', () => {
    expect(() => parseExchangeInfo(futuresDoc, 'spot')).toThrow(/got a futures one/);
    expect(() => parseExchangeInfo({ ...futuresDoc, futuresType: 'COIN_MARGINED' }, 'futures')).toThrow(
      /COIN_MARGINED/,
    );
  });

  it('accepts an empty symbol list', () => {
    expect(parseExchangeInfo({ symbols: [] }, 'spot')).toEqual([]);
  });
});

describe.skipIf(!hasMarketdata)('parseExchangeInfo on the real snapshots', () => {
  it('parses every symbol of the full spot snapshot (2023-08-13)', () => {
    const parsed = parseExchangeInfoWithSkips(
      readSnapshot('spot_exchangeInfo_2023-08-13_MIT_swapland.json'),
      'spot',
    );
    expect(parsed.skipped).toEqual([]);
    expect(parsed.markets).toHaveLength(2276);
    expect(parsed.markets.filter((m) => m.status === 'TRADING')).toHaveLength(1393);
    expect(parsed.markets.filter((m) => m.status === 'BREAK')).toHaveLength(883);
    for (const market of parsed.markets) {
      expect(market.marketStepSize.isZero()).toBe(false);
      expect(market.minNotional.isPositive()).toBe(true);
      expect(market.priceBand).toBeDefined();
    }
  });

  it('falls back to LOT_SIZE for spot symbols that publish no MARKET_LOT_SIZE', () => {
    const json = readSnapshot('spot_exchangeInfo_2023-08-13_MIT_swapland.json');
    const raw = (json as { symbols: { symbol: string; filters: { filterType: string }[] }[] }).symbols.find(
      (s) => !s.filters.some((f) => f.filterType === 'MARKET_LOT_SIZE'),
    );
    expect(raw).toBeDefined();
    const market = bySymbol(parseExchangeInfo(json, 'spot'), raw!.symbol);
    expect(market.marketStepSize.equals(market.stepSize)).toBe(true);
    expect(market.marketMinQty.equals(market.minQty)).toBe(true);
    expect(market.marketMaxQty.equals(market.maxQty)).toBe(true);
  });

  it('parses every symbol of the full USD-M snapshot (2021-07-21)', () => {
    const parsed = parseExchangeInfoWithSkips(
      readSnapshot('usdm_exchangeInfo_2021-07-21_XFree86_cryptofeed.json'),
      'futures',
    );
    expect(parsed.skipped).toEqual([]);
    expect(parsed.markets).toHaveLength(122);
    const quarterly = bySymbol(parsed.markets, 'BTCUSDT_210924');
    expect(quarterly.maxLeverage).toBe(20);
    expect(bySymbol(parsed.markets, 'BTCSTUSDT').status).toBe('PENDING_TRADING');
    for (const market of parsed.markets) {
      expect(market.applyMinToMarket).toBe(true);
      expect(market.maxNumOrders).toBe(200);
    }
  });

  it('rejects the USD-M snapshot when asked for spot', () => {
    expect(() =>
      parseExchangeInfo(readSnapshot('usdm_exchangeInfo_2021-07-21_XFree86_cryptofeed.json'), 'spot'),
    ).toThrow(/futures/);
  });
});
