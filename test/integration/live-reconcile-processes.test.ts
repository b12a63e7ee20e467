import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionDeps } from '../../src/execution/execution-deps.ts';
import { SubmissionsInFlight } from '../../src/execution/submissions-in-flight.ts';
import type { AuditRecord } from '../../src/execution/store-port.ts';
import type { DatabaseHandle } from '../../src/store/database.ts';
import { AdvisoryClaims } from '../../src/store/advisory-claims.ts';
import { DrizzleExecutionStore } from '../../src/store/execution-store.ts';
import { CcxtBinanceVenue } from '../../src/venues/ccxt/ccxt-binance-venue.ts';
import { Reconciler } from '../../src/workers/reconciler.ts';
import { SIM_VENUE_OPTIONS, startLiveHarness, type LiveHarness } from '../support/live-harness.ts';
import { databaseKind, openAsAnotherProcess } from '../support/test-database.ts';

const SETTLE_MS = 1_500;

/**
 * Two Fillgate processes on one database and one exchange account: the app's own reconciler, and a second
 * one with its own connection pool (PostgreSQL), its own venue adapter for the same key and its own claims,
 * as another machine would run it. Both reconcile the same venue at the same moments, pass after pass.
 */
describe(`two reconcilers on one database and one venue account (${databaseKind})`, () => {
  let L: LiveHarness;
  let otherDatabase: DatabaseHandle;
  let otherVenue: CcxtBinanceVenue;
  let other: Reconciler;

  beforeAll(async () => {
    L = await startLiveHarness({
      // This file is about claims, not the weight budget: two processes scan and look up every pass.
      weightPerMinute: 1_000_000,
      env: {
        // The passes are driven by the test, both processes at once; the timers stay out of the way.
        FILLGATE_RECONCILE_INTERVAL_MS: '3600000',
        FILLGATE_RECONCILE_SETTLE_MS: String(SETTLE_MS),
        FILLGATE_BALANCE_CHECK_INTERVAL_MS: '100',
      },
    });
    otherDatabase = await openAsAnotherProcess(L.h.fillgate.database);
    const credentials = L.sim.accounts[0]!;
    otherVenue = new CcxtBinanceVenue({
      ...SIM_VENUE_OPTIONS,
      weightLimitPerMinute: { spot: 1_000_000, futures: 1_000_000 },
      id: L.venue.id,
      apiKey: credentials.apiKey,
      secret: credentials.secret,
      baseUrl: L.sim.baseUrl,
      wsUrl: L.sim.wsUrl,
    });
    await otherVenue.start();
    const otherStore = new DrizzleExecutionStore(otherDatabase.db);
    const deps: ExecutionDeps = {
      store: otherStore,
      venues: { get: (id) => (id === otherVenue.id ? otherVenue : undefined), all: () => [otherVenue] },
      newId: randomUUID,
      now: () => new Date(),
      marketSlippage: L.h.fillgate.execution.marketSlippage,
      // Another process: its own submissions in flight, the same send window as the app's.
      submissions: new SubmissionsInFlight(),
      submitWindowMs: SETTLE_MS / 2,
    };
    other = new Reconciler(
      deps,
      otherStore,
      pino({ level: 'silent' }),
      { intervalMs: 3_600_000, settleMs: SETTLE_MS, balanceIntervalMs: 100, startupWaitMs: 0 },
      new AdvisoryClaims(otherDatabase),
    );
  });
  afterAll(async () => {
    await other?.stop();
    await otherVenue?.close();
    await otherDatabase?.close();
    await L?.close();
  });

  const place = async (payload: Record<string, unknown>) => (await L.placeOrder(payload)).body;
  const order = (id: string) => L.h.fillgate.read.findOrder(L.user.userId, id);
  const atSim = (clientOrderId: string) =>
    L.sim.ordersOf(L.apiKey).filter((o) => o.clientOrderId === clientOrderId);
  /** What the reconcilers wrote about an order: a correction from the venue's record, or a resend. */
  const corrections = (rows: readonly AuditRecord[], orderId: string) =>
    rows.filter(
      (a) =>
        a.orderId === orderId &&
        (a.reasonCode === 'RECONCILED' ||
          (typeof a.requestPayload === 'object' &&
            a.requestPayload !== null &&
            'resend' in a.requestPayload)),
    );

  it('resolves every unknown outcome once, resends nothing twice and adopts every external order once', async () => {
    const unknown: { id: string; placed: boolean }[] = [];
    // Accepted at the venue, the answer lost: resting limit orders found by their client order id.
    for (let i = 0; i < 3; i += 1) {
      L.setFaults({ acceptThenDrop: { times: 1, endpoints: ['POST /api/v3/order'] } });
      const body = await place({
        symbol: 'BTCUSDT',
        side: 'buy',
        type: 'limit',
        quantity: `0.00${i + 1}`,
        price: '90000',
      });
      expect(body).toMatchObject({ status: 'FAILED', reason_code: 'OUTCOME_UNKNOWN' });
      unknown.push({ id: body.order_id, placed: true });
    }
    // -1007 and never placed: proven absent after the receive window, then resent. A market order resent
    // by both processes would fill twice at the venue.
    for (let i = 0; i < 3; i += 1) {
      L.setFaults({ unknownExecution: { placed: 'no', times: 1, endpoints: ['POST /api/v3/order'] } });
      const body = await place({ symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: `0.00${i + 1}` });
      expect(body).toMatchObject({ status: 'FAILED', reason_code: 'OUTCOME_UNKNOWN' });
      unknown.push({ id: body.order_id, placed: false });
    }
    L.setFaults({});
    for (const { id } of unknown) expect((await order(id))!.status).toBe('UNKNOWN');
    // Open at the venue, placed there without Fillgate.
    const external: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const clientOrderId = `elsewhere-${i}-${randomUUID().slice(0, 8)}`;
      await L.s.spot.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 89_000 + i, { clientOrderId });
      external.push(clientOrderId);
    }

    const adoptedRows = async () =>
      (await L.h.fillgate.read.listOrders(L.user.userId, { source: 'EXTERNAL', limit: 100 })).items.filter(
        (o) => external.includes(o.clientOrderId),
      );
    const settled = async () => {
      for (const { id, placed } of unknown) {
        const status = (await order(id))!.status;
        if (status !== (placed ? 'OPEN' : 'FILLED')) return false;
      }
      return new Set((await adoptedRows()).map((o) => o.clientOrderId)).size === external.length;
    };
    const deadline = Date.now() + 30_000;
    while (!(await settled()) && Date.now() < deadline) {
      await Promise.all([L.h.fillgate.reconciler.pass(), other.pass()]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // A few more passes by both after everything settled: nothing more may happen.
    for (let i = 0; i < 3; i += 1) await Promise.all([L.h.fillgate.reconciler.pass(), other.pass()]);

    const audit = await L.h.fillgate.read.listAudit(L.user.userId, { limit: 500 });
    for (const { id, placed } of unknown) {
      const resolved = (await order(id))!;
      expect(resolved.status).toBe(placed ? 'OPEN' : 'FILLED');
      // Exactly one order at the venue for the client order id, and one correction written for it.
      const venueOrders = atSim(resolved.clientOrderId);
      expect(venueOrders).toHaveLength(1);
      expect(resolved.venueOrderId).toBe(String(venueOrders[0]!.orderId));
      expect(corrections(audit, id)).toHaveLength(1);
      if (!placed) {
        expect(await L.h.fillgate.read.listFills(L.user.userId, id)).toHaveLength(1);
      }
    }
    const adopted = await adoptedRows();
    expect(adopted.map((o) => o.clientOrderId).sort()).toEqual([...external].sort());
    for (const o of adopted) {
      expect(o.status).toBe('OPEN');
      expect(audit.filter((a) => a.reasonCode === 'ADOPTED' && a.orderId === o.id)).toHaveLength(1);
    }
    // A difference between ledger and venue is reported once, not once per process and pass.
    const mismatches = audit.filter((a) => a.reasonCode === 'BALANCE_MISMATCH');
    const reported = mismatches.map((a) => `${a.accountId}:${JSON.stringify(a.venueResponse)}`);
    expect(new Set(reported).size).toBe(reported.length);
  });
});
