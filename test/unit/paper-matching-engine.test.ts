import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { ZERO, type Decimal } from '../../src/domain/decimal.ts';
import type {
  ExecutionReport,
  VenueOrderRequest,
  VenueOrderSnapshot,
  VenueSubmitResult,
} from '../../src/execution/venue-port.ts';
import { ManualFeed } from '../../src/venues/market-data/manual-feed.ts';
import { PaperVenue } from '../../src/venues/paper/paper-venue.ts';
import { PAPER_MARKETS } from '../fixtures/paper-markets.ts';
import { bookEvent, d, levels, orderRequest, refOf, tradeEvent } from '../fixtures/paper-orders.ts';

const SUBMITTED_AT = new Date('2024-12-01T00:00:30.000Z');

/** asks 100 x 1, 100.5 x 2, 101 x 3; bids 99.9 x 1, 99.5 x 2, 99 x 5 */
const STANDARD_BOOK = bookEvent(
  levels(['99.90', '1'], ['99.50', '2'], ['99.00', '5']),
  levels(['100.00', '1'], ['100.50', '2'], ['101.00', '3']),
);

let feed: ManualFeed;
let venue: PaperVenue;
let reports: ExecutionReport[];

beforeEach(() => {
  feed = new ManualFeed();
  venue = new PaperVenue({ markets: PAPER_MARKETS, feed, instanceId: 'pv1', clock: () => SUBMITTED_AT });
  reports = [];
  venue.onExecutionReport((report) => reports.push(report));
  feed.push(STANDARD_BOOK);
});

function accepted(result: VenueSubmitResult): VenueOrderSnapshot {
  if (result.kind !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(result)}`);
  return result.order;
}

async function place(overrides: Partial<VenueOrderRequest>): Promise<VenueOrderSnapshot> {
  return accepted(await venue.submit(orderRequest(overrides)));
}

/** `[price, quantity]` of each fill, as canonical strings. */
function fillsOf(order: VenueOrderSnapshot): [string, string][] {
  return order.fills.map((fill) => [fill.price.toFixed(), fill.quantity.toFixed()]);
}

function vwap(order: VenueOrderSnapshot): Decimal {
  const notional = order.fills.reduce((sum, fill) => sum.add(fill.price.mul(fill.quantity)), ZERO);
  return notional.div(order.filledQuantity);
}

function lastReportFor(clientOrderId: string): VenueOrderSnapshot | undefined {
  return reports.filter((report) => report.order.clientOrderId === clientOrderId).at(-1)?.order;
}

describe('taker orders walk the book', () => {
  it('a market buy walks three levels: real VWAP and slippage, taker fees exact', async () => {
    const order = await place({ type: 'market', quantity: d('4') });

    expect(order.status).toBe('FILLED');
    expect(order.filledQuantity.toFixed()).toBe('4');
    expect(fillsOf(order)).toEqual([
      ['100', '1'],
      ['100.5', '2'],
      ['101', '1'],
    ]);
    expect(vwap(order).toFixed()).toBe('100.5');
    // Slippage against the best ask when the order arrived.
    expect(vwap(order).sub(d('100')).toFixed()).toBe('0.5');
    expect(order.fills.map((fill) => fill.fee.toFixed())).toEqual(['0.1', '0.201', '0.101']);
    expect(order.fills.every((fill) => fill.liquidity === 'taker' && fill.feeAsset === 'USDT')).toBe(true);
    expect(order.fills.every((fill) => fill.timestamp === SUBMITTED_AT)).toBe(true);
  });

  it('liquidity our fills consumed stays gone until the next snapshot', async () => {
    await place({ type: 'market', quantity: d('2') });
    const second = await place({ type: 'market', quantity: d('2') });
    expect(fillsOf(second)).toEqual([
      ['100.5', '1'],
      ['101', '1'],
    ]);

    feed.push(STANDARD_BOOK);
    const third = await place({ type: 'market', quantity: d('1') });
    expect(fillsOf(third)).toEqual([['100', '1']]);
  });

  it('a market sell walks the bids downwards', async () => {
    const order = await place({ type: 'market', side: 'sell', quantity: d('2.5') });
    expect(fillsOf(order)).toEqual([
      ['99.9', '1'],
      ['99.5', '1.5'],
    ]);
    expect(vwap(order).toFixed()).toBe('99.66');
  });

  it('a market order larger than the book fills what there is, then EXPIRED (Binance)', async () => {
    const order = await place({ type: 'market', quantity: d('10') });
    expect(order.status).toBe('EXPIRED');
    expect(order.filledQuantity.toFixed()).toBe('6');
    expect(fillsOf(order)).toEqual([
      ['100', '1'],
      ['100.5', '2'],
      ['101', '3'],
    ]);
    // The book is empty on that side now: the next market buy gets nothing and expires.
    const next = await place({ type: 'market', quantity: d('1') });
    expect(next.status).toBe('EXPIRED');
    expect(next.fills).toEqual([]);
  });

  it('protectionPrice stops the walk; the rest expires', async () => {
    const buy = await place({ type: 'market', quantity: d('4'), protectionPrice: d('100.50') });
    expect(buy.status).toBe('EXPIRED');
    expect(fillsOf(buy)).toEqual([
      ['100', '1'],
      ['100.5', '2'],
    ]);
    const sell = await place({ type: 'market', side: 'sell', quantity: d('4'), protectionPrice: d('99.60') });
    expect(sell.status).toBe('EXPIRED');
    expect(fillsOf(sell)).toEqual([['99.9', '1']]);
  });

  it('IOC limit: fills up to its price, the rest EXPIRED', async () => {
    const order = await place({ timeInForce: 'IOC', quantity: d('5'), price: d('100.50') });
    expect(order.status).toBe('EXPIRED');
    expect(order.filledQuantity.toFixed()).toBe('3');
    expect(fillsOf(order)).toEqual([
      ['100', '1'],
      ['100.5', '2'],
    ]);
  });

  it('FOK is all or nothing, and nothing leaves the book untouched', async () => {
    const tooBig = await place({ type: 'market', timeInForce: 'FOK', quantity: d('7') });
    expect(tooBig.status).toBe('EXPIRED');
    expect(tooBig.fills).toEqual([]);
    expect(tooBig.filledQuantity.toFixed()).toBe('0');

    const limitTooBig = await place({ timeInForce: 'FOK', quantity: d('4'), price: d('100.50') });
    expect(limitTooBig.status).toBe('EXPIRED');
    expect(limitTooBig.fills).toEqual([]);

    const fits = await place({ timeInForce: 'FOK', quantity: d('3'), price: d('100.50') });
    expect(fits.status).toBe('FILLED');
    expect(fillsOf(fits)).toEqual([
      ['100', '1'],
      ['100.5', '2'],
    ]);
  });

  it('a marketable GTC limit takes what it can as taker and rests the rest', async () => {
    const order = await place({ quantity: d('5'), price: d('100.50') });
    expect(order.status).toBe('PARTIALLY_FILLED');
    expect(order.filledQuantity.toFixed()).toBe('3');
    expect(venue.openOrders().map((open) => open.clientOrderId)).toEqual([order.clientOrderId]);

    feed.push(tradeEvent('100.40', '0.5', 'sell'));
    const after = await venue.fetchOrder(refOf({ ...orderRequest(), clientOrderId: order.clientOrderId }));
    expect(after?.filledQuantity.toFixed()).toBe('3.5');
    expect(after?.fills.at(-1)).toMatchObject({ liquidity: 'maker' });
    // At its own price: the book quoted up to 101, so the market did reach 100.50.
    expect(after?.fills.at(-1)?.price.toFixed()).toBe('100.5');
  });

  it('maker and taker fees are exact decimals at the configured rates', async () => {
    const priced = new PaperVenue({
      markets: PAPER_MARKETS,
      feed,
      instanceId: 'fees',
      makerFeeRate: d('0.0002'),
      takerFeeRate: d('0.0005'),
    });
    feed.push(bookEvent(levels(['96440.00', '1']), levels(['96440.01', '1'])));
    const taker = accepted(await priced.submit(orderRequest({ type: 'market', quantity: d('0.12345') })));
    expect(taker.fills[0]?.fee.toFixed()).toBe('5.95275961725');
    expect(priced.feeRates('BTCUSDT', 'spot')).toEqual({ maker: d('0.0002'), taker: d('0.0005') });

    const makerRequest = orderRequest({ quantity: d('0.12345'), price: d('96440.01') });
    feed.push(bookEvent(levels(['96440.00', '1']), levels(['96440.02', '1'])));
    accepted(await priced.submit(makerRequest));
    feed.push(tradeEvent('96440.01', '1', 'sell'));
    const maker = await priced.fetchOrder(refOf(makerRequest));
    expect(maker?.status).toBe('FILLED');
    expect(maker?.fills[0]?.liquidity).toBe('maker');
    expect(maker?.fills[0]?.fee.toFixed()).toBe('2.3811038469');
  });

  it('every trade id and venue order id is unique and carries the instance prefix', async () => {
    const orders = [
      await place({ type: 'market', quantity: d('4') }),
      await place({ type: 'market', side: 'sell', quantity: d('3') }),
    ];
    const tradeIds = orders.flatMap((order) => order.fills.map((fill) => fill.tradeId));
    expect(new Set(tradeIds).size).toBe(tradeIds.length);
    expect(tradeIds.every((id) => id.startsWith('pv1-'))).toBe(true);
    expect(orders[0]!.venueOrderId).not.toBe(orders[1]!.venueOrderId);

    const otherInstance = new PaperVenue({ markets: PAPER_MARKETS, feed: new ManualFeed() });
    const anotherInstance = new PaperVenue({ markets: PAPER_MARKETS, feed: new ManualFeed() });
    const prefix = (venueUnderTest: PaperVenue): Promise<VenueSubmitResult> =>
      venueUnderTest.submit(orderRequest({ price: d('1') }));
    const [a, b] = [accepted(await prefix(otherInstance)), accepted(await prefix(anotherInstance))];
    expect(a.venueOrderId).not.toBe(b.venueOrderId);
  });
});

describe('resting limit orders', () => {
  it('rests as NEW, fills partially bounded by trade volume, then fully, at its own price', async () => {
    const order = await place({ quantity: d('2'), price: d('99.00') });
    expect(order.status).toBe('NEW');
    expect(order.fills).toEqual([]);

    feed.push(tradeEvent('99.50', '3', 'sell'));
    expect(reports).toEqual([]);

    feed.push(tradeEvent('99.00', '0.5', 'sell'));
    const partial = lastReportFor(order.clientOrderId)!;
    expect(partial.status).toBe('PARTIALLY_FILLED');
    expect(fillsOf(partial)).toEqual([['99', '0.5']]);
    expect(partial.fills[0]!.liquidity).toBe('maker');
    expect(partial.fills[0]!.fee.toFixed()).toBe('0.0495');

    feed.push(tradeEvent('98.90', '5', 'sell'));
    const full = lastReportFor(order.clientOrderId)!;
    expect(full.status).toBe('FILLED');
    expect(fillsOf(full)).toEqual([
      ['99', '0.5'],
      ['99', '1.5'],
    ]);
    expect(full.filledQuantity.toFixed()).toBe('2');
    expect(reports).toHaveLength(2);
  });

  it('a resting sell fills when a trade prints at or above its price', async () => {
    const order = await place({ side: 'sell', quantity: d('1'), price: d('100.80') });
    feed.push(tradeEvent('100.70', '5', 'buy'));
    expect(reports).toEqual([]);
    feed.push(tradeEvent('100.80', '0.25', 'buy'));
    expect(fillsOf(lastReportFor(order.clientOrderId)!)).toEqual([['100.8', '0.25']]);
  });

  it('one trade is shared among our resting orders in price-time priority, never counted twice', async () => {
    const early = await place({ quantity: d('1'), price: d('99.50') });
    const better = await place({ quantity: d('1'), price: d('99.80') });
    const late = await place({ quantity: d('1'), price: d('99.50') });

    feed.push(tradeEvent('99.40', '1.5', 'sell'));
    expect(lastReportFor(better.clientOrderId)?.filledQuantity.toFixed()).toBe('1');
    expect(lastReportFor(early.clientOrderId)?.filledQuantity.toFixed()).toBe('0.5');
    expect(lastReportFor(late.clientOrderId)).toBeUndefined();
  });

  it('a snapshot whose asks cross a resting buy fills it, bounded by each crossing level', async () => {
    const order = await place({ quantity: d('3'), price: d('99.00') });
    feed.push(bookEvent(levels(['98.70', '4']), levels(['98.80', '1'], ['98.90', '1'], ['99.10', '5'])));
    const crossed = lastReportFor(order.clientOrderId)!;
    expect(crossed.status).toBe('PARTIALLY_FILLED');
    expect(fillsOf(crossed)).toEqual([
      ['98.8', '1'],
      ['98.9', '1'],
    ]);
    expect(crossed.fills.every((fill) => fill.liquidity === 'maker')).toBe(true);

    feed.push(bookEvent(levels(['98.90', '4']), levels(['99.00', '0.4'], ['99.10', '5'])));
    expect(lastReportFor(order.clientOrderId)?.filledQuantity.toFixed()).toBe('2.4');
  });

  it('a snapshot whose bids cross a resting sell fills it', async () => {
    const order = await place({ side: 'sell', quantity: d('1'), price: d('101.00') });
    feed.push(bookEvent(levels(['101.20', '0.3'], ['101.00', '5']), levels(['101.30', '1'])));
    expect(fillsOf(lastReportFor(order.clientOrderId)!)).toEqual([
      ['101.2', '0.3'],
      ['101', '0.7'],
    ]);
  });

  it('when the market gaps past a resting buy it fills at a price the market showed, not its own', async () => {
    const order = await place({ quantity: d('1'), price: d('99.00') });
    // Only bids quoted (the offer side vanished), then a trade far below the limit.
    feed.push(bookEvent(levels(['96.00', '2']), []));
    feed.push(tradeEvent('96.00', '1', 'sell'));
    expect(fillsOf(lastReportFor(order.clientOrderId)!)).toEqual([['96', '1']]);
  });
});

describe('stop and take-profit orders', () => {
  it('stop_market buy triggers on a print at or above the stop, then walks the book as a market order', async () => {
    const order = await place({ type: 'stop_market', quantity: d('2'), stopPrice: d('100.50') });
    expect(order).toMatchObject({ status: 'NEW', triggered: false });

    feed.push(tradeEvent('100.40', '1', 'buy'));
    feed.push(tradeEvent('98.00', '1', 'sell'));
    expect(reports).toEqual([]);

    feed.push(tradeEvent('100.50', '1', 'buy'));
    const triggered = lastReportFor(order.clientOrderId)!;
    expect(triggered).toMatchObject({ status: 'FILLED', triggered: true });
    expect(fillsOf(triggered)).toEqual([
      ['100', '1'],
      ['100.5', '1'],
    ]);
    expect(triggered.fills.every((fill) => fill.liquidity === 'taker')).toBe(true);
  });

  it('stop_market sell triggers on a print at or below the stop, never above', async () => {
    const order = await place({
      type: 'stop_market',
      side: 'sell',
      quantity: d('1.5'),
      stopPrice: d('99.50'),
    });
    feed.push(tradeEvent('105.00', '1', 'buy'));
    feed.push(tradeEvent('99.51', '1', 'sell'));
    expect(reports).toEqual([]);
    feed.push(tradeEvent('99.40', '1', 'sell'));
    expect(fillsOf(lastReportFor(order.clientOrderId)!)).toEqual([
      ['99.9', '1'],
      ['99.5', '0.5'],
    ]);
  });

  it('a triggered stop_market respects protectionPrice and expires the rest', async () => {
    const order = await place({
      type: 'stop_market',
      quantity: d('4'),
      stopPrice: d('100.10'),
      protectionPrice: d('100.00'),
    });
    feed.push(tradeEvent('100.20', '1', 'buy'));
    const report = lastReportFor(order.clientOrderId)!;
    expect(report).toMatchObject({ status: 'EXPIRED', triggered: true });
    expect(fillsOf(report)).toEqual([['100', '1']]);
  });

  it('stop_limit triggers into a limit: takes up to its price, rests the rest as triggered', async () => {
    const order = await place({
      type: 'stop_limit',
      quantity: d('5'),
      stopPrice: d('100.50'),
      price: d('100.70'),
    });
    feed.push(tradeEvent('100.49', '1', 'buy'));
    expect(reports).toEqual([]);
    feed.push(tradeEvent('100.60', '1', 'buy'));
    const report = lastReportFor(order.clientOrderId)!;
    expect(report).toMatchObject({ status: 'PARTIALLY_FILLED', triggered: true });
    expect(fillsOf(report)).toEqual([
      ['100', '1'],
      ['100.5', '2'],
    ]);
    expect(venue.openOrders().map((open) => open.clientOrderId)).toEqual([order.clientOrderId]);

    // Resting now as a limit at 100.70: a print there fills it as maker.
    feed.push(tradeEvent('100.70', '9', 'sell'));
    const done = lastReportFor(order.clientOrderId)!;
    expect(done.status).toBe('FILLED');
    expect(done.fills.at(-1)).toMatchObject({ liquidity: 'maker' });
    expect(done.fills.at(-1)?.price.toFixed()).toBe('100.7');
  });

  it('take_profit sell triggers when the price rises to the stop, not when it falls', async () => {
    const order = await place({
      type: 'take_profit',
      side: 'sell',
      quantity: d('1'),
      stopPrice: d('100.50'),
    });
    feed.push(tradeEvent('90.00', '1', 'sell'));
    feed.push(tradeEvent('100.49', '1', 'buy'));
    expect(reports).toEqual([]);
    feed.push(tradeEvent('100.50', '1', 'buy'));
    expect(lastReportFor(order.clientOrderId)).toMatchObject({ status: 'FILLED', triggered: true });
    expect(fillsOf(lastReportFor(order.clientOrderId)!)).toEqual([['99.9', '1']]);
  });

  it('take_profit buy triggers when the price falls to the stop; with a price it becomes a limit', async () => {
    const order = await place({
      type: 'take_profit',
      side: 'buy',
      quantity: d('1'),
      stopPrice: d('99.50'),
      price: d('99.40'),
    });
    feed.push(tradeEvent('110.00', '1', 'buy'));
    expect(reports).toEqual([]);
    feed.push(tradeEvent('99.50', '1', 'sell'));
    // Triggered; asks start at 100, so the 99.40 limit rests rather than taking.
    expect(lastReportFor(order.clientOrderId)).toMatchObject({ status: 'NEW', triggered: true });
    expect(lastReportFor(order.clientOrderId)?.fills).toEqual([]);
  });

  it('refuses a stop that is already through the market', async () => {
    feed.push(tradeEvent('100.00', '1', 'buy'));
    const result = await venue.submit(orderRequest({ type: 'stop_market', stopPrice: d('99.90') }));
    expect(result).toMatchObject({ kind: 'rejected', code: '-2021', retryable: false });
    const takeProfit = await venue.submit(
      orderRequest({ type: 'take_profit', side: 'sell', stopPrice: d('99.90') }),
    );
    expect(takeProfit).toMatchObject({ kind: 'rejected', code: '-2021' });
  });
});

describe('validation', () => {
  it('rejects malformed orders definitely, with Binance codes', async () => {
    expect(await venue.submit(orderRequest({ symbol: 'NOPEUSDT', price: d('1') }))).toMatchObject({
      kind: 'rejected',
      code: '-1121',
    });
    expect(await venue.submit(orderRequest({ price: undefined }))).toMatchObject({ code: '-1102' });
    expect(await venue.submit(orderRequest({ price: d('1'), quantity: d('0') }))).toMatchObject({
      code: '-1013',
    });
    expect(await venue.submit(orderRequest({ type: 'stop_market' }))).toMatchObject({ code: '-1102' });
  });
});

describe('properties of the taker walk', () => {
  const levelArb = fc.record({
    ticks: fc.integer({ min: 1, max: 50 }),
    steps: fc.integer({ min: 1, max: 5000 }),
  });
  const sideArb = fc.array(levelArb, { minLength: 0, maxLength: 20 });

  it('never overfills, never trades past protection, and consumes exactly what it filled', async () => {
    await fc.assert(
      fc.asyncProperty(
        sideArb,
        fc.integer({ min: 1, max: 200_000 }),
        fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
        fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
        async (side, quantitySteps, protectionTicks, direction) => {
          const localFeed = new ManualFeed();
          const local = new PaperVenue({ markets: PAPER_MARKETS, feed: localFeed, instanceId: 'prop' });
          const step = d('0.00001');
          const tick = d('0.01');
          // Levels strictly away from a 1000.00 / 1000.01 touch, sizes growing arbitrarily.
          let offset = 0;
          const away = side.map(({ ticks, steps }) => {
            offset += ticks;
            const price =
              direction === 'buy'
                ? d('1000.01').add(tick.mul(offset - 1))
                : d('1000.00').sub(tick.mul(offset - 1));
            return { price, quantity: step.mul(steps) };
          });
          localFeed.push(direction === 'buy' ? bookEvent([], away) : bookEvent(away, []));
          const quantity = step.mul(quantitySteps);
          const protectionPrice =
            protectionTicks === undefined
              ? undefined
              : direction === 'buy'
                ? d('1000.01').add(tick.mul(protectionTicks))
                : d('1000.00').sub(tick.mul(protectionTicks));
          const order = accepted(
            await local.submit(
              orderRequest({
                type: 'market',
                side: direction,
                quantity,
                ...(protectionPrice && { protectionPrice }),
              }),
            ),
          );
          const filled = order.fills.reduce((sum, fill) => sum.add(fill.quantity), ZERO);
          expect(filled.eq(order.filledQuantity)).toBe(true);
          expect(filled.lte(quantity)).toBe(true);
          expect(order.status).toBe(filled.eq(quantity) ? 'FILLED' : 'EXPIRED');
          for (const fill of order.fills) {
            if (protectionPrice) {
              expect(
                direction === 'buy' ? fill.price.lte(protectionPrice) : fill.price.gte(protectionPrice),
              ).toBe(true);
            }
            expect(fill.fee.eq(fill.price.mul(fill.quantity).mul('0.001'))).toBe(true);
          }
          // Prices only get worse as the walk goes on.
          for (let i = 1; i < order.fills.length; i++) {
            const [previous, current] = [order.fills[i - 1]!.price, order.fills[i]!.price];
            expect(direction === 'buy' ? current.gt(previous) : current.lt(previous)).toBe(true);
          }
          const total = away.reduce((sum, level) => sum.add(level.quantity), ZERO);
          const left = local.openOrders().length;
          expect(left).toBe(0);
          // What remains on the book is what was there minus what we took.
          const probe = accepted(
            await local.submit(orderRequest({ type: 'market', side: direction, quantity: total.add(1) })),
          );
          expect(probe.filledQuantity.eq(total.sub(filled))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
