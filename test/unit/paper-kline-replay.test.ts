import { describe, expect, it } from 'vitest';
import { ceilToStep, floorToStep, type Decimal } from '../../src/domain/decimal.ts';
import type { OrderType, Side, TimeInForce } from '../../src/domain/order-types.ts';
import type { OrderRef, VenueFill, VenueOrderSnapshot } from '../../src/execution/venue-port.ts';
import { generateKlines } from '../../src/venues/market-data/generate-klines.ts';
import { readKlineFile, type Kline } from '../../src/venues/market-data/kline-file.ts';
import { KlineReplayFeed } from '../../src/venues/market-data/kline-replay-feed.ts';
import { PaperVenue } from '../../src/venues/paper/paper-venue.ts';
import { BTCUSDT_SPOT } from '../fixtures/paper-markets.ts';
import { d } from '../fixtures/paper-orders.ts';
import { BTC_CSV } from '../support/market-data-files.ts';

const { tickSize, stepSize } = BTCUSDT_SPOT;

/** Sizes from a dust order to one far larger than any replayed book. */
const MARKET_SIZES = ['0.00012', '0.015', '0.3', '2.5', '40'].map(d);
const LIMIT_OFFSETS_TICKS = [1, 7, 50, 400];

interface Outcome {
  readonly outOfRange: string[];
  readonly inconsistencies: string[];
  readonly takerFills: number;
  readonly makerFills: number;
  readonly expiredWithFills: number;
  readonly filledLimits: number;
}

/**
 * Replays candles into a PaperVenue while trading every candle: market buys and sells of many sizes
 * (some mid-candle), resting limits on both sides at several distances, IOC limits, stops. Every fill is
 * attributed to the candle being played when the venue produced it.
 */
async function tradeThrough(klines: readonly Kline[]): Promise<Outcome> {
  const feed = new KlineReplayFeed({ symbol: 'BTCUSDT', marketType: 'spot', klines, tickSize, stepSize });
  const venue = new PaperVenue({ markets: [BTCUSDT_SPOT], feed, instanceId: 'replay' });
  const seen = new Map<string, { fill: VenueFill; candle: Kline }>();
  const finalOrders = new Map<string, VenueOrderSnapshot>();
  const record = (order: VenueOrderSnapshot): void => {
    const candle = feed.currentCandle!;
    for (const fill of order.fills) if (!seen.has(fill.tradeId)) seen.set(fill.tradeId, { fill, candle });
    finalOrders.set(order.clientOrderId, order);
  };
  venue.onExecutionReport((report) => record(report.order));

  let sequence = 0;
  const resting: { ref: OrderRef; placedAt: number }[] = [];
  const submit = async (
    side: Side,
    type: OrderType,
    quantity: Decimal,
    extra: { price?: Decimal; stopPrice?: Decimal; timeInForce?: TimeInForce } = {},
  ): Promise<void> => {
    const clientOrderId = `r-${++sequence}`;
    const result = await venue.submit({
      accountRef: 'acct',
      clientOrderId,
      symbol: 'BTCUSDT',
      marketType: 'spot',
      side,
      type,
      timeInForce: extra.timeInForce ?? 'GTC',
      quantity,
      reduceOnly: false,
      ...(extra.price && { price: extra.price }),
      ...(extra.stopPrice && { stopPrice: extra.stopPrice }),
    });
    if (result.kind !== 'accepted') return;
    record(result.order);
    if (result.order.status === 'NEW' || result.order.status === 'PARTIALLY_FILLED') {
      resting.push({
        ref: { accountRef: 'acct', symbol: 'BTCUSDT', marketType: 'spot', clientOrderId },
        placedAt: feed.currentCandleIndex,
      });
    }
  };

  for (let index = 0; index < klines.length; index++) {
    const mark = venue.markPrice('BTCUSDT', 'spot');
    if (mark) {
      const size = MARKET_SIZES[index % MARKET_SIZES.length]!;
      const offset = tickSize.mul(LIMIT_OFFSETS_TICKS[index % LIMIT_OFFSETS_TICKS.length]!);
      await submit('buy', 'market', size);
      await submit('sell', 'market', MARKET_SIZES[(index + 2) % MARKET_SIZES.length]!);
      await submit('buy', 'limit', d('0.05'), { price: floorToStep(mark.sub(offset), tickSize) });
      await submit('sell', 'limit', d('0.05'), { price: ceilToStep(mark.add(offset), tickSize) });
      // Marketable limits: take what is there up to the price, rest or expire the rest.
      await submit('buy', 'limit', size, {
        price: ceilToStep(mark.add(offset), tickSize),
        timeInForce: index % 2 ? 'IOC' : 'GTC',
      });
      await submit('sell', 'limit', d('0.2'), {
        price: floorToStep(mark.sub(offset), tickSize),
        timeInForce: 'FOK',
      });
      if (index % 3 === 0) {
        await submit('buy', 'stop_market', d('0.1'), { stopPrice: ceilToStep(mark.add(offset), tickSize) });
        await submit('sell', 'take_profit', d('0.1'), { stopPrice: ceilToStep(mark.add(offset), tickSize) });
        await submit('sell', 'stop_limit', d('0.1'), {
          stopPrice: floorToStep(mark.sub(offset), tickSize),
          price: floorToStep(mark.sub(offset).sub(offset), tickSize),
        });
      }
    }
    // Part of the candle, a market order in the middle of it, then the rest.
    feed.step();
    feed.step();
    feed.step();
    await submit(index % 2 ? 'buy' : 'sell', 'market', MARKET_SIZES[(index + 1) % MARKET_SIZES.length]!);
    feed.stepCandle();

    // Keep the resting set bounded, as a bot would: cancel what has waited five candles.
    while (resting.length > 0 && resting[0]!.placedAt <= index - 5) {
      const result = await venue.cancel(resting.shift()!.ref);
      if (result.kind === 'canceled' || result.kind === 'already_final') record(result.order);
    }
  }

  const outOfRange: string[] = [];
  let takerFills = 0;
  let makerFills = 0;
  for (const { fill, candle } of seen.values()) {
    if (fill.liquidity === 'taker') takerFills++;
    else makerFills++;
    if (fill.price.lt(candle.low) || fill.price.gt(candle.high)) {
      outOfRange.push(
        `${fill.tradeId} ${fill.liquidity} @ ${fill.price} outside ${candle.openTime.toISOString()} [${candle.low}, ${candle.high}]`,
      );
    }
  }

  const inconsistencies: string[] = [];
  let expiredWithFills = 0;
  let filledLimits = 0;
  for (const order of finalOrders.values()) {
    const sum = order.fills.reduce((total, fill) => total.add(fill.quantity), d('0'));
    if (!sum.eq(order.filledQuantity))
      inconsistencies.push(`${order.clientOrderId}: fills ${sum} != filled ${order.filledQuantity}`);
    if (order.status === 'EXPIRED' && order.filledQuantity.gt(0)) expiredWithFills++;
    if (order.status === 'FILLED' && order.fills.some((fill) => fill.liquidity === 'maker')) filledLimits++;
  }
  return {
    outOfRange: outOfRange.slice(0, 20),
    inconsistencies,
    takerFills,
    makerFills,
    expiredWithFills,
    filledLimits,
  };
}

function expectRealistic(outcome: Outcome, candles: number): void {
  expect(outcome.outOfRange).toEqual([]);
  expect(outcome.inconsistencies).toEqual([]);
  // The scenario really traded: takers every candle, makers often, big orders ran out of book.
  expect(outcome.takerFills).toBeGreaterThan(candles * 3);
  expect(outcome.makerFills).toBeGreaterThan(candles / 4);
  expect(outcome.expiredWithFills).toBeGreaterThan(candles / 10);
  expect(outcome.filledLimits).toBeGreaterThan(candles / 10);
}

describe('paper venue over replayed candles: every fill inside its candle', () => {
  it('generated BTCUSDT-like klines (with gaps, one-price and empty candles)', async () => {
    const klines = generateKlines({
      count: 800,
      startPrice: d('96440.01'),
      tickSize,
      stepSize,
      seed: 'replay',
    });
    expectRealistic(await tradeThrough(klines), klines.length);
  });

  it.skipIf(!BTC_CSV)('the first 2,000 real BTCUSDT 1m spot candles', async () => {
    const klines = readKlineFile(BTC_CSV!, { limit: 2000 });
    expect(klines).toHaveLength(2000);
    expectRealistic(await tradeThrough(klines), klines.length);
  });
});
