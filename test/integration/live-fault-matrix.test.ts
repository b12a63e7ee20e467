import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultSettings } from '../../sim/fault-controller.ts';
import type { SimOrder } from '../../sim/sim-exchange.ts';
import { Decimal, ZERO } from '../../src/domain/decimal.ts';
import { isFinalOrderStatus, type OrderStatus } from '../../src/domain/order-status.ts';
import type { OrderRecord } from '../../src/execution/store-port.ts';
import { FROM_SIM_STATUS, startLiveHarness, type LiveHarness } from '../support/live-harness.ts';
import { databaseKind } from '../support/test-database.ts';

/**
 * Each fault x {market, limit} x {spot, futures}, ORDERS_PER_CELL orders (the 200 by default):
 * at most one order per client order id at the simulator, and every order in the simulator's state
 * (status, exchange order id, filled quantity) within 30 s of the end of its own cell's placement;
 * then again, after the resting orders were cancelled, within 30 s of the end of the run, with the
 * reserved balances equal to what live orders and positions hold.
 *
 * A cell's fault is on while its orders are placed, IN_FLIGHT at a time as a bot would, and lifted once
 * they all have an answer: the app then has to recover from whatever the fault left behind. Market buys
 * fill against a fresh book; limit buys rest well below it (final state OPEN) and, once their cell has
 * converged, are cancelled through the API: the simulator allows 200 open orders per symbol.
 */
const ORDERS_PER_CELL = Number(process.env.FAULT_MATRIX_ORDERS ?? 200);
const IN_FLIGHT = 25;
const CONVERGE_MS = 30_000;
const SYMBOL = 'ETHUSDT';
// 5,600 orders at up to ~14 USDT (spot) or ~3.4 USDT margin (futures, 10x) each, with room to spare.
const FUNDING_USDT = '1000000';
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

interface Placed {
  readonly orderId: string;
  readonly cell: string;
}

/** Runs `task(0..count-1)` with at most `inFlight` running at once; results in index order. */
async function inBatches<T>(
  count: number,
  inFlight: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return results;
}

describe(`fault matrix: ${ORDERS_PER_CELL} orders per cell (${databaseKind})`, () => {
  let L: LiveHarness;
  beforeAll(async () => {
    L = await startLiveHarness({
      env: { FILLGATE_RECONCILE_INTERVAL_MS: '200', FILLGATE_RECONCILE_SETTLE_MS: '1500' },
      venue: { weightLimitPerMinute: { spot: 1_000_000, futures: 1_000_000 }, orderPollMs: 500 },
      fundingUsdt: FUNDING_USDT,
    });
    L.setFaults(ROOMY);
  });
  afterAll(async () => L?.close());

  /** Every order at the simulator by client order id (more than one is a duplicate). */
  const simOrdersByClientId = (): Map<string, SimOrder[]> => {
    const byClientId = new Map<string, SimOrder[]>();
    for (const order of [...L.sim.ordersOf(L.apiKey, 'spot'), ...L.sim.ordersOf(L.apiKey, 'futures')]) {
      byClientId.set(order.clientOrderId, [...(byClientId.get(order.clientOrderId) ?? []), order]);
    }
    return byClientId;
  };

  const ourOrders = async (since: Date): Promise<Map<string, OrderRecord>> => {
    const page = await L.h.fillgate.read.listOrders(L.user.userId, { from: since, limit: 100_000 });
    return new Map(page.items.map((order) => [order.id, order]));
  };

  /** Orders of `placed` not (yet) in the simulator's state, and the client ids placed more than once. */
  const compare = async (placed: readonly Placed[], since: Date) => {
    const ours = await ourOrders(since);
    const theirs = simOrdersByClientId();
    const duplicates = [...theirs.entries()].filter(([, list]) => list.length > 1).map(([id]) => id);
    const wrong: string[] = [];
    for (const { orderId, cell } of placed) {
      const order = ours.get(orderId);
      if (!order) {
        wrong.push(`${cell} ${orderId}: not in our store`);
        continue;
      }
      const sim = theirs.get(order.clientOrderId)?.[0];
      const expected: OrderStatus = sim ? FROM_SIM_STATUS[sim.snapshot.status]! : 'REJECTED';
      const same =
        order.status === expected &&
        (!sim ||
          (order.venueOrderId === String(sim.orderId) &&
            order.filledQuantity.equals(sim.snapshot.filledQuantity)));
      if (!same) {
        wrong.push(
          `${cell} ${order.clientOrderId}: ours ${order.status} filled ${order.filledQuantity.toString()}, simulator ${sim?.snapshot.status ?? 'none'} filled ${sim?.snapshot.filledQuantity.toString() ?? '-'}`,
        );
      }
    }
    return { duplicates, wrong };
  };

  /** Polls until `placed` matches the simulator or CONVERGE_MS have passed. */
  const converge = async (placed: readonly Placed[], since: Date) => {
    const until = Date.now() + CONVERGE_MS;
    let result = await compare(placed, since);
    while (result.wrong.length > 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      result = await compare(placed, since);
    }
    return result;
  };

  /**
   * What a bot does: 202 means the venue's answer is still outstanding (the order stays CANCEL_PENDING),
   * so it asks again; a repeated cancel of an order the venue already closed comes back confirmed.
   */
  const cancelUntilConfirmed = async (orderId: string) => {
    const until = Date.now() + CONVERGE_MS;
    for (;;) {
      const answer = await L.h.fillgate.app.inject({
        method: 'POST',
        url: `/api/v1/orders/${orderId}/cancel`,
        headers: L.user.auth,
      });
      if (answer.statusCode === 200 || Date.now() > until) {
        expect(answer.statusCode, answer.body).toBe(200);
        return;
      }
      expect(answer.statusCode, answer.body).toBe(202);
    }
  };

  it('0 duplicate orders at the simulator; 100% of orders reach the simulator state', async () => {
    const started = new Date();
    const placed: Placed[] = [];
    let placingMs = 0;
    let convergingMs = 0;
    for (const [name, fault] of Object.entries(FAULTS)) {
      for (const marketType of ['spot', 'futures'] as const) {
        for (const type of ['market', 'limit'] as const) {
          const cell = `${name}/${marketType}/${type}`;
          const cellStart = new Date();
          // A fresh book each cell, so every market buy fills at the same ask whatever came before.
          L.s.book(SYMBOL, marketType, '3400.00', '3400.01', '10');
          L.setFaults({ ...ROOMY, ...fault, seed: cell });
          const payload = {
            ...(marketType === 'futures' && { account_id: L.user.futuresAccountId, leverage: 10 }),
            market_type: marketType,
            symbol: SYMBOL,
            side: 'buy',
            type,
            quantity: marketType === 'spot' ? '0.004' : '0.01',
            ...(type === 'limit' && { price: '3300' }),
          };
          const cellPlaced = await inBatches(ORDERS_PER_CELL, IN_FLIGHT, async () => {
            const answer = await L.h.fillgate.app.inject({
              method: 'POST',
              url: '/api/v1/orders',
              headers: L.user.auth,
              payload,
            });
            const body = answer.json<{ order_id: string | null }>();
            expect(body.order_id, answer.body).toBeTruthy();
            return { orderId: body.order_id!, cell };
          });
          placed.push(...cellPlaced);
          // The venue recovers once the cell is placed; what is asserted is how the app recovers with it.
          L.setFaults(ROOMY);
          const cellPlacedAt = Date.now();
          placingMs += cellPlacedAt - cellStart.getTime();

          const result = await converge(cellPlaced, cellStart);
          convergingMs += Date.now() - cellPlacedAt;
          expect(result.duplicates, cell).toEqual([]);
          expect(result.wrong, cell).toEqual([]);

          if (type === 'limit') {
            const resting = [...(await ourOrders(cellStart)).values()].filter((o) => o.status === 'OPEN');
            await inBatches(resting.length, IN_FLIGHT, async (index) =>
              cancelUntilConfirmed(resting[index]!.id),
            );
          }
        }
      }
    }
    L.setFaults(ROOMY);

    const runPlacedAt = Date.now();
    const result = await converge(placed, started);
    const finalMs = Date.now() - runPlacedAt;
    console.info(
      `fault matrix: ${Object.keys(FAULTS).length} faults x 2 types x 2 markets x ${ORDERS_PER_CELL} = ${placed.length} orders; placed in ${placingMs} ms, converged in ${convergingMs} ms (per cell, summed) + ${finalMs} ms (run end); total ${Date.now() - started.getTime()} ms`,
    );
    expect(result.duplicates).toEqual([]);
    expect(result.wrong).toEqual([]);
    expect(placed).toHaveLength(Object.keys(FAULTS).length * 4 * ORDERS_PER_CELL);

    // The books balance: what is reserved is exactly what live orders and (USD-M) open positions hold.
    const orders = [...(await ourOrders(started)).values()];
    const positions = await L.h.fillgate.read.listPositions(L.user.userId);
    const accounts = await L.h.fillgate.read.listAccounts(L.user.userId);
    const futuresAccounts = new Set(accounts.filter((a) => a.marketType === 'futures').map((a) => a.id));
    const held = new Map<string, Decimal>();
    const hold = (accountId: string, asset: string, amount: Decimal) => {
      const key = `${accountId}/${asset}`;
      held.set(key, (held.get(key) ?? ZERO).plus(amount));
    };
    for (const order of orders) {
      if (!isFinalOrderStatus(order.status))
        hold(order.accountId, order.reserveAsset, order.reservedRemaining);
    }
    for (const position of positions) {
      if (futuresAccounts.has(position.accountId)) hold(position.accountId, 'USDT', position.margin);
    }
    const balances = await L.h.fillgate.read.listBalances(L.user.userId);
    const leaks = balances
      .map((b) => ({ key: `${b.accountId}/${b.asset}`, reserved: b.reserved }))
      .filter(({ key, reserved }) => !reserved.equals(held.get(key) ?? ZERO))
      .map(
        ({ key, reserved }) =>
          `${key}: reserved ${reserved.toString()}, held ${(held.get(key) ?? ZERO).toString()}`,
      );
    expect(leaks).toEqual([]);
    // Every resting order was cancelled: nothing of ours is still open at the simulator.
    expect(
      orders.filter((o) => !isFinalOrderStatus(o.status)).map((o) => `${o.clientOrderId} ${o.status}`),
    ).toEqual([]);
  }, 1_800_000);
});
