import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { startLiveHarness, type LiveHarness } from '../support/live-harness.ts';
import { databaseKind } from '../support/test-database.ts';

describe(`order tracking from the user data stream (${databaseKind})`, () => {
  let L: LiveHarness;
  beforeAll(async () => {
    // The poll is slowed to a minute and the periodic reconciliation to an hour: only the stream can bring
    // these fills in time, and any order or trade lookup counted at the venue was the stream's doing.
    L = await startLiveHarness({
      venue: { userDataStream: true, orderPollMs: 60_000 },
      env: { FILLGATE_RECONCILE_INTERVAL_MS: '3600000' },
    });
    await eventually(
      async () => L.venue.health().detail ?? '',
      (detail) => detail.includes('spot user stream up') && detail.includes('futures user stream up'),
    );
    // The subscription is sent as the stream comes up; give it a moment to land.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });
  afterAll(async () => L?.close());

  const place = async (payload: Record<string, unknown>) => (await L.placeOrder(payload)).body;
  const order = (id: string) => L.h.fillgate.read.findOrder(L.user.userId, id);
  const LOOKUPS = [
    'GET /api/v3/order',
    'GET /api/v3/myTrades',
    'GET /fapi/v1/order',
    'GET /fapi/v1/userTrades',
  ];
  const lookups = () => LOOKUPS.map((endpoint) => L.sim.requestCount(endpoint));
  const simOrder = (clientOrderId: string) =>
    L.sim.ordersOf(L.apiKey).find((o) => o.clientOrderId === clientOrderId)!;

  it('a resting spot order fills from stream events, each fill recorded once', async () => {
    const body = await place({ symbol: 'ETHUSDT', side: 'buy', type: 'limit', quantity: '1', price: '3390' });
    expect(body.status).toBe('PLACED');
    L.s.trade('ETHUSDT', 'spot', '3390', '0.4');
    await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'PARTIALLY_FILLED',
      5_000,
    );
    L.s.trade('ETHUSDT', 'spot', '3389', '5');
    const filled = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'FILLED',
      5_000,
    );
    expect(filled!.status).toBe('FILLED');
    expect(filled!.filledQuantity.toFixed()).toBe('1');
    const fills = await L.h.fillgate.read.listFills(L.user.userId, body.order_id);
    expect(new Set(fills.map((f) => f.venueTradeId)).size).toBe(fills.length);
  });

  it('a resting futures order fills from the listenKey stream', async () => {
    const body = await place({
      account_id: L.user.futuresAccountId,
      market_type: 'futures',
      symbol: 'ETHUSDT',
      side: 'buy',
      type: 'limit',
      quantity: '0.1',
      price: '3390',
      leverage: 5,
    });
    expect(body.status).toBe('PLACED');
    L.s.trade('ETHUSDT', 'futures', '3389', '5');
    const filled = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'FILLED',
      5_000,
    );
    expect(filled!.status).toBe('FILLED');
  });

  it('fills are recorded from the stream events themselves: no order or trade lookup at the venue', async () => {
    const body = await place({ symbol: 'ETHUSDT', side: 'buy', type: 'limit', quantity: '1', price: '3380' });
    expect(body.status).toBe('PLACED');
    const before = lookups();
    L.s.trade('ETHUSDT', 'spot', '3380', '0.4');
    await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'PARTIALLY_FILLED',
      5_000,
    );
    L.s.trade('ETHUSDT', 'spot', '3379', '5');
    const filled = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'FILLED',
      5_000,
    );
    expect(filled!.filledQuantity.toFixed()).toBe('1');
    expect(lookups()).toEqual(before);
    const atVenue = simOrder(filled!.clientOrderId);
    const fills = await L.h.fillgate.read.listFills(L.user.userId, body.order_id);
    expect(fills.map((f) => f.venueTradeId).sort()).toEqual(atVenue.trades.map((t) => String(t.id)).sort());
    for (const fill of fills) {
      const trade = atVenue.trades.find((t) => String(t.id) === fill.venueTradeId)!;
      expect(fill.price.toFixed()).toBe(trade.price.toFixed());
      expect(fill.quantity.toFixed()).toBe(trade.qty.toFixed());
      // The commission as Binance reports it: in the base asset on a spot buy.
      expect(fill.feeAsset).toBe(trade.commissionAsset);
      expect(fill.fee.toFixed()).toBe(trade.commission.toFixed());
    }
  });

  it('a futures fill comes from ORDER_TRADE_UPDATE without an order or trade lookup', async () => {
    const futures = (payload: Record<string, unknown>) =>
      place({ account_id: L.user.futuresAccountId, market_type: 'futures', leverage: 5, ...payload });
    const resting = await futures({
      symbol: 'ETHUSDT',
      side: 'buy',
      type: 'limit',
      quantity: '0.2',
      price: '3370',
    });
    expect(resting.status).toBe('PLACED');
    const before = lookups();
    L.s.trade('ETHUSDT', 'futures', '3369', '5');
    const filled = await eventually(
      () => order(resting.order_id),
      (o) => o?.status === 'FILLED',
      5_000,
    );
    expect(filled!.filledQuantity.toFixed()).toBe('0.2');
    const fills = await L.h.fillgate.read.listFills(L.user.userId, resting.order_id);
    expect(fills).toHaveLength(1);
    expect(fills[0]!.feeAsset).toBe('USDT');
    expect(fills[0]!.fee.toFixed()).toBe(simOrder(filled!.clientOrderId).trades[0]!.commission.toFixed());
    expect(lookups()).toEqual(before);
  });

  it('a futures stop (an algo order) reported on the stream is read over REST and fills on its trigger', async () => {
    const futures = (payload: Record<string, unknown>) =>
      place({ account_id: L.user.futuresAccountId, market_type: 'futures', leverage: 5, ...payload });
    const stop = await futures({
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'stop_market',
      quantity: '0.002',
      stop_price: '97000',
    });
    expect(stop.status).toBe('PLACED');
    const before = L.sim.requestCount('GET /fapi/v1/algoOrder');
    L.s.book('BTCUSDT', 'futures', '97100.00', '97100.10', '1');
    L.s.trade('BTCUSDT', 'futures', '97100', '0.5');
    const filled = await eventually(
      () => order(stop.order_id),
      (o) => o?.status === 'FILLED',
      5_000,
    );
    expect(filled!.status).toBe('FILLED');
    expect(await L.h.fillgate.read.listFills(L.user.userId, stop.order_id)).toHaveLength(1);
    // Its fills are those of the order the trigger placed: the stream event led to the algo order's record.
    expect(L.sim.requestCount('GET /fapi/v1/algoOrder')).toBeGreaterThan(before);
    L.s.book('BTCUSDT', 'futures', '96000.00', '96000.10', '1');
    L.s.trade('BTCUSDT', 'futures', '96000.10', '0.1');
  });

  it('duplicated and stale stream events apply each fill once', async () => {
    L.setFaults({ seed: 7, ws: { duplicateRate: 1, staleRate: 0.5 } });
    try {
      const body = await place({
        symbol: 'ETHUSDT',
        side: 'buy',
        type: 'limit',
        quantity: '0.8',
        price: '3360',
      });
      expect(body.status).toBe('PLACED');
      for (const [price, quantity] of [
        ['3360', '0.3'],
        ['3360', '0.4'],
        ['3359', '5'],
      ] as const) {
        L.s.trade('ETHUSDT', 'spot', price, quantity);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const filled = await eventually(
        () => order(body.order_id),
        (o) => o?.status === 'FILLED',
        5_000,
      );
      expect(filled!.filledQuantity.toFixed()).toBe('0.8');
      const atVenue = simOrder(filled!.clientOrderId);
      expect(atVenue.trades.length).toBeGreaterThanOrEqual(3);
      const fills = await L.h.fillgate.read.listFills(L.user.userId, body.order_id);
      expect(fills.map((f) => f.venueTradeId).sort()).toEqual(atVenue.trades.map((t) => String(t.id)).sort());
      const events = await L.h.fillgate.read.listOrderEvents(L.user.userId, body.order_id);
      // One FILLED event per trade (each with its trade id), however often the stream repeated it.
      const tradeEvents = events.filter(
        (e) => e.kind === 'FILLED' && JSON.stringify(e.detail ?? {}).includes('"trade_id"'),
      );
      expect(tradeEvents).toHaveLength(atVenue.trades.length);
    } finally {
      L.setFaults({});
    }
  });
});
