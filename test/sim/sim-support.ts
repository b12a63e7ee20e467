import { Decimal } from '../../src/domain/decimal.ts';
import type { MarketType } from '../../src/domain/order-types.ts';
import { ManualFeed } from '../../src/venues/market-data/manual-feed.ts';
import {
  type BinanceSimulatorOptions,
  type RunningSimulator,
  startBinanceSimulator,
} from '../../sim/binance-simulator.ts';
import {
  createLocalBinance,
  createLocalBinanceUsdm,
  type LocalBinance,
  type LocalBinanceUsdm,
} from '../../sim/local-binance-client.ts';

/** A simulator on a hand-driven market, with ccxt clients for its first account. */
export interface SimHarness {
  readonly sim: RunningSimulator;
  readonly feed: ManualFeed;
  readonly spot: LocalBinance;
  readonly futures: LocalBinanceUsdm;
  /** Replaces the book of a market: `levels` price levels each side, one tick apart, `size` each. */
  book(symbol: string, marketType: MarketType, bid: string, ask: string, size: string, levels?: number): void;
  /** Prints a trade on the market (it fills resting limits at or through its price). */
  trade(symbol: string, marketType: MarketType, price: string, quantity: string): void;
  close(): Promise<void>;
}

export async function startHarness(options: BinanceSimulatorOptions = {}): Promise<SimHarness> {
  const feed = new ManualFeed();
  const sim = await startBinanceSimulator({ feed, ...options });
  const credentials = sim.accounts[0]!;
  const spot = createLocalBinance(sim, credentials);
  const futures = createLocalBinanceUsdm(sim, credentials);
  const book = (
    symbol: string,
    marketType: MarketType,
    bid: string,
    ask: string,
    size: string,
    levels = 5,
  ): void => {
    const tick = new Decimal(marketType === 'spot' && symbol === 'XRPUSDT' ? '0.0001' : '0.01');
    const side = (start: string, direction: 1 | -1) =>
      Array.from({ length: levels }, (_, index) => ({
        price: new Decimal(start).add(tick.mul(index * direction)),
        quantity: new Decimal(size),
      }));
    feed.push({
      kind: 'book',
      symbol,
      marketType,
      bids: side(bid, -1),
      asks: side(ask, 1),
      timestamp: new Date(),
    });
  };
  const trade = (symbol: string, marketType: MarketType, price: string, quantity: string): void => {
    feed.push({
      kind: 'trade',
      symbol,
      marketType,
      price: new Decimal(price),
      quantity: new Decimal(quantity),
      aggressor: 'sell',
      timestamp: new Date(),
    });
  };
  book('BTCUSDT', 'spot', '96000.00', '96000.01', '1');
  book('ETHUSDT', 'spot', '3400.00', '3400.01', '10');
  book('BTCUSDT', 'futures', '96000.00', '96000.10', '1');
  book('ETHUSDT', 'futures', '3400.00', '3400.01', '10');
  return {
    sim,
    feed,
    spot,
    futures,
    book,
    trade,
    close: async () => {
      await Promise.allSettled([spot.close(), futures.close()]);
      await sim.close();
    },
  };
}

/** ccxt types an order id as possibly undefined; every order the simulator answers has one. */
export function idOf(order: { readonly id?: string | undefined }): string {
  if (order.id === undefined) throw new Error('order without an id');
  return order.id;
}
