import { Decimal, roundToStep } from '../../domain/decimal.ts';
import type { Kline } from './kline-file.ts';
import { SeededRandom } from './seeded-random.ts';

export interface GenerateKlinesOptions {
  readonly count: number;
  readonly startPrice: Decimal;
  readonly tickSize: Decimal;
  readonly stepSize: Decimal;
  readonly seed?: number | string;
  readonly startTime?: Date;
  /** Candle length; default one minute. */
  readonly intervalMs?: number;
  /** Standard deviation of the relative close-to-open move per candle (a rate); default 0.001. */
  readonly volatility?: number;
  /** Average volume per candle, base asset; default 10. */
  readonly meanVolume?: Decimal;
}

/**
 * Seeded candles on the market's tick and step grid, for tests and demos without recorded data. They
 * include what real files contain and a replay must survive: opens that gap away from the previous close,
 * one-price candles (high = low) and zero-volume candles.
 */
export function generateKlines(options: GenerateKlinesOptions): Kline[] {
  const random = new SeededRandom(options.seed ?? 1);
  const intervalMs = options.intervalMs ?? 60_000;
  const volatility = options.volatility ?? 0.001;
  const meanVolume = options.meanVolume ?? new Decimal(10);
  const start = (options.startTime ?? new Date(Date.UTC(2024, 0, 1))).getTime();
  const meanSteps = Math.max(1, meanVolume.div(options.stepSize).floor().toNumber());
  const price = (ticks: number): Decimal => new Decimal(ticks).mul(options.tickSize);

  let closeTicks = Math.max(
    1,
    roundToStep(options.startPrice, options.tickSize).div(options.tickSize).toNumber(),
  );
  const klines: Kline[] = [];
  for (let i = 0; i < options.count; i++) {
    const sigma = Math.max(1, volatility * closeTicks);
    const gap = random.chance(0.2) ? random.int(-3, 3) : 0;
    const openTicks = Math.max(1, closeTicks + gap);
    let nextClose: number;
    let highTicks: number;
    let lowTicks: number;
    if (random.chance(0.02)) {
      nextClose = highTicks = lowTicks = openTicks;
    } else {
      nextClose = Math.max(1, openTicks + Math.round(random.normal() * sigma));
      highTicks = Math.max(openTicks, nextClose) + Math.round(Math.abs(random.normal()) * sigma * 0.5);
      lowTicks = Math.max(
        1,
        Math.min(openTicks, nextClose) - Math.round(Math.abs(random.normal()) * sigma * 0.5),
      );
    }
    const volumeSteps = random.chance(0.02) ? 0 : Math.round(meanSteps * (0.2 + 1.6 * random.next()));
    klines.push({
      kind: 'kline',
      openTime: new Date(start + i * intervalMs),
      open: price(openTicks),
      high: price(highTicks),
      low: price(lowTicks),
      close: price(nextClose),
      volume: new Decimal(volumeSteps).mul(options.stepSize),
    });
    closeTicks = nextClose;
  }
  return klines;
}
