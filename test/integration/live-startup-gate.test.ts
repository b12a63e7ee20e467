import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createFillgate, type Fillgate } from '../../src/main.ts';
import { CcxtBinanceVenue } from '../../src/venues/ccxt/ccxt-binance-venue.ts';
import { eventually } from '../support/eventually.ts';
import { SIM_VENUE_OPTIONS, startLiveHarness, type LiveHarness } from '../support/live-harness.ts';
import { databaseKind } from '../support/test-database.ts';

describe(`startup reconciliation gate (${databaseKind})`, () => {
  let L: LiveHarness;
  let second: Fillgate | undefined;
  let venue2: CcxtBinanceVenue | undefined;
  beforeAll(async () => {
    // The first process never resolves anything by itself: its settle time is longer than the test.
    L = await startLiveHarness({ env: { FILLGATE_RECONCILE_SETTLE_MS: '120000' } });
  });
  afterAll(async () => {
    await second?.stop();
    await venue2?.close();
    await L?.close();
  });

  it('refuses orders until the venue has answered for every order held there, then resolves them', async () => {
    // An order whose answer was lost: UNKNOWN, and the first process is "killed" (left idle).
    L.setFaults({ acceptThenDrop: { times: 1, endpoints: ['POST /api/v3/order'] } });
    const lost = await L.h.fillgate.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: L.user.auth,
      payload: { symbol: 'BTCUSDT', side: 'buy', type: 'limit', quantity: '0.001', price: '95000' },
    });
    const lostId = lost.json<{ order_id: string }>().order_id;
    expect((await L.h.fillgate.read.findOrder(L.user.userId, lostId))!.status).toBe('UNKNOWN');

    // A new process starts while the venue cannot answer order lookups.
    L.setFaults({ errors: [{ status: 503, code: -1001, endpoints: ['GET /api/v3/order'] }] });
    venue2 = new CcxtBinanceVenue({
      ...SIM_VENUE_OPTIONS,
      id: L.venue.id,
      apiKey: L.sim.accounts[0]!.apiKey,
      secret: L.sim.accounts[0]!.secret,
      baseUrl: L.sim.baseUrl,
    });
    await venue2.start();
    second = await createFillgate({
      config: loadConfig({
        FILLGATE_DATA_DIR: '/nonexistent-test-dir',
        FILLGATE_RECONCILE_INTERVAL_MS: '100',
        FILLGATE_RECONCILE_SETTLE_MS: '1500',
        FILLGATE_STARTUP_RECONCILE_WAIT_MS: '300',
      }),
      database: L.h.fillgate.database,
      feed: L.h.feed,
      logger: pino({ level: 'silent' }),
      venues: [venue2],
    });
    const refused = await second.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: L.user.auth,
      payload: { symbol: 'ETHUSDT', side: 'buy', type: 'market', quantity: '0.01' },
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    expect(refused.json<{ error: { message: string } }>().error.message).toContain(
      'reconciling with the venue',
    );

    // The venue answers again: the startup pass completes, the lost order takes the venue's state,
    // and orders are accepted.
    L.setFaults({});
    await second.reconciler.ready();
    const resolved = await eventually(
      () => second!.read.findOrder(L.user.userId, lostId),
      (o) => o?.status === 'OPEN',
    );
    expect(resolved!.status).toBe('OPEN');
    expect(L.sim.ordersOf(L.apiKey).filter((o) => o.clientOrderId === resolved!.clientOrderId)).toHaveLength(
      1,
    );
    const accepted = await second.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: L.user.auth,
      payload: { symbol: 'ETHUSDT', side: 'buy', type: 'market', quantity: '0.01' },
    });
    expect(accepted.statusCode, accepted.body).toBe(201);
  });
});
