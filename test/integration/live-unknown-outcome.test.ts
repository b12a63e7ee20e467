import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { startLiveHarness, type LiveHarness } from '../support/live-harness.ts';
import { databaseKind } from '../support/test-database.ts';

const FAST_RECONCILE = {
  FILLGATE_RECONCILE_INTERVAL_MS: '100',
  // The venue's recvWindow in the harness is 1 s; half a second more for clock tolerance.
  FILLGATE_RECONCILE_SETTLE_MS: '1500',
};

describe(`unknown outcomes resolved from the venue's records (${databaseKind})`, () => {
  let L: LiveHarness;
  beforeAll(async () => {
    L = await startLiveHarness({ env: FAST_RECONCILE });
  });
  afterAll(async () => L?.close());

  const place = async (payload: Record<string, unknown>) => (await L.placeOrder(payload)).body;
  const order = (id: string) => L.h.fillgate.read.findOrder(L.user.userId, id);
  const atSim = (clientOrderId: string) =>
    L.sim.ordersOf(L.apiKey).filter((o) => o.clientOrderId === clientOrderId);

  it('accepted then the answer dropped: UNKNOWN, then the venue state; exactly one order at the venue', async () => {
    L.setFaults({ acceptThenDrop: { times: 1, endpoints: ['POST /api/v3/order'] } });
    const body = await place({
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'limit',
      quantity: '0.001',
      price: '95000',
    });
    expect(body).toMatchObject({ status: 'FAILED', reason_code: 'OUTCOME_UNKNOWN' });
    expect((await order(body.order_id))!.status).toBe('UNKNOWN');
    const resolved = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'OPEN',
    );
    expect(resolved!.status).toBe('OPEN');
    const venueOrders = atSim(resolved!.clientOrderId);
    expect(venueOrders).toHaveLength(1);
    expect(resolved!.venueOrderId).toBe(String(venueOrders[0]!.orderId));
    const audit = await L.h.fillgate.read.listAudit(L.user.userId, { limit: 100 });
    expect(
      audit.some((a) => a.reasonCode === 'RECONCILED' && a.exchangeOrderId === resolved!.venueOrderId),
    ).toBe(true);
  });

  it('a market order whose answer was dropped ends FILLED with its fills, once', async () => {
    L.setFaults({ acceptThenDrop: { times: 1, endpoints: ['POST /api/v3/order'] } });
    const body = await place({ symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.001' });
    expect(body.status).toBe('FAILED');
    const resolved = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'FILLED',
    );
    expect(resolved!.status).toBe('FILLED');
    expect(resolved!.filledQuantity.toFixed()).toBe('0.001');
    expect(atSim(resolved!.clientOrderId)).toHaveLength(1);
    expect(await L.h.fillgate.read.listFills(L.user.userId, body.order_id)).toHaveLength(1);
  });

  it('-1007 and never placed: proven absent after the receive window, resent with the same id, one order', async () => {
    L.setFaults({ unknownExecution: { placed: 'no', times: 1, endpoints: ['POST /api/v3/order'] } });
    const body = await place({ symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.001' });
    expect(body).toMatchObject({ status: 'FAILED', reason_code: 'OUTCOME_UNKNOWN' });
    const stored = (await order(body.order_id))!;
    expect(atSim(stored.clientOrderId)).toHaveLength(0);
    const resolved = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'FILLED',
    );
    expect(resolved!.status).toBe('FILLED');
    const venueOrders = atSim(stored.clientOrderId);
    expect(venueOrders).toHaveLength(1);
    expect(resolved!.venueOrderId).toBe(String(venueOrders[0]!.orderId));
  });

  it('-1007 yet placed: resolved to the venue state without a resend', async () => {
    L.setFaults({ unknownExecution: { placed: 'yes', times: 1, endpoints: ['POST /fapi/v1/order'] } });
    const res = await L.placeOrder({
      account_id: L.user.futuresAccountId,
      market_type: 'futures',
      symbol: 'ETHUSDT',
      side: 'sell',
      type: 'market',
      quantity: '0.1',
      leverage: 5,
    });
    const body = res.body;
    expect(body.status).toBe('FAILED');
    const resolved = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'FILLED',
    );
    expect(resolved!.status).toBe('FILLED');
    expect(
      L.sim.ordersOf(L.apiKey, 'futures').filter((o) => o.clientOrderId === resolved!.clientOrderId),
    ).toHaveLength(1);
  });

  it('a failed leverage change is a definite rejection: the order itself was never sent', async () => {
    L.setFaults({ errors: [{ status: 503, code: -1001, times: 1, endpoints: ['POST /fapi/v1/leverage'] }] });
    const res = await L.placeOrder({
      account_id: L.user.futuresAccountId,
      market_type: 'futures',
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      quantity: '0.001',
      leverage: 7,
    });
    const body = res.body;
    expect(body).toMatchObject({ status: 'FAILED', reason_code: 'EXCHANGE_ERROR' });
    expect(body.message).toContain('leverage 7x');
    const stored = (await order(body.order_id))!;
    expect(stored.status).toBe('REJECTED');
    expect(L.sim.ordersOf(L.apiKey, 'futures').some((o) => o.clientOrderId === stored.clientOrderId)).toBe(
      false,
    );
  });

  it('-1008 "server overloaded, not processed" is retried with backoff and the same client order id', async () => {
    L.setFaults({ errors: [{ status: 503, code: -1008, times: 2, endpoints: ['POST /api/v3/order'] }] });
    const body = await place({ symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.001' });
    expect(body.status, body.message).toBe('PLACED');
    const stored = (await order(body.order_id))!;
    expect(stored.status).toBe('FILLED');
    expect(atSim(stored.clientOrderId)).toHaveLength(1);
  });

  it('a 429 answered before processing is definitely not placed: retried with the same id, one order', async () => {
    L.setFaults({ errors: [{ status: 429, code: -1003, times: 1, endpoints: ['POST /api/v3/order'] }] });
    const body = await place({ symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.001' });
    expect(body.status, body.message).toBe('PLACED');
    const stored = (await order(body.order_id))!;
    expect(atSim(stored.clientOrderId)).toHaveLength(1);
  });
});

describe(`a cancel whose outcome was lost is sent again (${databaseKind})`, () => {
  let L: LiveHarness;
  beforeAll(async () => {
    L = await startLiveHarness({ env: FAST_RECONCILE });
  });
  afterAll(async () => L?.close());

  it('CANCEL_PENDING while the venue still works the order: the reconciler cancels it again', async () => {
    const placed = await L.h.fillgate.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: L.user.auth,
      payload: { symbol: 'BTCUSDT', side: 'buy', type: 'limit', quantity: '0.001', price: '90000' },
    });
    const orderId = placed.json<{ order_id: string }>().order_id;
    // The cancel's connection is reset before the venue reads it: nothing is canceled there.
    L.setFaults({ connectionReset: { times: 10, endpoints: ['DELETE /api/v3/order'] } });
    const cancel = await L.h.fillgate.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${orderId}/cancel`,
      headers: L.user.auth,
    });
    L.setFaults({});
    expect(cancel.statusCode, cancel.body).toBe(202);
    const order = (await L.h.fillgate.read.findOrder(L.user.userId, orderId))!;
    expect(order.status).toBe('CANCEL_PENDING');
    expect(
      L.sim.ordersOf(L.apiKey).find((o) => o.clientOrderId === order.clientOrderId)?.snapshot.status,
    ).toBe('NEW');

    const canceled = await eventually(
      () => L.h.fillgate.read.findOrder(L.user.userId, orderId),
      (o) => o?.status === 'CANCELED',
    );
    expect(canceled!.status).toBe('CANCELED');
    const atVenue = L.sim.ordersOf(L.apiKey).filter((o) => o.clientOrderId === order.clientOrderId);
    expect(atVenue.map((o) => o.snapshot.status)).toEqual(['CANCELED']);
  });
});
