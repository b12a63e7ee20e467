import { afterEach, describe, expect, it, vi } from 'vitest';
import { isMultipleOf } from '../../src/domain/decimal.ts';
import type {
  BookSnapshotEvent,
  MarketEvent,
  TradeEvent,
} from '../../src/venues/market-data/market-event.ts';
import { SyntheticFeed, type SyntheticMarket } from '../../src/venues/market-data/synthetic-feed.ts';
import { BTCUSDT_FUTURES, BTCUSDT_SPOT, ETHUSDT_SPOT } from '../fixtures/paper-markets.ts';
import { d, T0 } from '../fixtures/paper-orders.ts';

const MARKETS: readonly SyntheticMarket[] = [
  { ...BTCUSDT_SPOT, startPrice: d('96440.01') },
  { ...ETHUSDT_SPOT, startPrice: d('3600.55') },
  { ...BTCUSDT_FUTURES, startPrice: d('96400.3') },
  // A low-priced coin: the walk must stay positive and on its fine grid.
  {
    symbol: 'PEPEUSDT',
    marketType: 'spot',
    startPrice: d('0.00001234'),
    tickSize: d('0.00000001'),
    stepSize: d('1'),
  },
];

function record(feed: SyntheticFeed, steps: number): MarketEvent[] {
  const events: MarketEvent[] = [];
  feed.onEvent((event) => events.push(event));
  for (let i = 0; i < steps; i++) feed.step();
  return events;
}

function render(events: readonly MarketEvent[]): string[] {
  return events.map((event) =>
    event.kind === 'book'
      ? `${event.symbol} ${event.bids.map((l) => `${l.price.toFixed()}x${l.quantity.toFixed()}`).join(' ')} | ${event.asks.map((l) => `${l.price.toFixed()}x${l.quantity.toFixed()}`).join(' ')}`
      : `${event.symbol} ${event.aggressor} ${event.price.toFixed()}x${event.quantity.toFixed()}`,
  );
}

const rulesOf = (symbol: string, marketType: string): SyntheticMarket =>
  MARKETS.find((m) => m.symbol === symbol && m.marketType === marketType)!;

afterEach(() => {
  vi.useRealTimers();
});

describe('SyntheticFeed', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const run = (seed: number | string) =>
      render(record(new SyntheticFeed({ markets: MARKETS, seed, clock: () => T0 }), 100));
    expect(run(42)).toEqual(run(42));
    expect(run('btc-demo')).toEqual(run('btc-demo'));
    expect(run(42)).not.toEqual(run(43));
  });

  it('step() emits exactly one tick: one snapshot per market, then one to three trades each', () => {
    const feed = new SyntheticFeed({ markets: MARKETS, seed: 7, clock: () => T0 });
    const events = record(feed, 1);
    const books = events.filter((event) => event.kind === 'book');
    expect(books.map((book) => `${book.marketType}:${book.symbol}`)).toEqual([
      'spot:BTCUSDT',
      'spot:ETHUSDT',
      'futures:BTCUSDT',
      'spot:PEPEUSDT',
    ]);
    const trades = events.filter((event) => event.kind === 'trade');
    expect(trades.length).toBeGreaterThanOrEqual(4);
    expect(trades.length).toBeLessThanOrEqual(12);
  });

  it('over thousands of ticks: prices on tick, sizes on step and positive, bids < asks, spread >= 1 tick, 20 levels', () => {
    const events = record(new SyntheticFeed({ markets: MARKETS, seed: 3 }), 1000);
    const problems: string[] = [];
    const check = (ok: boolean, what: string): void => {
      if (!ok && problems.length < 20) problems.push(what);
    };
    let lastBook: BookSnapshotEvent | undefined;
    let books = 0;
    for (const event of events) {
      const rules = rulesOf(event.symbol, event.marketType);
      if (event.kind === 'book') {
        books++;
        lastBook = event;
        check(event.bids.length === 20 && event.asks.length === 20, `${event.symbol}: 20 levels`);
        for (const level of [...event.bids, ...event.asks]) {
          check(isMultipleOf(level.price, rules.tickSize), `${event.symbol}: price ${level.price} on tick`);
          check(
            isMultipleOf(level.quantity, rules.stepSize),
            `${event.symbol}: size ${level.quantity} on step`,
          );
          check(level.price.gt(0) && level.quantity.gt(0), `${event.symbol}: positive level`);
        }
        const spread = event.asks[0]!.price.sub(event.bids[0]!.price);
        check(
          spread.gte(rules.tickSize) && spread.lte(rules.tickSize.mul(3)),
          `${event.symbol}: spread ${spread}`,
        );
        for (let i = 1; i < event.bids.length; i++) {
          check(event.bids[i]!.price.lt(event.bids[i - 1]!.price), `${event.symbol}: bids descend`);
          check(event.asks[i]!.price.gt(event.asks[i - 1]!.price), `${event.symbol}: asks ascend`);
          check(event.bids[i]!.quantity.gte(event.bids[i - 1]!.quantity), `${event.symbol}: bid sizes grow`);
          check(event.asks[i]!.quantity.gte(event.asks[i - 1]!.quantity), `${event.symbol}: ask sizes grow`);
        }
        check(event.bids.at(-1)!.quantity.gt(event.bids[0]!.quantity), `${event.symbol}: deep > touch`);
      } else {
        const trade: TradeEvent = event;
        check(isMultipleOf(trade.price, rules.tickSize), `${trade.symbol}: trade price on tick`);
        check(
          isMultipleOf(trade.quantity, rules.stepSize) && trade.quantity.gt(0),
          `${trade.symbol}: trade size`,
        );
        // Printed at the touch (or one level through it) of its own market's latest book.
        const side = trade.aggressor === 'buy' ? lastBook!.asks : lastBook!.bids;
        check(lastBook?.symbol === trade.symbol, 'trade follows its own book');
        check(
          side.slice(0, 2).some((level) => level.price.eq(trade.price)),
          `${trade.symbol}: trade at touch`,
        );
      }
    }
    expect(books).toBe(4000);
    expect(problems).toEqual([]);
  });

  it('walks with realistic volatility: BTC moves, but not absurdly, over an hour of 1 s ticks', () => {
    const feed = new SyntheticFeed({ markets: [MARKETS[0]!], seed: 11 });
    const mids: number[] = [];
    feed.onEvent((event) => {
      if (event.kind === 'book') mids.push(event.bids[0]!.price.add(event.asks[0]!.price).div(2).toNumber());
    });
    for (let i = 0; i < 3600; i++) feed.step();
    const returns = mids.slice(1).map((mid, i) => Math.log(mid / mids[i]!));
    const stdev = Math.sqrt(returns.reduce((sum, r) => sum + r * r, 0) / returns.length);
    expect(stdev).toBeGreaterThan(0.0001);
    expect(stdev).toBeLessThan(0.0004);
    const aggressors = new Set<string>();
    feed.onEvent((event) => event.kind === 'trade' && aggressors.add(event.aggressor));
    for (let i = 0; i < 20; i++) feed.step();
    expect(aggressors).toEqual(new Set(['buy', 'sell']));
  });

  it('start() ticks on an unref-ed interval until stop()', () => {
    vi.useFakeTimers();
    const feed = new SyntheticFeed({ markets: [MARKETS[0]!], seed: 1, intervalMs: 250 });
    let books = 0;
    feed.onEvent((event) => {
      if (event.kind === 'book') books++;
    });
    feed.start();
    feed.start();
    expect(feed.running).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(books).toBe(4);
    feed.stop();
    vi.advanceTimersByTime(1000);
    expect(books).toBe(4);
    expect(feed.running).toBe(false);
  });

  it('refuses nonsense configuration', () => {
    expect(() => new SyntheticFeed({ markets: [{ ...MARKETS[0]!, tickSize: d('0') }] })).toThrow(/tickSize/);
    expect(() => new SyntheticFeed({ markets: [{ ...MARKETS[0]!, startPrice: d('-1') }] })).toThrow(
      /startPrice/,
    );
    expect(() => new SyntheticFeed({ markets: MARKETS, depthLevels: 0 })).toThrow(/depthLevels/);
  });
});
