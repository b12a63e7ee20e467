import { Decimal, floorToStep, roundToStep } from '../../domain/decimal.ts';
import type { MarketType, Side } from '../../domain/order-types.ts';
import type { BookLevel, MarketDataFeed, MarketEvent } from './market-event.ts';
import { MarketEventEmitter } from './market-event-emitter.ts';
import { SeededRandom } from './seeded-random.ts';

/** One instrument the synthetic market quotes. A `MarketRules` plus a `startPrice` fits. */
export interface SyntheticMarket {
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly startPrice: Decimal;
  readonly tickSize: Decimal;
  readonly stepSize: Decimal;
}

export interface SyntheticFeedOptions {
  readonly markets: readonly SyntheticMarket[];
  /** Same seed, same market: every price, size and aggressor repeats. */
  readonly seed?: number | string;
  /** Period of `start()`; default 1000 ms. */
  readonly intervalMs?: number;
  /**
   * Standard deviation of the relative move of the touch per step (0.0002 = 2 bp). A rate, not a price.
   * The default is about what BTCUSDT does in one second on a lively day.
   */
  readonly volatility?: number;
  /** Levels per side; default 20. */
  readonly depthLevels?: number;
  /** Quote value resting at the best level; deeper levels hold more. Default 2,500. */
  readonly touchNotional?: Decimal;
  readonly clock?: () => Date;
}

interface WalkState {
  readonly market: SyntheticMarket;
  /** The walk runs in whole ticks and whole steps so every price and size is on the grid by construction. */
  bidTicks: number;
}

const DEFAULT_INTERVAL_MS = 1000;
const DEFAULT_VOLATILITY = 0.0002;
const DEFAULT_DEPTH_LEVELS = 20;
const DEFAULT_TOUCH_NOTIONAL = new Decimal(2500);

/**
 * A seeded random-walk market: each step moves every symbol's touch, publishes a full book snapshot
 * (spread of one to three ticks, sizes growing away from the touch) and prints one to three trades at the
 * touch with a random aggressor.
 */
export class SyntheticFeed implements MarketDataFeed {
  private readonly emitter = new MarketEventEmitter();
  private readonly random: SeededRandom;
  private readonly states: WalkState[];
  private readonly intervalMs: number;
  private readonly volatility: number;
  private readonly depthLevels: number;
  private readonly touchNotional: Decimal;
  private readonly clock: () => Date;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: SyntheticFeedOptions) {
    this.random = new SeededRandom(options.seed ?? 1);
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.volatility = options.volatility ?? DEFAULT_VOLATILITY;
    this.depthLevels = options.depthLevels ?? DEFAULT_DEPTH_LEVELS;
    this.touchNotional = options.touchNotional ?? DEFAULT_TOUCH_NOTIONAL;
    this.clock = options.clock ?? (() => new Date());
    if (!(this.intervalMs > 0)) throw new RangeError(`intervalMs must be positive: ${this.intervalMs}`);
    if (!(this.volatility >= 0)) throw new RangeError(`volatility must be >= 0: ${this.volatility}`);
    if (!Number.isInteger(this.depthLevels) || this.depthLevels < 1) {
      throw new RangeError(`depthLevels must be a positive integer: ${this.depthLevels}`);
    }
    this.states = options.markets.map((market) => {
      if (!market.tickSize.gt(0) || !market.stepSize.gt(0)) {
        throw new RangeError(`${market.symbol}: tickSize and stepSize must be positive`);
      }
      if (!market.startPrice.gt(0)) throw new RangeError(`${market.symbol}: startPrice must be positive`);
      const ticks = roundToStep(market.startPrice, market.tickSize).div(market.tickSize).toNumber();
      return { market, bidTicks: Math.max(1, ticks) };
    });
  }

  onEvent(listener: (event: MarketEvent) => void): () => void {
    return this.emitter.subscribe(listener);
  }

  /** Emits exactly one tick (a book snapshot and its trades for every market), synchronously. */
  step(): void {
    const timestamp = this.clock();
    for (const state of this.states) {
      for (const event of this.tick(state, timestamp)) this.emitter.emit(event);
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.step(), this.intervalMs);
    // A market-data heartbeat must never keep the process alive on its own.
    this.timer.unref();
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  private tick(state: WalkState, timestamp: Date): MarketEvent[] {
    const { market } = state;
    const random = this.random;
    // Below half a tick of expected move, prices would freeze; keep at least a one-tick jitter.
    const sigmaTicks = Math.max(0.5, this.volatility * state.bidTicks);
    state.bidTicks = Math.max(1, state.bidTicks + Math.round(random.normal() * sigmaTicks));

    const roll = random.next();
    const spreadTicks = roll < 0.7 ? 1 : roll < 0.9 ? 2 : 3;
    const askTicks = state.bidTicks + spreadTicks;

    const touchPrice = new Decimal(state.bidTicks).mul(market.tickSize);
    const baseSteps = Math.max(
      1,
      floorToStep(this.touchNotional.div(touchPrice), market.stepSize).div(market.stepSize).toNumber(),
    );
    const bids = this.side(market, state.bidTicks, -1, baseSteps);
    const asks = this.side(market, askTicks, 1, baseSteps);

    const events: MarketEvent[] = [
      { kind: 'book', symbol: market.symbol, marketType: market.marketType, bids, asks, timestamp },
    ];
    const tradeCount = random.int(1, 3);
    for (let i = 0; i < tradeCount; i++) {
      const aggressor: Side = random.chance(0.5) ? 'buy' : 'sell';
      const levels = aggressor === 'buy' ? asks : bids;
      // Now and then a trade sweeps the touch and prints one level deeper.
      const level = (random.chance(0.1) ? levels[1] : undefined) ?? levels[0];
      if (!level) continue;
      const levelSteps = level.quantity.div(market.stepSize).toNumber();
      const steps = Math.max(1, Math.round(levelSteps * random.next() * 0.3));
      events.push({
        kind: 'trade',
        symbol: market.symbol,
        marketType: market.marketType,
        price: level.price,
        quantity: new Decimal(steps).mul(market.stepSize),
        aggressor,
        timestamp,
      });
    }
    return events;
  }

  private side(
    market: SyntheticMarket,
    touchTicks: number,
    direction: 1 | -1,
    baseSteps: number,
  ): BookLevel[] {
    const levels: BookLevel[] = [];
    let ticks = touchTicks;
    let previousSteps = 0;
    for (let i = 0; i < this.depthLevels; i++) {
      if (ticks <= 0) break;
      const raw = Math.round(baseSteps * (1 + 0.25 * i) * (0.6 + 0.8 * this.random.next()));
      const steps = Math.max(1, previousSteps, raw);
      previousSteps = steps;
      levels.push({
        price: new Decimal(ticks).mul(market.tickSize),
        quantity: new Decimal(steps).mul(market.stepSize),
      });
      ticks += direction * (this.random.chance(0.25) ? 2 : 1);
    }
    return levels;
  }
}
