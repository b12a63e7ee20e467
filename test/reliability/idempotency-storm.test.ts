import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKind } from '../support/test-database.ts';

/** Keys in the storm: IDEMPOTENCY_STORM_KEYS, else 1000 on PostgreSQL and 50 on PGlite (single connection). */
const KEYS = Number(process.env.IDEMPOTENCY_STORM_KEYS ?? (databaseKind === 'postgres' ? 1000 : 50));
const COPIES = 10;
const KEYS_PER_WAVE = 50;

describe(`idempotency storm on ${databaseKind}: ${KEYS} keys x ${COPIES} concurrent POSTs`, () => {
  let h: Harness;
  let user: Awaited<ReturnType<Harness['user']>>;

  beforeAll(async () => {
    h = await startHarness();
    user = await h.user({ spotUsdt: new Decimal(100_000_000), futuresUsdt: new Decimal(0) });
  });
  afterAll(async () => h.close());

  it('places exactly one order per key; every 2xx for a key is byte-identical; replays too; 422 on change', async () => {
    const started = Date.now();
    const body = (i: number) => ({
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      quantity: '0.001',
      client_order_id: `storm-${i}`,
    });
    const send = (i: number, payload: unknown = body(i)) =>
      h.fillgate.app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        headers: { ...user.auth, 'idempotency-key': `storm-key-${i}` },
        payload: payload as Record<string, unknown>,
      });
    const firstBody = new Map<number, string>();
    let busy = 0;
    for (let wave = 0; wave < KEYS; wave += KEYS_PER_WAVE) {
      const keys = Array.from({ length: Math.min(KEYS_PER_WAVE, KEYS - wave) }, (_, j) => wave + j);
      const requests = keys.flatMap((i) =>
        Array.from({ length: COPIES }, () => send(i).then((res) => ({ i, res }))),
      );
      for (const { i, res } of await Promise.all(requests)) {
        if (res.statusCode === 409) {
          expect(res.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_IN_FLIGHT' } });
          busy += 1;
          continue;
        }
        expect(res.statusCode).toBe(201);
        const seen = firstBody.get(i);
        if (seen === undefined) firstBody.set(i, res.body);
        else expect(res.body).toBe(seen);
      }
    }
    expect(firstBody.size).toBe(KEYS);

    // Replays after the storm: byte-identical, no new orders.
    for (let i = 0; i < KEYS; i += 1) {
      const replay = await send(i);
      expect(replay.body).toBe(firstBody.get(i));
    }
    const changed = await send(0, { ...body(0), quantity: '0.002' });
    expect(changed.statusCode).toBe(422);

    const orderIds = new Set<string>();
    let cursor: string | null = null;
    do {
      const json: { orders: { id: string }[]; next_cursor: string | null } = (
        await h.fillgate.app.inject({
          method: 'GET',
          url: `/api/v1/orders?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
          headers: user.auth,
        })
      ).json();
      for (const o of json.orders) orderIds.add(o.id);
      cursor = json.next_cursor;
    } while (cursor);
    expect(orderIds.size).toBe(KEYS);
    const orderIdOf = [...firstBody.values()].map((b) => (JSON.parse(b) as { order_id: string }).order_id);
    expect(new Set(orderIdOf).size).toBe(KEYS);

    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `idempotency storm (${databaseKind}): ${KEYS} keys x ${COPIES} = ${KEYS * COPIES} POSTs + ${KEYS} replays in ${seconds.toFixed(1)} s; ${busy} answered 409 in flight; ${orderIds.size} orders\n`,
    );
  }, 900_000);
});
