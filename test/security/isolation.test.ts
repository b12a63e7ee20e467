import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROLE } from '../../src/store/scoped-transaction.ts';
import { userTransaction } from '../../src/store/scoped-transaction.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKind } from '../support/test-database.ts';
import { USER_OWNED_TABLES } from '../support/user-owned-tables.ts';

type Json = Record<string, unknown>;
/** Rows of a raw query (pg and PGlite both answer `{ rows }`). */
const rowsOf = async <T>(result: Promise<unknown>): Promise<T[]> => ((await result) as { rows: T[] }).rows;
type User = Awaited<ReturnType<Harness['user']>>;

/** Tables that hold a user's data: each must be under FORCE ROW LEVEL SECURITY. */
const USER_OWNED = USER_OWNED_TABLES;

describe(`isolation between users on ${databaseKind}`, () => {
  let h: Harness;
  let alice: User;
  let bob: User;
  let aliceOrderId: string;
  let alicePositionId: string;
  let aliceTokenId: string;

  const call = async (user: User, method: string, url: string, payload?: unknown) => {
    const res = await h.fillgate.app.inject({
      method: method as 'GET',
      url,
      headers: user.auth,
      ...(payload === undefined ? {} : { payload: payload as Json }),
    });
    return { status: res.statusCode, text: res.body, body: res.body ? res.json<Json>() : {} };
  };

  beforeAll(async () => {
    h = await startHarness();
    alice = await h.user();
    bob = await h.user();
    const mark = h.fillgate.paper.markPrice('ETHUSDT', 'spot')!;
    const resting = await call(alice, 'POST', '/api/v1/orders', {
      symbol: 'ETHUSDT',
      side: 'buy',
      type: 'limit',
      quantity: '0.01',
      price: mark.mul('0.9').toDecimalPlaces(2).toFixed(),
    });
    expect(resting.status).toBe(201);
    aliceOrderId = String(resting.body.order_id);
    const futures = await call(alice, 'POST', '/api/futures/order', {
      connectionId: alice.futuresAccountId,
      symbol: 'BTCUSDT',
      side: 'BUY',
      qty: '0.01',
      leverage: 5,
    });
    expect(futures.status).toBe(201);
    const positions = (await call(alice, 'GET', '/api/v1/positions')).body.positions as Json[];
    alicePositionId = String(positions[0]!.id);
    const signal = await call(alice, 'POST', '/api/v1/signals', {
      signal_id: 'alice-signal',
      symbol: 'ETHUSDT',
      side: 'buy',
      decision: 'wait',
    });
    expect(signal.status).toBe(201);
    const tokens = (await call(alice, 'GET', '/api/v1/tokens')).body.tokens as Json[];
    aliceTokenId = String(tokens[0]!.id);
  });
  afterAll(async () => h.close());

  it("walks every REST route as Bob against Alice's ids: 100% 404, no leak, nothing changed", async () => {
    const a = {
      order: aliceOrderId,
      position: alicePositionId,
      token: aliceTokenId,
      spot: alice.spotAccountId,
      futures: alice.futuresAccountId,
    };
    const range = {
      from: new Date(Date.now() - 86_400_000).toISOString(),
      to: new Date(Date.now() + 86_400_000).toISOString(),
    };
    // Routes that name a resource: Bob must get 404 (not 403: existence is not confirmed).
    const targeted: Record<string, { url: string; body?: unknown }> = {
      'GET /api/v1/orders/:id': { url: `/api/v1/orders/${a.order}` },
      'GET /api/v1/orders/:id/audit': { url: `/api/v1/orders/${a.order}/audit` },
      'POST /api/v1/orders/:id/cancel': { url: `/api/v1/orders/${a.order}/cancel`, body: {} },
      'POST /api/v1/positions/:id/close': { url: `/api/v1/positions/${a.position}/close`, body: {} },
      'PUT /api/v1/positions/:id/exits': {
        url: `/api/v1/positions/${a.position}/exits`,
        body: { stop_loss: null },
      },
      'GET /api/v1/signals/:signal_id': { url: '/api/v1/signals/alice-signal' },
      'POST /api/v1/signals': {
        url: '/api/v1/signals',
        body: { signal_id: 'bob-on-alice', symbol: 'ETHUSDT', side: 'buy', account_id: a.spot },
      },
      'GET /api/v1/pnl/summary': { url: `/api/v1/pnl/summary?account_id=${a.spot}` },
      'GET /api/v1/pnl/daily': { url: `/api/v1/pnl/daily?account_id=${a.spot}` },
      'GET /api/v1/pnl/by-symbol': { url: `/api/v1/pnl/by-symbol?account_id=${a.futures}` },
      ...Object.fromEntries(
        ['orders', 'fills', 'audit'].map((kind) => [
          `GET /api/v1/export/${kind}.csv`,
          { url: `/api/v1/export/${kind}.csv?from=${range.from}&to=${range.to}&account_id=${a.spot}` },
        ]),
      ),
      'GET /api/v1/accounts/:id/risk-limits': { url: `/api/v1/accounts/${a.spot}/risk-limits` },
      'PUT /api/v1/accounts/:id/risk-limits': {
        url: `/api/v1/accounts/${a.spot}/risk-limits`,
        body: { max_open_orders: 1 },
      },
      'PUT /api/v1/accounts/:id/trading-state': {
        url: `/api/v1/accounts/${a.spot}/trading-state`,
        body: { state: 'HALTED' },
      },
      'DELETE /api/v1/tokens/:id': { url: `/api/v1/tokens/${a.token}` },
      'DELETE /api/v1/exchange-accounts/:id': { url: `/api/v1/exchange-accounts/${a.spot}` },
      'POST /api/v1/orders': {
        url: '/api/v1/orders',
        body: { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.001', account_id: a.spot },
      },
      'POST /api/v1/kill-switch': { url: '/api/v1/kill-switch', body: { account_id: a.spot, flatten: true } },
      'DELETE /api/v1/kill-switch': { url: `/api/v1/kill-switch?account_id=${a.futures}` },
      'POST /api/trading/test-order': {
        url: '/api/trading/test-order',
        body: { connectionId: a.spot, symbol: 'BTCUSDT' },
      },
      'POST /api/futures/order': {
        url: '/api/futures/order',
        body: { connectionId: a.futures, symbol: 'BTCUSDT', side: 'SELL', qty: '0.01' },
      },
    };
    // Routes that name nothing of Alice's: Bob's answer must not contain any of her ids.
    const scoped: Record<string, { url: string; body?: unknown }> = {
      'GET /api/v1/orders': { url: '/api/v1/orders?limit=500' },
      'GET /api/v1/accounts': { url: '/api/v1/accounts' },
      'GET /api/v1/balances': { url: '/api/v1/balances' },
      'GET /api/v1/positions': { url: '/api/v1/positions' },
      'GET /api/v1/tokens': { url: '/api/v1/tokens' },
      'GET /api/trading/execution-logs': { url: '/api/trading/execution-logs' },
      'GET /api/v1/signals': { url: '/api/v1/signals' },
      'GET /api/v1/exchange-accounts': { url: '/api/v1/exchange-accounts' },
      'POST /api/v1/webhooks/secret': { url: '/api/v1/webhooks/secret', body: {} },
      'POST /api/v1/tokens': { url: '/api/v1/tokens', body: { name: 'b', scopes: ['read'] } },
      'POST /api/v1/users': {
        url: '/api/v1/users',
        body: { email: 'z@example.com', password: 'x'.repeat(12) },
      },
    };
    // Outside the walk: no ids at all (sign-in takes credentials, health is public).
    // The stream is walked in stream.test.ts (Bob resuming from 0 never sees Alice's events).
    const unowned = new Set([
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/refresh',
      'GET /health',
      'GET /api/v1/stream',
      // Creates an account of the caller's own from exchange credentials: it names nobody else's anything.
      'POST /api/v1/exchange-accounts',
    ]);

    const routes = h.fillgate.app.routeTable
      .filter((r) => r.url.startsWith('/api'))
      .map((r) => `${r.method} ${r.url}`);
    const uncovered = routes.filter((r) => !(r in targeted) && !(r in scoped) && !unowned.has(r));
    expect(uncovered).toEqual([]);

    const results: Record<string, number> = {};
    for (const [route, req] of Object.entries(targeted)) {
      const res = await call(bob, route.split(' ')[0]!, req.url, req.body);
      results[route] = res.status;
      expect(res.body, route).toMatchObject({ error: { code: 'NOT_FOUND' } });
      // The answer may echo the id Bob sent, nothing else of Alice's.
      const sent = `${req.url} ${JSON.stringify(req.body ?? {})}`;
      for (const id of [...Object.values(a), alice.userId].filter((x) => !sent.includes(x))) {
        expect(res.text, route).not.toContain(id);
      }
    }
    expect(Object.values(results).filter((s) => s === 404)).toHaveLength(Object.keys(targeted).length);
    for (const [route, req] of Object.entries(scoped)) {
      const res = await call(bob, route.split(' ')[0]!, req.url, req.body);
      expect(res.status, route).toBeLessThan(500);
      for (const id of [...Object.values(a), alice.userId]) expect(res.text, route).not.toContain(id);
    }

    // Alice's things are untouched.
    const order = await call(alice, 'GET', `/api/v1/orders/${a.order}`);
    expect(order.body.status).toBe('OPEN');
    const accounts = (await call(alice, 'GET', '/api/v1/accounts')).body.accounts as Json[];
    expect(accounts.every((x) => x.trading_state === 'ACTIVE')).toBe(true);
    const positions = (await call(alice, 'GET', '/api/v1/positions')).body.positions as Json[];
    expect(positions[0]).toMatchObject({ id: a.position, status: 'OPEN' });
    const tokens = (await call(alice, 'GET', '/api/v1/tokens')).body.tokens as Json[];
    expect(tokens.find((t) => t.id === a.token)?.revoked_at).toBeNull();
    const limits = await call(alice, 'GET', `/api/v1/accounts/${a.spot}/risk-limits`);
    expect((limits.body.limits as Json).max_open_orders).not.toBe(1);
  });

  it('rejects mass assignment on every write route (user_id, status, filled_qty ...)', async () => {
    const writes = h.fillgate.app.routeTable.filter(
      (r) => r.url.startsWith('/api') && ['POST', 'PUT'].includes(r.method),
    );
    const url = (u: string) =>
      u
        .replace('/orders/:id', `/orders/${aliceOrderId}`)
        .replace('/positions/:id', `/positions/${alicePositionId}`)
        .replace('/accounts/:id', `/accounts/${alice.spotAccountId}`);
    const sneaky = { user_id: bob.userId, status: 'FILLED', filled_qty: '1', role: 'admin' };
    for (const route of writes) {
      for (const [field, value] of Object.entries(sneaky)) {
        if (route.url === '/api/v1/users' && field === 'role') continue; // a real field there (admin only)
        const res = await call(alice, route.method, url(route.url), { [field]: value });
        expect(res.status, `${route.method} ${route.url} ${field}`).toBe(400);
        expect(res.body, `${route.method} ${route.url}`).toMatchObject({
          error: { code: 'VALIDATION_FAILED' },
        });
      }
    }
    expect(writes.length).toBeGreaterThanOrEqual(12);
  });

  it('RLS is the second wall: an unfiltered query sees only the set user; with no user set, 0 rows', async () => {
    const db = h.fillgate.database.db;
    const seen = await userTransaction(db, bob.userId, async (tx) => {
      const rows = await rowsOf<{ user_id: string }>(
        tx.execute(sql`SELECT DISTINCT user_id::text AS user_id FROM orders`),
      );
      return rows.map((r) => r.user_id);
    });
    expect(seen.every((id) => id === bob.userId)).toBe(true);

    for (const table of USER_OWNED) {
      const [asOwner, asAppNoUser] = await Promise.all([
        rowsOf<{ n: number }>(db.execute(sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}`)),
        db.transaction(async (tx) => {
          await tx.execute(sql`SELECT set_config('role', ${APP_ROLE}, true)`);
          return rowsOf<{ n: number }>(
            tx.execute(sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}`),
          );
        }),
      ]);
      expect(asAppNoUser[0]!.n, table).toBe(0);
      if (['users', 'orders', 'balances', 'exchange_accounts', 'api_tokens'].includes(table)) {
        expect(asOwner[0]!.n, table).toBeGreaterThan(0);
      }
    }
    // Writing another user's row as the app role fails the policy check.
    const forged = userTransaction(db, bob.userId, (tx) =>
      tx.execute(sql`UPDATE orders SET status = 'CANCELED' WHERE id = ${aliceOrderId} RETURNING id`),
    );
    expect(await rowsOf(forged)).toHaveLength(0);
    const insert = userTransaction(db, bob.userId, (tx) =>
      tx.execute(sql`INSERT INTO webhook_secrets (user_id, secret_hash) VALUES (${alice.userId}, 'x')`),
    );
    const failure = await insert.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(String((failure as { cause?: unknown } | undefined)?.cause)).toMatch(/row-level security/);
  });

  it('catalog: the app role is not superuser, not BYPASSRLS, owns no table; every user-owned table has FORCE RLS', async () => {
    const db = h.fillgate.database.db;
    const role = await rowsOf<{ rolsuper: boolean; rolbypassrls: boolean }>(
      db.execute(sql`SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = ${APP_ROLE}`),
    );
    expect(role).toEqual([{ rolsuper: false, rolbypassrls: false }]);
    const tables = await rowsOf<{ relname: string; owner: string; rls: boolean; forced: boolean }>(
      db.execute(sql`
      SELECT c.relname, pg_get_userbyid(c.relowner) AS owner, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced
      FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
        AND c.relname <> '__drizzle_migrations'`),
    );
    const byName = new Map(tables.map((t) => [t.relname, t]));
    expect([...byName.keys()].sort()).toEqual([...USER_OWNED].sort());
    for (const table of USER_OWNED) {
      expect(byName.get(table), table).toMatchObject({ rls: true, forced: true });
      expect(byName.get(table)?.owner, table).not.toBe(APP_ROLE);
    }
    // The app role has no rights on anything else in the schema (the migrations bookkeeping).
    const other = await rowsOf<{ n: number }>(
      db.execute(sql`
      SELECT count(*)::int AS n FROM information_schema.role_table_grants
      WHERE grantee = ${APP_ROLE} AND table_schema = current_schema() AND table_name <> ALL (${sql.raw(
        `ARRAY[${USER_OWNED.map((t) => `'${t}'`).join(',')}]`,
      )})`),
    );
    expect(other[0]!.n).toBe(0);
    const policies = await rowsOf<{ tablename: string }>(
      db.execute(sql`
      SELECT tablename FROM pg_policies
      WHERE schemaname = current_schema() AND policyname = 'user_isolation' AND ${APP_ROLE} = ANY(roles)`),
    );
    expect(policies.map((p) => p.tablename).sort()).toEqual([...USER_OWNED].sort());
  });
});
