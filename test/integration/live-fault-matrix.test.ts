import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultSettings } from '../../sim/fault-controller.ts';
import type { OrderStatus } from '../../src/domain/order-status.ts';
import { startLiveHarness, type LiveHarness } from '../support/live-harness.ts';
import { databaseKind } from '../support/test-database.ts';

/**
 * Each fault x {market, limit} x {spot, futures}: every order must end in the simulator's state, with at
 * most one order per client order id at the simulator. The issue asks for 200 orders per cell; CI runs
 * FAULT_MATRIX_ORDERS (default 10) to stay within a minute.
 */
const ORDERS_PER_CELL = Number(process.env.FAULT_MATRIX_ORDERS ?? 10);
const CONVERGE_MS = 30_000;
const ORDER_ENDPOINTS = ['POST /api/v3/order', 'POST /fapi/v1/order'];
// The simulator's weight limit is lifted: the matrix is about faults, not about the rate limiter.
const ROOMY = { rateLimit: { weightPerMinute: 1_000_000 } };

const FAULTS: Readonly<Record<string, FaultSettings>> = {
  acceptThenDrop: { acceptThenDrop: { rate: 0.5, endpoints: ORDER_ENDPOINTS } },
  unknownExecution: { unknownExecution: { placed: 'random', rate: 0.5, endpoints: ORDER_ENDPOINTS } },
  connectionReset: { connectionReset: { rate: 0.5, endpoints: ORDER_ENDPOINTS } },
  internalError503: { errors: [{ status: 503, code: -1001, rate: 0.4, endpoints: ORDER_ENDPOINTS }] },
  gatewayTimeout504: { errors: [{ status: 504, rate: 0.4, endpoints: ORDER_ENDPOINTS }] },
  tooManyRequests429: { errors: [{ status: 429, code: -1003, rate: 0.4, endpoints: ORDER_ENDPOINTS }] },
  latency: { latencyMs: { min: 0, max: 60 } },
};

const FROM_SIM: Readonly<Record<string, OrderStatus>> = {
  NEW: 'OPEN',
  PARTIALLY_FILLED: 'PARTIALLY_FILLED',
  FILLED: 'FILLED',
  CANCELED: 'CANCELED',
  EXPIRED: 'EXPIRED',
  REJECTED: 'REJECTED',
};

describe(`fault matrix: ${ORDERS_PER_CELL} orders per cell (${databaseKind})`, () => {
  let L: LiveHarness;
  beforeAll(async () => {
    L = await startLiveHarness({
      env: { FILLGATE_RECONCILE_INTERVAL_MS: '200', FILLGATE_RECONCILE_SETTLE_MS: '1500' },
      venue: { weightLimitPerMinute: { spot: 1_000_000, futures: 1_000_000 }, orderPollMs: 500 },
    });
    L.setFaults(ROOMY);
  });
  afterAll(async () => L?.close());

  it('0 duplicate orders at the simulator; 100% of orders reach the simulator state', async () => {
    const started = Date.now();
    const placed: { orderId: string; cell: string }[] = [];
    for (const [name, fault] of Object.entries(FAULTS)) {
      for (const marketType of ['spot', 'futures'] as const) {
        for (const type of ['market', 'limit'] as const) {
          L.setFaults({ ...ROOMY, ...fault, seed: `${name}-${marketType}-${type}` });
          const payload = {
            ...(marketType === 'futures' && { account_id: L.user.futuresAccountId, leverage: 10 }),
            market_type: marketType,
            symbol: 'ETHUSDT',
            side: 'buy',
            type,
            quantity: marketType === 'spot' ? '0.004' : '0.01',
            ...(type === 'limit' && { price: '3300' }),
          };
          const answers = await Promise.all(
            Array.from({ length: ORDERS_PER_CELL }, () =>
              L.h.fillgate.app.inject({
                method: 'POST',
                url: '/api/v1/orders',
                headers: L.user.auth,
                payload,
              }),
            ),
          );
          for (const answer of answers) {
            const body = answer.json<{ order_id: string | null }>();
            expect(body.order_id, answer.body).toBeTruthy();
            placed.push({ orderId: body.order_id!, cell: `${name}/${marketType}/${type}` });
          }
        }
      }
    }
    L.setFaults(ROOMY);
    const placedMs = Date.now() - started;

    const mismatches = async () => {
      const simOrders = [...L.sim.ordersOf(L.apiKey, 'spot'), ...L.sim.ordersOf(L.apiKey, 'futures')];
      const byClientId = new Map<string, number>();
      for (const o of simOrders) byClientId.set(o.clientOrderId, (byClientId.get(o.clientOrderId) ?? 0) + 1);
      const duplicates = [...byClientId.values()].filter((n) => n > 1).length;
      const wrong: string[] = [];
      for (const { orderId, cell } of placed) {
        const ours = (await L.h.fillgate.read.findOrder(L.user.userId, orderId))!;
        const theirs = simOrders.find((o) => o.clientOrderId === ours.clientOrderId);
        const expected: OrderStatus = theirs ? FROM_SIM[theirs.snapshot.status]! : 'REJECTED';
        if (ours.status !== expected || (theirs && ours.venueOrderId !== String(theirs.orderId))) {
          wrong.push(
            `${cell} ${ours.clientOrderId}: ours ${ours.status}, simulator ${theirs?.snapshot.status ?? 'none'}`,
          );
        }
      }
      return { duplicates, wrong };
    };
    const until = Date.now() + CONVERGE_MS;
    let result = await mismatches();
    while (result.wrong.length > 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      result = await mismatches();
    }
    const convergedMs = Date.now() - started - placedMs;
    console.info(
      `fault matrix: ${Object.keys(FAULTS).length} faults x 2 types x 2 markets x ${ORDERS_PER_CELL} = ${placed.length} orders; placed in ${placedMs} ms, converged in ${convergedMs} ms`,
    );
    expect(result.duplicates).toBe(0);
    expect(result.wrong).toEqual([]);
    expect(placed).toHaveLength(Object.keys(FAULTS).length * 4 * ORDERS_PER_CELL);
  }, 180_000);
});
