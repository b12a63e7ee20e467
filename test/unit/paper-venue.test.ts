import { describe, expect, it } from 'vitest';
import type {
  ExecutionReport,
  VenueOrderSnapshot,
  VenueSubmitResult,
} from '../../src/execution/venue-port.ts';
import { isMultipleOf } from '../../src/domain/decimal.ts';
import { ManualFeed } from '../../src/venues/market-data/manual-feed.ts';
import { SyntheticFeed } from '../../src/venues/market-data/synthetic-feed.ts';
import { PaperVenue } from '../../src/venues/paper/paper-venue.ts';
import type { RestoredOrder } from '../../src/venues/paper/restored-order.ts';
import { BTCUSDT_FUTURES, BTCUSDT_SPOT, PAPER_MARKETS } from '../fixtures/paper-markets.ts';
import { bookEvent, d, levels, orderRequest, refOf, tradeEvent } from '../fixtures/paper-orders.ts';

const BOOK = bookEvent(levels(['99.90', '1'], ['99.50', '2']), levels(['100.00', '1'], ['100.50', '2']));

function setup(options: { instanceId?: string; latencyMs?: number } = {}) {
  const feed = new ManualFeed();
  const venue = new PaperVenue({ markets: PAPER_MARKETS, feed, ...options });
  const reports: ExecutionReport[] = [];
  venue.onExecutionReport((report) => reports.push(report));
  return { feed, venue, reports };
}

function accepted(result: VenueSubmitResult): VenueOrderSnapshot {
  if (result.kind !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(result)}`);
  return result.order;
}

describe('PaperVenue as a VenuePort', () => {
  it('lists its markets and has a default id', () => {
    const { venue } = setup();
    expect(venue.id).toBe('paper');
    expect(venue.markets()).toHaveLength(PAPER_MARKETS.length);
    expect(venue.market('BTCUSDT', 'futures')).toBe(BTCUSDT_FUTURES);
    expect(venue.market('BTCUSDT', 'spot')?.marketType).toBe('spot');
    expect(venue.market('DOGEUSDT', 'spot')).toBeUndefined();
  });

  it('markPrice: mid of the book, else the last trade, else nothing', () => {
    const { feed, venue } = setup();
    expect(venue.markPrice('BTCUSDT', 'spot')).toBeUndefined();
    feed.push(tradeEvent('99.97', '1'));
    expect(venue.markPrice('BTCUSDT', 'spot')?.toFixed()).toBe('99.97');
    feed.push(BOOK);
    expect(venue.markPrice('BTCUSDT', 'spot')?.toFixed()).toBe('99.95');
    // Futures book is separate from spot.
    expect(venue.markPrice('BTCUSDT', 'futures')).toBeUndefined();
  });

  it('a market order before any book is rejected as retryable NO_LIQUIDITY; a limit may rest', async () => {
    const { feed, venue } = setup();
    // A trade print alone is no book to walk.
    feed.push(tradeEvent('100.00', '1'));
    const result = await venue.submit(orderRequest({ type: 'market' }));
    expect(result).toMatchObject({ kind: 'rejected', code: 'NO_LIQUIDITY', retryable: true });
    const limit = accepted(await venue.submit(orderRequest({ price: d('90') })));
    expect(limit.status).toBe('NEW');
  });

  it('cancel returns the fills so far; a second cancel says already_final', async () => {
    const { feed, venue } = setup();
    feed.push(BOOK);
    const request = orderRequest({ quantity: d('2'), price: d('99.00') });
    accepted(await venue.submit(request));
    feed.push(tradeEvent('99.00', '0.75', 'sell'));

    const canceled = await venue.cancel(refOf(request));
    expect(canceled.kind).toBe('canceled');
    if (canceled.kind !== 'canceled') return;
    expect(canceled.order.status).toBe('CANCELED');
    expect(canceled.order.filledQuantity.toFixed()).toBe('0.75');
    expect(canceled.order.fills.map((fill) => fill.quantity.toFixed())).toEqual(['0.75']);

    // Canceled orders do not fill any more.
    feed.push(tradeEvent('98.00', '10', 'sell'));
    const again = await venue.cancel(refOf(request));
    expect(again).toMatchObject({ kind: 'already_final' });
    if (again.kind === 'already_final') expect(again.order.filledQuantity.toFixed()).toBe('0.75');
  });

  it('cancel of a filled order is already_final with its fills; of an unknown one not_found', async () => {
    const { feed, venue } = setup();
    feed.push(BOOK);
    const request = orderRequest({ type: 'market', quantity: d('1.5') });
    accepted(await venue.submit(request));
    const result = await venue.cancel(refOf(request));
    expect(result.kind).toBe('already_final');
    if (result.kind === 'already_final') {
      expect(result.order.status).toBe('FILLED');
      expect(result.order.fills).toHaveLength(2);
    }
    expect(await venue.cancel({ ...refOf(request), clientOrderId: 'never-sent' })).toMatchObject({
      kind: 'not_found',
    });
    // Same client id, other market: not that order.
    expect(await venue.cancel({ ...refOf(request), marketType: 'futures' })).toMatchObject({
      kind: 'not_found',
    });
  });

  it('a duplicate client order id is rejected with -2010, open or final; other accounts may reuse it', async () => {
    const { feed, venue } = setup();
    feed.push(BOOK);
    const request = orderRequest({ clientOrderId: 'dup-1', type: 'market', quantity: d('0.1') });
    accepted(await venue.submit(request));
    const again = await venue.submit({ ...request, type: 'limit', price: d('50') });
    expect(again).toEqual({
      kind: 'rejected',
      code: '-2010',
      message: 'Duplicate order sent.',
      retryable: false,
    });
    accepted(await venue.submit({ ...request, accountRef: 'acct-2' }));
  });

  it('fetchOrder finds an order by client order id, with every fill', async () => {
    const { feed, venue } = setup();
    feed.push(BOOK);
    const request = orderRequest({ side: 'sell', type: 'market', quantity: d('2') });
    const placed = accepted(await venue.submit(request));
    const fetched = await venue.fetchOrder(refOf(request));
    expect(fetched).toEqual(placed);
    expect(fetched?.fills.map((fill) => fill.price.toFixed())).toEqual(['99.9', '99.5']);
    expect(await venue.fetchOrder({ ...refOf(request), clientOrderId: 'nope' })).toBeUndefined();
    expect(await venue.fetchOrder({ ...refOf(request), accountRef: 'acct-2' })).toBeUndefined();
  });

  it('reports only the changes it makes on its own, not the answers it returns', async () => {
    const { feed, venue, reports } = setup({ instanceId: 'rep' });
    feed.push(BOOK);
    accepted(await venue.submit(orderRequest({ type: 'market', quantity: d('0.5') })));
    const resting = orderRequest({ quantity: d('1'), price: d('99.00') });
    accepted(await venue.submit(resting));
    expect(reports).toEqual([]);

    feed.push(tradeEvent('99.00', '1', 'sell'));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      kind: 'execution_report',
      venue: 'paper',
      accountRef: 'acct-1',
      order: { clientOrderId: resting.clientOrderId, status: 'FILLED' },
    });
  });

  it('restore() after a restart: resting orders keep their ids and keep filling', async () => {
    const before = setup({ instanceId: 'run1' });
    before.feed.push(BOOK);
    const request = orderRequest({ quantity: d('2'), price: d('99.00') });
    const stop = orderRequest({
      type: 'stop_market',
      side: 'sell',
      quantity: d('0.5'),
      stopPrice: d('95.00'),
    });
    const placed = accepted(await before.venue.submit(request));
    const stopPlaced = accepted(await before.venue.submit(stop));
    before.feed.push(tradeEvent('99.00', '0.5', 'sell'));
    const firstFill = before.reports[0]!.order.fills[0]!;

    // The process dies; a new one restores what the store holds as working.
    const after = setup({ instanceId: 'run2' });
    const restoredOrders: RestoredOrder[] = [
      { ...request, venueOrderId: placed.venueOrderId, filledQuantity: d('0.5') },
      { ...stop, venueOrderId: stopPlaced.venueOrderId, filledQuantity: d('0') },
      { ...orderRequest({ type: 'market' }), venueOrderId: 'run1-99', filledQuantity: d('0') },
    ];
    const summary = after.venue.restore(restoredOrders);
    expect(summary.restored).toEqual([request.clientOrderId, stop.clientOrderId]);
    expect(summary.skipped).toHaveLength(1);
    expect(summary.skipped[0]?.reason).toMatch(/does not rest/);
    expect(after.venue.restore(restoredOrders.slice(0, 1)).skipped[0]?.reason).toBe('already known');

    const fetched = await after.venue.fetchOrder(refOf(request));
    expect(fetched).toMatchObject({
      venueOrderId: placed.venueOrderId,
      status: 'PARTIALLY_FILLED',
      fills: [],
    });
    expect(fetched?.filledQuantity.toFixed()).toBe('0.5');
    expect(await after.venue.submit({ ...request })).toMatchObject({ kind: 'rejected', code: '-2010' });

    after.feed.push(BOOK, tradeEvent('98.50', '3', 'sell'));
    const report = after.reports.find((r) => r.order.clientOrderId === request.clientOrderId)!.order;
    expect(report.status).toBe('FILLED');
    expect(report.filledQuantity.toFixed()).toBe('2');
    expect(report.fills.map((fill) => [fill.price.toFixed(), fill.quantity.toFixed()])).toEqual([
      ['99', '1.5'],
    ]);
    // Trade ids of the new process never collide with the old one's.
    expect(report.fills[0]!.tradeId).not.toBe(firstFill.tradeId);
    expect(report.fills[0]!.tradeId.startsWith('run2-')).toBe(true);

    after.feed.push(tradeEvent('94.00', '1', 'sell'));
    const stopReport = after.reports.find((r) => r.order.clientOrderId === stop.clientOrderId)!.order;
    expect(stopReport).toMatchObject({ status: 'FILLED', triggered: true });
  });

  it('simulated latency: the order meets the market as it is when it arrives', async () => {
    const { feed, venue } = setup({ latencyMs: 25 });
    feed.push(BOOK);
    const pending = venue.submit(orderRequest({ type: 'market', quantity: d('1') }));
    feed.push(bookEvent(levels(['101.00', '1']), levels(['101.10', '1'])));
    const order = accepted(await pending);
    expect(order.fills.map((fill) => fill.price.toFixed())).toEqual(['101.1']);
  });

  it('health: degraded until market data arrives, up while it flows, down after close()', () => {
    const { feed, venue, reports } = setup();
    expect(venue.health()).toMatchObject({ venue: 'paper', status: 'degraded' });
    feed.push(BOOK);
    expect(venue.health()).toEqual({ venue: 'paper', status: 'up' });
    venue.close();
    expect(venue.health()).toMatchObject({ status: 'down' });
    expect(feed.subscribers).toBe(0);
    feed.push(tradeEvent('1.00', '100', 'sell'));
    expect(reports).toEqual([]);
  });

  it('after close() submits are refused as retryable', async () => {
    const { venue } = setup();
    venue.close();
    expect(await venue.submit(orderRequest({ price: d('90') }))).toMatchObject({
      kind: 'rejected',
      code: 'VENUE_CLOSED',
      retryable: true,
    });
  });

  it('unsubscribing a listener stops its reports', async () => {
    const { feed, venue } = setup();
    feed.push(BOOK);
    const seen: ExecutionReport[] = [];
    const unsubscribe = venue.onExecutionReport((report) => seen.push(report));
    accepted(await venue.submit(orderRequest({ quantity: d('2'), price: d('99.00') })));
    feed.push(tradeEvent('99.00', '1', 'sell'));
    unsubscribe();
    feed.push(tradeEvent('99.00', '1', 'sell'));
    expect(seen).toHaveLength(1);
  });

  it('trades against a synthetic market: taker fills at the touch, resting orders fill as the walk reaches them', async () => {
    const feed = new SyntheticFeed({ markets: [{ ...BTCUSDT_SPOT, startPrice: d('96440.01') }], seed: 9 });
    const venue = new PaperVenue({ markets: PAPER_MARKETS, feed, instanceId: 'syn' });
    const reports: ExecutionReport[] = [];
    venue.onExecutionReport((report) => reports.push(report));
    feed.step();
    const mark = venue.markPrice('BTCUSDT', 'spot')!;
    const buy = accepted(await venue.submit(orderRequest({ type: 'market', quantity: d('0.01') })));
    expect(buy.status).toBe('FILLED');
    expect(buy.fills[0]!.price.gt(mark)).toBe(true);

    const near = mark.sub(d('5')).toDecimalPlaces(2);
    const resting = orderRequest({ quantity: d('0.002'), price: near });
    accepted(await venue.submit(resting));
    for (let i = 0; i < 2000 && reports.length === 0; i++) feed.step();
    const filled = await venue.fetchOrder(refOf(resting));
    expect(filled?.fills.length).toBeGreaterThan(0);
    for (const fill of filled!.fills) {
      expect(isMultipleOf(fill.price, BTCUSDT_SPOT.tickSize)).toBe(true);
      expect(fill.price.lte(near)).toBe(true);
      expect(fill.liquidity).toBe('maker');
    }
    venue.close();
  });
});
