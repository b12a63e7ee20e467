import {
  ceilToStep,
  Decimal,
  floorToStep,
  maxDecimal,
  minDecimal,
  roundToStep,
} from '../../domain/decimal.ts';
import type { MarketType, Side } from '../../domain/order-types.ts';
import type { Kline } from './kline-file.ts';
import type {
  BookLevel,
  BookSnapshotEvent,
  MarketDataFeed,
  MarketEvent,
  TradeEvent,
} from './market-event.ts';
import { MarketEventEmitter } from './market-event-emitter.ts';

export interface KlineReplayFeedOptions {
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly klines: readonly Kline[];
  readonly tickSize: Decimal;
  readonly stepSize: Decimal;
  /** Levels per side at most (fewer when the candle's range is narrower); default 20. */
  readonly depthLevels?: number;
  /**
   * Points on each of the three legs (open -> first extreme -> second extreme -> close); default 2, so a
   * candle plays as 7 points.
   */
  readonly pointsPerLeg?: number;
  /** Book depth shown on each side, as a share of the candle's volume; default 1. */
  readonly depthShare?: Decimal;
  /** Period of `start()` when none is passed; default 1000 ms. */
  readonly intervalMs?: number;
}

interface PathPoint {
  readonly book: BookSnapshotEvent;
  readonly trade: TradeEvent | undefined;
}

const DEFAULT_CANDLE_MS = 60_000;

/**
 * Replays recorded candles for one market as book snapshots and trades. Each candle becomes the path
 * open -> low -> high -> close (bullish) or open -> high -> low -> close (bearish). Every price it shows,
 * quoted or traded, lies inside the candle's [low, high], so a venue matching against it can never fill
 * outside the candle; the trades of a candle add up to exactly its volume.
 */
export class KlineReplayFeed implements MarketDataFeed {
  private readonly emitter = new MarketEventEmitter();
  private readonly klines: readonly Kline[];
  private readonly depthLevels: number;
  private readonly pointsPerLeg: number;
  private readonly depthShare: Decimal;
  private readonly intervalMs: number;
  private readonly candleMs: number;
  private candleIndex = -1;
  private path: readonly PathPoint[] = [];
  private pointIndex = 0;
  private lastPrice: Decimal | undefined;
  private lastAggressor: Side = 'buy';
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: KlineReplayFeedOptions) {
    if (!options.tickSize.gt(0) || !options.stepSize.gt(0)) {
      throw new RangeError(`${options.symbol}: tickSize and stepSize must be positive`);
    }
    this.klines = options.klines;
    this.depthLevels = options.depthLevels ?? 20;
    this.pointsPerLeg = options.pointsPerLeg ?? 2;
    this.depthShare = options.depthShare ?? new Decimal(1);
    this.intervalMs = options.intervalMs ?? 1000;
    if (!Number.isInteger(this.depthLevels) || this.depthLevels < 1) {
      throw new RangeError(`depthLevels must be a positive integer: ${this.depthLevels}`);
    }
    if (!Number.isInteger(this.pointsPerLeg) || this.pointsPerLeg < 1) {
      throw new RangeError(`pointsPerLeg must be a positive integer: ${this.pointsPerLeg}`);
    }
    const [first, second] = this.klines;
    const spacing = first && second ? second.openTime.getTime() - first.openTime.getTime() : 0;
    this.candleMs = spacing > 0 ? spacing : DEFAULT_CANDLE_MS;
  }

  onEvent(listener: (event: MarketEvent) => void): () => void {
    return this.emitter.subscribe(listener);
  }

  /** The candle the last emitted event belongs to (undefined before the first step). */
  get currentCandle(): Kline | undefined {
    return this.klines[this.candleIndex];
  }

  /** Index of `currentCandle` in the replayed list (-1 before the first step). */
  get currentCandleIndex(): number {
    return this.candleIndex;
  }

  /** Whether every candle has been played to its close. */
  get finished(): boolean {
    return this.pointIndex >= this.path.length && this.candleIndex >= this.klines.length - 1;
  }

  /** Plays one path point (a book snapshot, then its trade). Returns false once the replay is over. */
  step(): boolean {
    if (this.pointIndex >= this.path.length) {
      if (this.candleIndex >= this.klines.length - 1) return false;
      this.candleIndex++;
      this.path = this.buildPath(this.klines[this.candleIndex]!);
      this.pointIndex = 0;
    }
    const point = this.path[this.pointIndex++]!;
    this.emitter.emit(point.book);
    if (point.trade) this.emitter.emit(point.trade);
    return true;
  }

  /**
   * Plays the rest of the current candle, or the whole next one when the current one is complete.
   * Returns the candle played, or undefined once the replay is over.
   */
  stepCandle(): Kline | undefined {
    if (!this.step()) return undefined;
    while (this.pointIndex < this.path.length) this.step();
    return this.currentCandle;
  }

  start(intervalMs: number = this.intervalMs): void {
    if (this.timer) return;
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive: ${intervalMs}`);
    this.timer = setInterval(() => {
      if (!this.step()) this.stop();
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private buildPath(kline: Kline): PathPoint[] {
    const { tickSize, stepSize } = this.options;
    let low = ceilToStep(kline.low, tickSize);
    let high = floorToStep(kline.high, tickSize);
    // A candle narrower than one tick with no tick inside it (only off-grid data): stay on its exact range.
    if (low.gt(high)) {
      low = kline.low;
      high = kline.high;
    }
    const clamp = (price: Decimal): Decimal =>
      minDecimal(maxDecimal(roundToStep(price, tickSize), low), high);

    const bullish = kline.close.gte(kline.open);
    const anchors = bullish
      ? [kline.open, kline.low, kline.high, kline.close]
      : [kline.open, kline.high, kline.low, kline.close];
    const prices: Decimal[] = [clamp(anchors[0]!)];
    for (let leg = 1; leg < anchors.length; leg++) {
      const from = anchors[leg - 1]!;
      const to = anchors[leg]!;
      for (let m = 1; m <= this.pointsPerLeg; m++) {
        prices.push(clamp(from.add(to.sub(from).mul(m).div(this.pointsPerLeg))));
      }
    }

    const count = prices.length;
    const share = floorToStep(kline.volume.div(count), stepSize);
    const lastShare = kline.volume.sub(share.mul(count - 1));
    const start = kline.openTime.getTime();
    return prices.map((price, i) => {
      const aggressor = this.aggressorFor(price, bullish);
      this.lastPrice = price;
      this.lastAggressor = aggressor;
      const timestamp = new Date(start + Math.floor((i * (this.candleMs - 1)) / (count - 1)));
      const quantity = i === count - 1 ? lastShare : share;
      const book = this.book(kline, price, aggressor, low, high, timestamp);
      const trade: TradeEvent | undefined = quantity.gt(0)
        ? {
            kind: 'trade',
            symbol: this.options.symbol,
            marketType: this.options.marketType,
            price,
            quantity,
            aggressor,
            timestamp,
          }
        : undefined;
      return { book, trade };
    });
  }

  /** Up-moves are lifted offers, down-moves hit bids; a flat move alternates so both sides trade. */
  private aggressorFor(price: Decimal, bullish: boolean): Side {
    if (this.lastPrice === undefined) return bullish ? 'buy' : 'sell';
    if (price.gt(this.lastPrice)) return 'buy';
    if (price.lt(this.lastPrice)) return 'sell';
    return this.lastAggressor === 'buy' ? 'sell' : 'buy';
  }

  /**
   * The book around a path point, trimmed to the candle's range. The trade at this point took the touch on
   * its aggressor's far side, so a buy prints at the best ask and a sell at the best bid.
   */
  private book(
    kline: Kline,
    price: Decimal,
    aggressor: Side,
    low: Decimal,
    high: Decimal,
    timestamp: Date,
  ): BookSnapshotEvent {
    const tick = this.options.tickSize;
    const sizes = this.levelSizes(kline.volume);
    let bids: BookLevel[];
    let asks: BookLevel[];
    if (high.sub(low).lt(tick)) {
      // No room for a one-tick spread inside the candle: show one side at a time rather than quote outside it.
      const levels = [{ price, quantity: sizes[0]! }];
      bids = aggressor === 'sell' ? levels : [];
      asks = aggressor === 'buy' ? levels : [];
    } else {
      let bestBid: Decimal;
      let bestAsk: Decimal;
      if (aggressor === 'buy') {
        [bestBid, bestAsk] = price.sub(tick).gte(low) ? [price.sub(tick), price] : [price, price.add(tick)];
      } else {
        [bestBid, bestAsk] = price.add(tick).lte(high) ? [price, price.add(tick)] : [price.sub(tick), price];
      }
      bids = this.levels(bestBid, tick.neg(), low, high, sizes);
      asks = this.levels(bestAsk, tick, low, high, sizes);
    }
    return {
      kind: 'book',
      symbol: this.options.symbol,
      marketType: this.options.marketType,
      bids,
      asks,
      timestamp,
    };
  }

  private levels(
    best: Decimal,
    increment: Decimal,
    low: Decimal,
    high: Decimal,
    sizes: readonly Decimal[],
  ): BookLevel[] {
    const levels: BookLevel[] = [];
    let price = best;
    for (const quantity of sizes) {
      if (price.lt(low) || price.gt(high)) break;
      levels.push({ price, quantity });
      price = price.add(increment);
    }
    return levels;
  }

  /** Sizes grow linearly away from the touch; the side's total is `depthShare` of the candle's volume. */
  private levelSizes(volume: Decimal): Decimal[] {
    const { stepSize } = this.options;
    const levels = this.depthLevels;
    const unit = volume.mul(this.depthShare).div((levels * (levels + 1)) / 2);
    const sizes: Decimal[] = [];
    for (let i = 0; i < levels; i++) {
      sizes.push(maxDecimal(stepSize, floorToStep(unit.mul(i + 1), stepSize)));
    }
    return sizes;
  }
}
