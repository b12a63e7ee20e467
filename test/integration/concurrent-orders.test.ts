import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.ts';
import { reconcileOrder } from '../../src/execution/reconcile-order.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { ManualFeed } from '../support/manual-feed.ts';
import { databaseKind } from '../support/test-database.ts';

describe(`concurrent orders on one account (${databaseKind})`, () => {
  const feed = new ManualFeed();
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ feed });
    // A deep book at one price: the mark stays 96000 however many orders fill, so each reservation is exact.
    feed.book('BTCUSDT', 'spot', '95999', '96001', '1000');
  });
  afterAll(async () => h.close());

  it('50 concurrent market buys whose balance covers exactly 10: 10 PLACED, 40 SKIPPED, ledger exact', async () => {
    // Reservation of one 0.01 BTC market buy: 0.01 x protection price (96000 x 1.02) x (1 + 0.1% taker fee).
    const perOrder = new Decimal('0.01').mul('97920').mul('1.001');
    const opening = perOrder.mul(10);
    const user = await h.user({ spotUsdt: opening, futuresUsdt: new Decimal(0) });

    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        h.fillgate.app.inject({
          method: 'POST',
          url: '/api/v1/orders',
          headers: user.auth,
          payload: { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.01' },
        }),
      ),
    );
    const bodies = results.map((r) => r.json<{ status: string; reason_code: string | null }>());
    expect(bodies.filter((b) => b.status === 'PLACED')).toHaveLength(10);
    const skipped = bodies.filter((b) => b.status === 'SKIPPED');
    expect(skipped).toHaveLength(40);
    expect(new Set(skipped.map((b) => b.reason_code))).toEqual(new Set(['INSUFFICIENT_BALANCE']));

    const db = h.fillgate.database.db;
    const fills = await db.query.fills.findMany({ where: (f, { eq }) => eq(f.userId, user.userId) });
    expect(fills).toHaveLength(10);
    const spent = fills.reduce(
      (s, f) => s.plus(new Decimal(f.price).mul(f.quantity)).plus(f.fee),
      new Decimal(0),
    );
    expect(spent.toFixed()).toBe('9609.7001'); // 10 x (0.01 x 96001 + 0.96001 fee)
    const balances = await db.query.balances.findMany({ where: (b, { eq }) => eq(b.userId, user.userId) });
    const usdt = balances.find((b) => b.accountId === user.spotAccountId && b.asset === 'USDT')!;
    const btc = balances.find((b) => b.accountId === user.spotAccountId && b.asset === 'BTC')!;
    expect(new Decimal(usdt.total).toFixed()).toBe(opening.minus(spent).toFixed());
    expect(new Decimal(usdt.reserved).toFixed()).toBe('0');
    expect(new Decimal(btc.total).toFixed()).toBe('0.1');

    const audit = await db.query.executionAudit.findMany({ where: (a, { eq }) => eq(a.userId, user.userId) });
    expect(audit.filter((a) => a.status === 'PLACED')).toHaveLength(10);
    expect(audit.filter((a) => a.status === 'SKIPPED')).toHaveLength(40);
    expect(audit.filter((a) => a.status === 'PLACED').every((a) => a.exchangeOrderId !== null)).toBe(true);

    // The user's event stream is gapless: sequence numbers 1..n, each once, whatever the interleaving.
    const events = await db.query.outbox.findMany({ where: (o, { eq }) => eq(o.userId, user.userId) });
    const seqs = events.map((e) => e.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    expect(events.filter((e) => e.topic === 'fill')).toHaveLength(10);
    expect(await h.fillgate.store.verifyAuditChain(user.userId)).toEqual({ ok: true, rows: 50 });
  });
  it('cancels racing the reconciler over the same orders all complete: no lock-order deadlock', async () => {
    const user = await h.user();
    const placed = await Promise.all(
      Array.from({ length: 30 }, () =>
        h.fillgate.app.inject({
          method: 'POST',
          url: '/api/v1/orders',
          headers: user.auth,
          payload: { symbol: 'BTCUSDT', side: 'buy', type: 'limit', quantity: '0.001', price: '90000' },
        }),
      ),
    );
    const ids = placed.map((r) => r.json<{ order_id: string }>().order_id);
    const orders = await Promise.all(
      ids.map(async (id) => (await h.fillgate.read.findOrder(user.userId, id))!),
    );
    expect(new Set(orders.map((o) => o.status))).toEqual(new Set(['OPEN']));

    // The reconciler and the order tracker lock the account, then the order; a cancel must too.
    const [cancels] = await Promise.all([
      Promise.all(
        ids.map((id) =>
          h.fillgate.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/cancel`, headers: user.auth }),
        ),
      ),
      Promise.all(orders.map((order) => reconcileOrder(h.fillgate.execution, order, { settleMs: 0 }))),
    ]);
    expect(cancels.map((r) => r.statusCode)).toEqual(ids.map(() => 200));
    const after = await Promise.all(
      ids.map(async (id) => (await h.fillgate.read.findOrder(user.userId, id))!),
    );
    expect(new Set(after.map((o) => o.status))).toEqual(new Set(['CANCELED']));
  });
});
