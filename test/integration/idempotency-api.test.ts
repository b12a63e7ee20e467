import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKind } from '../support/test-database.ts';

type User = Awaited<ReturnType<Harness['user']>>;

describe(`Idempotency-Key on ${databaseKind}`, () => {
  let h: Harness;
  let alice: User;
  let bob: User;

  const post = (user: User, url: string, payload: unknown, key?: string) =>
    h.fillgate.app.inject({
      method: 'POST',
      url,
      headers: { ...user.auth, ...(key ? { 'idempotency-key': key } : {}) },
      payload: payload as Record<string, unknown>,
    });
  const order = { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.001' };
  const orderCount = async (user: User) =>
    (
      await h.fillgate.app.inject({ method: 'GET', url: '/api/v1/orders?limit=500', headers: user.auth })
    ).json<{
      orders: unknown[];
    }>().orders.length;

  beforeAll(async () => {
    h = await startHarness();
    alice = await h.user();
    bob = await h.user();
  });
  afterAll(async () => h.close());

  it('replays the first response byte for byte, places one order, and refuses a changed body with 422', async () => {
    const first = await post(alice, '/api/v1/orders', order, 'key-1');
    expect(first.statusCode).toBe(201);
    const again = await post(alice, '/api/v1/orders', order, 'key-1');
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await orderCount(alice)).toBe(1);

    const changed = await post(alice, '/api/v1/orders', { ...order, quantity: '0.002' }, 'key-1');
    expect(changed.statusCode).toBe(422);
    expect(changed.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED', retryable: false } });
    const otherRoute = await post(alice, '/api/v1/tokens', { name: 'x', scopes: ['read'] }, 'key-1');
    expect(otherRoute.statusCode).toBe(422);
    expect(await orderCount(alice)).toBe(1);
  });

  it('keys are per user: the same key from another user is a new request', async () => {
    const res = await post(bob, '/api/v1/orders', order, 'key-1');
    expect(res.statusCode).toBe(201);
    expect(await orderCount(bob)).toBe(1);
  });

  it('stores denials and not-found answers too (they are answers), but not a malformed request', async () => {
    const tiny = { symbol: 'ETHUSDT', side: 'buy', type: 'market', quantity: '0.0001' };
    const skipped = await post(alice, '/api/v1/orders', tiny, 'key-2');
    expect(skipped.statusCode).toBe(422);
    expect((await post(alice, '/api/v1/orders', tiny, 'key-2')).body).toBe(skipped.body);

    const malformed = await post(alice, '/api/v1/orders', { ...order, user_id: bob.userId }, 'key-3');
    expect(malformed.statusCode).toBe(400);
    const fixed = await post(alice, '/api/v1/orders', order, 'key-3');
    expect(fixed.statusCode).toBe(201);
  });

  it('while the first request runs, the same key answers 409 (retryable)', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => post(alice, '/api/v1/orders', order, 'key-concurrent')),
    );
    const created = results.filter((r) => r.statusCode === 201);
    const busy = results.filter((r) => r.statusCode === 409);
    expect(created.length + busy.length).toBe(10);
    expect(new Set(created.map((r) => r.body)).size).toBe(1);
    for (const r of busy)
      expect(r.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_IN_FLIGHT', retryable: true } });
    const replay = await post(alice, '/api/v1/orders', order, 'key-concurrent');
    expect(replay.body).toBe(created[0]!.body);
  });

  it('refuses a malformed key', async () => {
    const res = await post(alice, '/api/v1/orders', order, 'x'.repeat(300));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });
});
