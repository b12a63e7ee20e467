import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_MARKETS, findBuiltinMarket } from '../../src/domain/builtin-markets.ts';
import { Decimal, decimalString } from '../../src/domain/decimal.ts';
import { parseExchangeInfo } from '../../src/domain/exchange-info-parser.ts';
import { type MarketRules, marketKey } from '../../src/domain/market-rules.ts';
import type { MarketType } from '../../src/domain/order-types.ts';
import { EXCHANGE_INFO_DIR } from '../support/market-data-files.ts';

const hasMarketdata = existsSync(EXCHANGE_INFO_DIR);

/** Decimals become canonical strings so toEqual compares values, not decimal.js internals. */
function comparable(rules: MarketRules): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(rules, (_key, value: unknown) =>
      Decimal.isDecimal(value) ? decimalString(value) : value,
    ),
  ) as Record<string, unknown>;
}

describe('BUILTIN_MARKETS', () => {
  it('has the five spot pairs and the two USD-M perpetuals, each once', () => {
    expect(BUILTIN_MARKETS.map((m) => marketKey(m.symbol, m.marketType))).toEqual([
      'spot:BTCUSDT',
      'spot:ETHUSDT',
      'spot:SOLUSDT',
      'spot:BNBUSDT',
      'spot:XRPUSDT',
      'futures:BTCUSDT',
      'futures:ETHUSDT',
    ]);
  });

  it('finds a market by symbol and market type', () => {
    expect(findBuiltinMarket('BTCUSDT', 'futures')?.maxLeverage).toBe(125);
    expect(findBuiltinMarket('ETHUSDT', 'futures')?.maintenanceMarginRate.equals(new Decimal('0.005'))).toBe(
      true,
    );
    expect(findBuiltinMarket('BTCUSDT', 'spot')?.maxLeverage).toBe(1);
    expect(findBuiltinMarket('SOLUSDT', 'futures')).toBeUndefined();
    expect(findBuiltinMarket('FOOUSDT', 'spot')).toBeUndefined();
  });

  it('is frozen so no caller can change the rules every other caller sees', () => {
    expect(Object.isFrozen(BUILTIN_MARKETS)).toBe(true);
    for (const market of BUILTIN_MARKETS) expect(Object.isFrozen(market)).toBe(true);
  });

  it('keeps every figure consistent: min within max, min notional positive, steps positive', () => {
    for (const m of BUILTIN_MARKETS) {
      expect(m.tickSize.isPositive() && !m.tickSize.isZero()).toBe(true);
      expect(m.stepSize.isZero()).toBe(false);
      expect(m.marketStepSize.isZero()).toBe(false);
      expect(m.minQty.lessThanOrEqualTo(m.maxQty)).toBe(true);
      expect(m.marketMinQty.lessThanOrEqualTo(m.marketMaxQty)).toBe(true);
      expect(m.minPrice.lessThan(m.maxPrice)).toBe(true);
      expect(m.minNotional.isZero()).toBe(false);
    }
  });
});

describe.skipIf(!hasMarketdata)('BUILTIN_MARKETS against the real subset snapshots', () => {
  const cases: readonly (readonly [MarketType, string])[] = [
    ['spot', 'subset_5sym_spot_exchangeInfo_2023-08-13_MIT_swapland.json'],
    ['futures', 'subset_5sym_usdm_exchangeInfo_2021-07-21_XFree86_cryptofeed.json'],
  ];

  for (const [marketType, file] of cases) {
    it(`parsing ${file} reproduces the builtin ${marketType} markets`, () => {
      const json: unknown = JSON.parse(readFileSync(path.join(EXCHANGE_INFO_DIR, file), 'utf8'));
      const builtins = BUILTIN_MARKETS.filter((m) => m.marketType === marketType);
      const leverage = new Map(builtins.map((m) => [m.symbol, m] as const));
      const parsed = parseExchangeInfo(json, marketType, leverage);
      const compared = builtins.filter((b) => parsed.some((p) => p.symbol === b.symbol));
      expect(compared).toHaveLength(builtins.length);
      for (const builtin of compared) {
        const fromSnapshot = parsed.find((p) => p.symbol === builtin.symbol)!;
        expect(comparable(fromSnapshot), builtin.symbol).toEqual(comparable(builtin));
      }
    });
  }
});
