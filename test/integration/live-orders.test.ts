import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveHarness, type LiveHarness } from '../support/live-harness.ts';
import { databaseKind } from '../support/test-database.ts';
import { eventually } from '../support/eventually.ts';

describe(`live venue through ccxt against the simulator (${databaseKind})`, () => {
  let L: LiveHarness;
  beforeAll(async () => {
    L = await startLiveHarness();
  });
  afterAll(async () => L?.close());

  const place = (payload: Record<string, unknown>) => L.placeOrder(payload);
  const order = (id: string) => L.h.fillgate.read.findOrder(L.user.userId, id);
  const simOrder = (clientOrderId: string) =>
    L.sim.ordersOf(L.apiKey).find((o) => o.clientOrderId === clientOrderId);

  it('markets and mark prices come from the venue', () => {
    expect(L.venue.market('BTCUSDT', 'spot')?.tickSize.toFixed()).toBe('0.01');
    expect(L.venue.market('BTCUSDT', 'futures')).toBeDefined();
    expect(L.venue.markPrice('BTCUSDT', 'spot')?.toFixed()).toBe('96000.005');
    expect(L.venue.health(), L.venue.health().detail).toMatchObject({ venue: 'binance:sim', status: 'up' });
  });

  it('a spot market buy is PLACED and FILLED with the venue order id and its fills', async () => {
    const { code, body } = await place({ symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.01' });
    expect(code).toBe(201);
    expect(body).toMatchObject({ success: true, status: 'PLACED' });
    const stored = (await order(body.order_id))!;
    expect(stored.status).toBe('FILLED');
    expect(stored.filledQuantity.toFixed()).toBe('0.01');
    const atVenue = simOrder(stored.clientOrderId)!;
    expect(String(atVenue.orderId)).toBe(body.exchange_order_id);
    expect(atVenue.snapshot.status).toBe('FILLED');
  });

  it('a resting limit order fills partially, then completely, as the market trades through it', async () => {
    const { body } = await place({
      symbol: 'ETHUSDT',
      side: 'buy',
      type: 'limit',
      quantity: '1',
      price: '3390',
    });
    expect(body.status).toBe('PLACED');
    expect((await order(body.order_id))!.status).toBe('OPEN');
    L.s.trade('ETHUSDT', 'spot', '3390', '0.4');
    const partial = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'PARTIALLY_FILLED',
    );
    expect(partial!.filledQuantity.toFixed()).toBe('0.4');
    L.s.trade('ETHUSDT', 'spot', '3389', '5');
    const filled = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'FILLED',
    );
    expect(filled!.filledQuantity.toFixed()).toBe('1');
    const fills = await L.h.fillgate.read.listFills(L.user.userId, body.order_id);
    expect(fills.length).toBeGreaterThanOrEqual(2);
  });

  it('a limit order is canceled at the venue', async () => {
    const { body } = await place({
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'limit',
      quantity: '0.001',
      price: '90000',
    });
    const res = await L.h.fillgate.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${body.order_id}/cancel`,
      headers: L.user.auth,
    });
    expect(res.statusCode).toBeLessThan(300);
    const stored = (await order(body.order_id))!;
    expect(stored.status).toBe('CANCELED');
    expect(simOrder(stored.clientOrderId)!.snapshot.status).toBe('CANCELED');
  });

  it('a spot stop-market sell rests, then triggers and fills when the market falls through it', async () => {
    await place({ symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.002' });
    const { body } = await place({
      symbol: 'BTCUSDT',
      side: 'sell',
      type: 'stop_market',
      quantity: '0.001',
      stop_price: '95000',
    });
    expect(body.status).toBe('PLACED');
    expect((await order(body.order_id))!.status).toBe('OPEN');
    L.s.book('BTCUSDT', 'spot', '94899.00', '94899.01', '1');
    L.s.trade('BTCUSDT', 'spot', '94899', '1');
    const done = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'FILLED',
    );
    expect(done!.status).toBe('FILLED');
    L.s.book('BTCUSDT', 'spot', '96000.00', '96000.01', '1');
  });

  it('a futures market order with leverage opens a leveraged position', async () => {
    const { body } = await place({
      account_id: L.user.futuresAccountId,
      market_type: 'futures',
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      quantity: '0.01',
      leverage: 10,
    });
    expect(body).toMatchObject({ status: 'PLACED' });
    const stored = (await order(body.order_id))!;
    expect(stored.status).toBe('FILLED');
    const positions = await L.h.fillgate.read.listPositions(L.user.userId);
    const position = positions.find((p) => p.marketType === 'futures' && p.status !== 'CLOSED');
    expect(position?.leverage).toBe(10);
    const atVenue = simOrder(stored.clientOrderId)!;
    expect(atVenue.snapshot.status).toBe('FILLED');
  });

  it('a venue rejection is FAILED with the venue code and REJECTED, nothing placed', async () => {
    L.setFaults({
      errors: [
        {
          status: 400,
          code: -2019,
          msg: 'Margin is insufficient.',
          times: 1,
          endpoints: ['POST /fapi/v1/order'],
        },
      ],
    });
    const { body } = await place({
      account_id: L.user.futuresAccountId,
      market_type: 'futures',
      symbol: 'ETHUSDT',
      side: 'buy',
      type: 'limit',
      quantity: '1',
      price: '3390',
      leverage: 1,
    });
    expect(body).toMatchObject({ status: 'FAILED', reason_code: 'EXCHANGE_ERROR' });
    expect(body.message).toContain('-2019');
    const stored = (await order(body.order_id))!;
    expect(stored.status).toBe('REJECTED');
    expect(simOrder(stored.clientOrderId)).toBeUndefined();

    const metrics = (await L.h.fillgate.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(
      `fillgate_venue_errors_total{venue="${L.venue.id}",class="definitely_rejected"} 1`,
    );
    expect(metrics).toContain(`fillgate_venue_circuit_breaker_state{venue="${L.venue.id}"} 0`);
  });
});
