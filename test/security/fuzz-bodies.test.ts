import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKind } from '../support/test-database.ts';
import { USER_OWNED_TABLES } from '../support/user-owned-tables.ts';

const TABLES = USER_OWNED_TABLES;
/** Field names the routes really take, so the fuzzer also reaches type and format checks. */
const FIELDS = [
  'symbol',
  'side',
  'type',
  'quantity',
  'quote_quantity',
  'price',
  'stop_price',
  'leverage',
  'account_id',
  'client_order_id',
  'connectionId',
  'qty',
  'quoteSizeUsdt',
  'name',
  'scopes',
  'email',
  'password',
  'role',
  'state',
  'flatten',
  'scope',
  'refresh_token',
  'max_open_orders',
  'max_order_notional',
  'require_stop_loss',
];
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

/** Bodies that are malformed by construction: invalid JSON, non-objects, unknown keys, or wrong-typed fields. */
const malformedBody = fc.oneof(
  // Invalid JSON: an opening brace and noise (filtered, since `{` + `}` would be a valid empty object).
  fc
    .string({ maxLength: 40 })
    .map((s) => `{${s}`)
    .filter((text) => {
      try {
        JSON.parse(text);
        return false;
      } catch {
        return true;
      }
    }),
  fc
    .oneof(
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.string(),
      fc.array(fc.jsonValue(), { maxLength: 4 }),
    )
    .map((v) => JSON.stringify(v)),
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }))
    .map(([key, value]) => JSON.stringify({ [`x_${key}`]: value })),
  fc
    .dictionary(
      fc.constantFrom(...FIELDS),
      fc.oneof(
        fc.object({ maxDepth: 1 }),
        fc.array(fc.integer(), { minLength: 1, maxLength: 3 }),
        fc.string({ maxLength: 8 }).map((s) => `x${s}!`),
        fc.integer({ min: -1_000_000, max: -1 }),
      ),
      { minKeys: 1, maxKeys: 4 },
    )
    .map((v) => JSON.stringify(v)),
);

describe(`fuzzed malformed bodies on every write route on ${databaseKind}`, () => {
  let h: Harness;
  let admin: Awaited<ReturnType<Harness['user']>>;
  let orderId: string;
  let positionId: string;

  const counts = async () => {
    const db = h.fillgate.database.db;
    const out: Record<string, number> = {};
    for (const table of TABLES) {
      const result = (await db.execute(
        sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}`,
      )) as unknown as {
        rows: { n: number }[];
      };
      out[table] = result.rows[0]!.n;
    }
    return out;
  };

  beforeAll(async () => {
    h = await startHarness();
    admin = await h.user(undefined, undefined, undefined, 'admin');
    const mark = h.fillgate.paper.markPrice('ETHUSDT', 'spot')!;
    const resting = await h.fillgate.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: admin.auth,
      payload: {
        symbol: 'ETHUSDT',
        side: 'buy',
        type: 'limit',
        quantity: '0.01',
        price: mark.mul('0.9').toDecimalPlaces(2).toFixed(),
      },
    });
    orderId = resting.json<{ order_id: string }>().order_id;
    await h.fillgate.app.inject({
      method: 'POST',
      url: '/api/futures/order',
      headers: admin.auth,
      payload: {
        connectionId: admin.futuresAccountId,
        symbol: 'BTCUSDT',
        side: 'BUY',
        qty: '0.01',
        leverage: 5,
      },
    });
    const positions = await h.fillgate.app.inject({
      method: 'GET',
      url: '/api/v1/positions',
      headers: admin.auth,
    });
    positionId = positions.json<{ positions: { id: string }[] }>().positions[0]!.id;
  });
  afterAll(async () => h.close());

  it('answers 100% 4xx with the envelope, 0 5xx, and writes nothing', async () => {
    const routes = h.fillgate.app.routeTable.filter(
      (r) => r.url.startsWith('/api') && ['POST', 'PUT'].includes(r.method),
    );
    const url = (u: string) =>
      u
        .replace('/orders/:id', `/orders/${orderId}`)
        .replace('/positions/:id', `/positions/${positionId}`)
        .replace('/accounts/:id', `/accounts/${admin.spotAccountId}`);
    const before = await counts();
    const tally: Record<string, number> = {};
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(malformedBody, async (raw) => {
          const res = await h.fillgate.app.inject({
            method: route.method as 'POST',
            url: url(route.url),
            headers: { ...admin.auth, 'content-type': 'application/json' },
            payload: raw,
          });
          tally[res.statusCode] = (tally[res.statusCode] ?? 0) + 1;
          expect(res.statusCode, `${route.method} ${route.url} ${raw}`).toBeGreaterThanOrEqual(400);
          expect(res.statusCode, `${route.method} ${route.url} ${raw}`).toBeLessThan(500);
          const body = res.json<{ error: { code: string; message: string; retryable: boolean } }>();
          expect(body.error.code).toEqual(expect.any(String));
          expect(body.error.message).toEqual(expect.any(String));
          expect(typeof body.error.retryable).toBe('boolean');
        }),
        { numRuns: RUNS },
      );
    }
    expect(await counts()).toEqual(before);
    expect(routes.length).toBeGreaterThanOrEqual(12);
    process.stdout.write(
      `fuzz (${databaseKind}): ${routes.length} write routes x ${RUNS} bodies; statuses ${JSON.stringify(tally)}\n`,
    );
  }, 120_000);
});
