import { afterEach, describe, expect, it, vi } from 'vitest';
import { ZERO } from '../../src/domain/decimal.ts';
import { generateKlines } from '../../src/venues/market-data/generate-klines.ts';
import { readKlineFile, type Kline } from '../../src/venues/market-data/kline-file.ts';
import { KlineReplayFeed } from '../../src/venues/market-data/kline-replay-feed.ts';
import type { MarketEvent, TradeEvent } from '../../src/venues/market-data/market-event.ts';
import { BTCUSDT_SPOT } from '../fixtures/paper-markets.ts';
import { d, T0 } from '../fixtures/paper-orders.ts';
import { BTC_CSV } from '../support/market-data-files.ts';

const { tickSize, stepSize } = BTCUSDT_SPOT;

function candle(open: string, high: string, low: string, close: string, volume: string, minute = 0): Kline {
  return {
    kind: 'kline',
    openTime: new Date(T0.getTime() + minute * 60_000),
    open: d(open),
    high: d(high),
    low: d(low),
    close: d(close),
    volume: d(volume),
  };
}

function feedFor(klines: readonly Kline[], pointsPerLeg?: number): KlineReplayFeed {
  return new KlineReplayFeed({
    symbol: 'BTCUSDT',
    marketType: 'spot',
    klines,
    tickSize,
    stepSize,
    ...(pointsPerLeg && { pointsPerLeg }),
  });
}

/** Plays every candle; returns each candle's events. */
function playAll(feed: KlineReplayFeed): { kline: Kline; events: MarketEvent[] }[] {
  const played: { kline: Kline; events: MarketEvent[] }[] = [];
  let events: MarketEvent[] = [];
  feed.onEvent((event) => events.push(event));
  for (let kline = feed.stepCandle(); kline; kline = feed.stepCandle()) {
    played.push({ kline, events });
    events = [];
  }
  return played;
}

/** Every invariant the paper venue relies on, as a list of violations (empty when all hold). */
function violations(played: ReturnType<typeof playAll>): string[] {
  const problems: string[] = [];
  const report = (what: string): void => {
    if (problems.length < 20) problems.push(what);
  };
  for (const { kline, events } of played) {
    const at = kline.openTime.toISOString();
    const inRange = (price: { lt(x: unknown): boolean; gt(x: unknown): boolean }) =>
      !price.lt(kline.low) && !price.gt(kline.high);
    let volume = ZERO;
    for (const event of events) {
      const offset = event.timestamp.getTime() - kline.openTime.getTime();
      if (offset < 0 || offset >= 60_000) report(`${at}: event at +${offset} ms outside the candle`);
      if (event.kind === 'trade') {
        volume = volume.add(event.quantity);
        if (!inRange(event.price))
          report(`${at}: trade ${event.price} outside [${kline.low}, ${kline.high}]`);
        if (!event.quantity.gt(0)) report(`${at}: non-positive trade`);
        continue;
      }
      const levels = [...event.bids, ...event.asks];
      if (levels.length === 0) report(`${at}: empty book`);
      if (event.bids.length > 20 || event.asks.length > 20) report(`${at}: more than 20 levels`);
      for (const level of levels) {
        if (!inRange(level.price))
          report(`${at}: level ${level.price} outside [${kline.low}, ${kline.high}]`);
        if (!level.quantity.gt(0)) report(`${at}: non-positive level size`);
      }
      const bid = event.bids[0]?.price;
      const ask = event.asks[0]?.price;
      if (bid && ask && ask.sub(bid).lt(tickSize)) report(`${at}: spread ${ask.sub(bid)} below one tick`);
      if (!bid || !ask) {
        // One-sided only when the candle leaves no room for a one-tick spread.
        if (!kline.high.sub(kline.low).lt(tickSize)) report(`${at}: one-sided book in a wide candle`);
      }
    }
    if (!volume.eq(kline.volume)) report(`${at}: trades sum to ${volume}, candle volume ${kline.volume}`);
  }
  return problems;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('KlineReplayFeed', () => {
  it('a bullish candle plays open -> low -> high -> close; a bearish one open -> high -> low -> close', () => {
    const bull = candle('100.00', '103.00', '99.00', '102.00', '4');
    const bear = candle('102.00', '102.50', '98.00', '99.00', '8', 1);
    const played = playAll(feedFor([bull, bear], 1));
    const prices = played.map(({ events }) =>
      events.filter((e): e is TradeEvent => e.kind === 'trade').map((t) => t.price.toFixed()),
    );
    expect(prices).toEqual([
      ['100', '99', '103', '102'],
      ['102', '102.5', '98', '99'],
    ]);
    const aggressors = played[1]!.events
      .filter((e): e is TradeEvent => e.kind === 'trade')
      .map((t) => t.aggressor);
    expect(aggressors).toEqual(['buy', 'buy', 'sell', 'buy']);
  });

  it('intermediate points interpolate on tick, and trades add up to the candle volume exactly', () => {
    const kline = candle('100.00', '100.05', '99.98', '100.03', '0.12347');
    const played = playAll(feedFor([kline]));
    const trades = played[0]!.events.filter((e): e is TradeEvent => e.kind === 'trade');
    expect(trades.map((t) => t.price.toFixed())).toEqual([
      '100',
      '99.99',
      '99.98',
      '100.02',
      '100.05',
      '100.04',
      '100.03',
    ]);
    expect(trades.map((t) => t.quantity.toFixed())).toEqual([
      '0.01763',
      '0.01763',
      '0.01763',
      '0.01763',
      '0.01763',
      '0.01763',
      '0.01769',
    ]);
    expect(violations(played)).toEqual([]);
  });

  it('each point shows the book first, then the trade at its touch', () => {
    const feed = feedFor([candle('100.00', '101.00', '99.00', '100.50', '7')]);
    const events: MarketEvent[] = [];
    feed.onEvent((event) => events.push(event));
    expect(feed.currentCandle).toBeUndefined();
    expect(feed.step()).toBe(true);
    expect(events.map((e) => e.kind)).toEqual(['book', 'trade']);
    const [book, trade] = events as [MarketEvent & { kind: 'book' }, TradeEvent];
    const touch = trade.aggressor === 'buy' ? book.asks[0] : book.bids[0];
    expect(touch?.price.eq(trade.price)).toBe(true);
    expect(book.asks[0]!.price.sub(book.bids[0]!.price).toFixed()).toBe('0.01');
    expect(book.bids).toHaveLength(20);
    expect(book.bids[19]!.quantity.gt(book.bids[0]!.quantity)).toBe(true);
    expect(feed.currentCandle?.open.toFixed()).toBe('100');
  });

  it('one-price and zero-volume candles: nothing outside the range, no zero-size trade', () => {
    const doji = candle('100.00', '100.00', '100.00', '100.00', '1.5');
    const empty = candle('100.00', '100.01', '99.99', '100.00', '0', 1);
    const played = playAll(feedFor([doji, empty]));
    expect(violations(played)).toEqual([]);
    // Both sides get liquidity across a one-price candle, one side at a time.
    const books = played[0]!.events.filter((e) => e.kind === 'book');
    expect(books.some((b) => b.bids.length > 0) && books.some((b) => b.asks.length > 0)).toBe(true);
    expect(played[1]!.events.filter((e) => e.kind === 'trade')).toEqual([]);
  });

  it('generated klines (gaps, dojis, empty candles): every invariant holds for 1,000 candles', () => {
    const klines = generateKlines({ count: 1000, startPrice: d('96000'), tickSize, stepSize, seed: 5 });
    expect(violations(playAll(feedFor(klines)))).toEqual([]);
  });

  it.skipIf(!BTC_CSV)('real BTCUSDT candles: every invariant holds for the first 2,000', () => {
    const klines = readKlineFile(BTC_CSV!, { limit: 2000 });
    expect(violations(playAll(feedFor(klines)))).toEqual([]);
  });

  it('step() and stepCandle() stop at the end of the data', () => {
    const feed = feedFor([candle('100.00', '101.00', '99.00', '100.50', '7')], 1);
    expect(feed.finished).toBe(false);
    expect(feed.stepCandle()?.close.toFixed()).toBe('100.5');
    expect(feed.finished).toBe(true);
    expect(feed.step()).toBe(false);
    expect(feed.stepCandle()).toBeUndefined();
    expect(feed.currentCandleIndex).toBe(0);
  });

  it('start(intervalMs) plays one point per tick and stops by itself at the end', () => {
    vi.useFakeTimers();
    const feed = feedFor([candle('100.00', '101.00', '99.00', '100.50', '7')], 1);
    let trades = 0;
    feed.onEvent((event) => {
      if (event.kind === 'trade') trades++;
    });
    feed.start(10);
    vi.advanceTimersByTime(25);
    expect(trades).toBe(2);
    vi.advanceTimersByTime(1000);
    expect(trades).toBe(4);
    expect(feed.finished).toBe(true);
  });
});
