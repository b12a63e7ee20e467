import { Decimal } from '../../domain/decimal.ts';
import type { MarketRules } from '../../domain/market-rules.ts';
import type { SyntheticMarket } from './synthetic-feed.ts';

/** Where the synthetic market starts (late-2024 levels); it walks from there. */
export const DEFAULT_START_PRICES: Readonly<Record<string, string>> = {
  BTCUSDT: '96000',
  ETHUSDT: '3400',
  SOLUSDT: '190',
  BNBUSDT: '650',
  XRPUSDT: '2.2',
};

/** The markets among `rules` that have a start price, ready for a SyntheticFeed. */
export function defaultSyntheticMarkets(rules: readonly MarketRules[]): SyntheticMarket[] {
  return rules.flatMap((m) => {
    const start = DEFAULT_START_PRICES[m.symbol];
    return start
      ? [
          {
            symbol: m.symbol,
            marketType: m.marketType,
            startPrice: new Decimal(start),
            tickSize: m.tickSize,
            stepSize: m.stepSize,
          },
        ]
      : [];
  });
}
