import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.ts';
import type { VenueOrderRequest } from '../../src/execution/venue-port.ts';
import { startLiveHarness, type LiveHarness } from '../support/live-harness.ts';
import { databaseKind } from '../support/test-database.ts';

/**
 * An order may be sent only inside the first half of the reconciler's settle window, and the venue is told
 * (timestamp + recvWindow) to refuse it after that. A send delayed past it (a stalled process, a long wait
 * for the weight budget, a slow network) can then never meet the reconciler's resend of the same order.
 */
describe(`orders expire at the venue before the reconciler may resend them (${databaseKind})`, () => {
  let L: LiveHarness;
  beforeAll(async () => {
    L = await startLiveHarness({
      env: { FILLGATE_RECONCILE_INTERVAL_MS: '100', FILLGATE_RECONCILE_SETTLE_MS: '1500' },
    });
  });
  afterAll(async () => L?.close());

  const request = (clientOrderId: string, sendBy: Date): VenueOrderRequest => ({
    accountRef: L.user.spotAccountId,
    clientOrderId,
    symbol: 'BTCUSDT',
    marketType: 'spot',
    side: 'buy',
    type: 'limit',
    timeInForce: 'GTC',
    quantity: new Decimal('0.001'),
    price: new Decimal('90000'),
    reduceOnly: false,
    sendBy,
  });
  const atSim = (clientOrderId: string) =>
    L.sim.ordersOf(L.apiKey).filter((o) => o.clientOrderId === clientOrderId);

  it('past its deadline an order is not sent at all: definitely rejected, nothing at the venue', async () => {
    const result = await L.venue.submit(request('sendwin-late', new Date(Date.now() - 1)));
    expect(result).toMatchObject({ kind: 'rejected', code: 'SEND_WINDOW_PASSED', retryable: false });
    expect(atSim('sendwin-late')).toEqual([]);
  });

  it('a request that reaches the venue after its deadline is refused there (-1021), so never placed', async () => {
    L.setFaults({ latencyMs: 700 });
    try {
      const result = await L.venue.submit(request('sendwin-slow', new Date(Date.now() + 300)));
      expect(result.kind).toBe('rejected');
    } finally {
      L.setFaults({});
    }
    expect(atSim('sendwin-slow')).toEqual([]);
  });

  it('in time, the order is placed as usual', async () => {
    const result = await L.venue.submit(request('sendwin-ok', new Date(Date.now() + 750)));
    expect(result.kind).toBe('accepted');
    expect(atSim('sendwin-ok')).toHaveLength(1);
  });

  it('through the API: a venue too slow for the window leaves the order REJECTED and never resent', async () => {
    L.setFaults({ latencyMs: 1_000 });
    let body: { status: string; order_id: string };
    try {
      const res = await L.h.fillgate.app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        headers: L.user.auth,
        payload: { symbol: 'BTCUSDT', side: 'buy', type: 'limit', quantity: '0.001', price: '90000' },
      });
      body = res.json();
    } finally {
      L.setFaults({});
    }
    expect(body.status).toBe('FAILED');
    const order = (await L.h.fillgate.read.findOrder(L.user.userId, body.order_id))!;
    expect(order.status).toBe('REJECTED');
    // Well past the settle window: the reconciler has had every chance to resend, and must not have.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(atSim(order.clientOrderId)).toEqual([]);
    expect((await L.h.fillgate.read.findOrder(L.user.userId, body.order_id))!.status).toBe('REJECTED');
  });
});
