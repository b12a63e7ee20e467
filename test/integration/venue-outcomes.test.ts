import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.ts';
import { executeOrder } from '../../src/execution/execute-order.ts';
import { reconcileOrder } from '../../src/execution/reconcile-order.ts';
import type { ExecutionDeps } from '../../src/execution/execution-deps.ts';
import type { VenuePort, VenueSubmitResult } from '../../src/execution/venue-port.ts';
import { eventually } from '../support/eventually.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { ManualFeed } from '../support/manual-feed.ts';
import { databaseKind } from '../support/test-database.ts';

interface Fault {
  next?: 'reject' | 'throw';
  /** The next submission waits for this before it reaches the venue (a slow send). */
  hold?: Promise<void>;
  /** Submissions the venue was asked for. */
  submits: number;
}

/** The real paper venue behind a switch that makes its next submissions fail the way live venues do. */
function withFaults(venue: VenuePort, fault: Fault): VenuePort {
  return new Proxy(venue, {
    get(target, prop, receiver) {
      if (prop === 'submit') {
        return async (...args: Parameters<VenuePort['submit']>): Promise<VenueSubmitResult> => {
          fault.submits += 1;
          const hold = fault.hold;
          fault.hold = undefined;
          await hold;
          if (fault.next === 'reject') {
            return {
              kind: 'rejected',
              code: '-2010',
              message: 'Account has insufficient balance for requested action.',
              retryable: false,
            };
          }
          if (fault.next === 'throw') throw new Error('socket hang up');
          return target.submit(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe(`venue outcomes and triggers (${databaseKind})`, () => {
  const feed = new ManualFeed();
  let h: Harness;
  const fault: Fault = { submits: 0 };
  let deps: ExecutionDeps;

  beforeAll(async () => {
    h = await startHarness({ feed });
    feed.book('BTCUSDT', 'spot', '95999', '96001', '10');
    const faulty = withFaults(h.fillgate.paper, fault);
    deps = {
      ...h.fillgate.execution,
      venues: { get: (id) => (id === faulty.id ? faulty : undefined), all: () => [faulty] },
    };
  });
  afterAll(async () => h.close());

  const buy = (user: { userId: string; spotAccountId: string }) =>
    executeOrder(deps, {
      userId: user.userId,
      accountId: user.spotAccountId,
      source: 'TERMINAL',
      symbol: 'BTCUSDT',
      marketType: 'spot',
      side: 'buy',
      type: 'market',
      quantity: new Decimal('0.01'),
    });

  it('a venue rejection is FAILED with the venue reason, REJECTED, and its reservation released', async () => {
    const user = await h.user();
    fault.next = 'reject';
    const result = await buy(user);
    fault.next = undefined;
    expect(result).toMatchObject({
      success: false,
      status: 'FAILED',
      reasonCode: 'EXCHANGE_ERROR',
      exchangeOrderId: null,
    });
    expect(result.message).toContain('-2010');
    expect(result.order?.status).toBe('REJECTED');
    const usdt = (await h.fillgate.read.listBalances(user.userId)).find(
      (b) => b.accountId === user.spotAccountId,
    );
    expect(usdt!.reserved.toFixed()).toBe('0');
    expect(usdt!.total.toFixed()).toBe('10000');
    const audit = await h.fillgate.read.listAudit(user.userId, { limit: 10 });
    expect(audit.map((a) => [a.status, a.reasonCode])).toEqual([['FAILED', 'EXCHANGE_ERROR']]);
  });

  it('an unknown outcome is held as UNKNOWN with its funds still reserved, never reported as placed', async () => {
    const user = await h.user();
    fault.next = 'throw';
    const result = await buy(user);
    fault.next = undefined;
    expect(result).toMatchObject({
      success: false,
      status: 'FAILED',
      reasonCode: 'OUTCOME_UNKNOWN',
      exchangeOrderId: null,
    });
    expect(result.order?.status).toBe('UNKNOWN');
    const usdt = (await h.fillgate.read.listBalances(user.userId)).find(
      (b) => b.accountId === user.spotAccountId,
    );
    expect(usdt!.reserved.toFixed()).toBe(result.order!.reservedRemaining.toFixed());
    expect(usdt!.reserved.isZero()).toBe(false);
    // A cancel cannot act on an order whose state at the venue is unknown.
    const cancel = await h.fillgate.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${result.orderId}/cancel`,
      headers: user.auth,
    });
    expect(cancel.statusCode).toBe(409);
  });

  it('an order whose send is still under way is never resent, however long ago it was admitted', async () => {
    const user = await h.user();
    let release!: () => void;
    fault.hold = new Promise((resolve) => (release = resolve));
    const submitsBefore = fault.submits;
    const placing = buy(user);
    const pending = await eventually(
      async () => (await h.fillgate.read.listOrders(user.userId, { limit: 10 })).items,
      (items) => items.length === 1 && fault.submits > submitsBefore,
    );
    expect(pending.map((o) => o.status)).toEqual(['PENDING_SUBMIT']);
    // With no settle time at all, the venue's "no such order" would be taken as proof it never arrived.
    expect(await reconcileOrder(deps, pending[0]!, { settleMs: 0 })).toEqual({ kind: 'waiting' });
    release();
    const result = await placing;
    expect(result.status).toBe('PLACED');
    expect(result.order?.status).toBe('FILLED');
    expect(fault.submits - submitsBefore).toBe(1);
    const fills = await h.fillgate.read.listFills(user.userId, result.orderId!);
    expect(fills.map((f) => f.quantity.toFixed())).toEqual(['0.01']);
  });

  it('a stop-market sell triggers when the market trades through it and closes the inventory', async () => {
    const user = await h.user();
    const bought = await h.fillgate.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: user.auth,
      payload: { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.01' },
    });
    expect(bought.statusCode).toBe(201);
    const stop = await h.fillgate.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: user.auth,
      payload: {
        symbol: 'BTCUSDT',
        side: 'sell',
        type: 'stop_market',
        quantity: '0.01',
        stop_price: '95000',
      },
    });
    expect(stop.statusCode).toBe(201);
    const stopId = stop.json<{ order_id: string }>().order_id;
    const btcReserved = async () =>
      (await h.fillgate.read.listBalances(user.userId)).find((b) => b.asset === 'BTC')!.reserved.toFixed();
    expect(await btcReserved()).toBe('0.01');

    // A trade above the stop does nothing; the market falls through 95000 and the stop fires.
    const trade = (price: string) =>
      feed.push({
        kind: 'trade',
        symbol: 'BTCUSDT',
        marketType: 'spot',
        price: new Decimal(price),
        quantity: new Decimal('0.5'),
        aggressor: 'sell',
        timestamp: new Date(),
      });
    trade('95500');
    await h.fillgate.tracker.drain();
    expect((await h.fillgate.read.findOrder(user.userId, stopId))!.status).toBe('OPEN');
    feed.book('BTCUSDT', 'spot', '94899', '94901', '10');
    trade('94900');
    await h.fillgate.tracker.drain();
    const order = (await h.fillgate.read.findOrder(user.userId, stopId))!;
    expect(order.status).toBe('FILLED');
    expect(order.averagePrice!.toFixed()).toBe('94899');
    expect(await btcReserved()).toBe('0');
    const positions = await h.fillgate.read.listPositions(user.userId);
    expect(positions[0]!.status).toBe('CLOSED');
    expect(positions[0]!.realizedPnl.toFixed()).toBe(
      new Decimal('94899').minus('96001').mul('0.01').toFixed(),
    );
  });
});
