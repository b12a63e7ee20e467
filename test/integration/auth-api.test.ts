import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKind } from '../support/test-database.ts';

type Json = Record<string, unknown>;

describe(`users, sessions and API tokens on ${databaseKind}`, () => {
  let h: Harness;
  let admin: Awaited<ReturnType<Harness['user']>>;

  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, auth?: string, payload?: unknown) => {
    const res = await h.fillgate.app.inject({
      method,
      url,
      headers: auth ? { authorization: `Bearer ${auth}` } : {},
      ...(payload === undefined ? {} : { payload: payload as Json }),
    });
    return { status: res.statusCode, body: res.body ? res.json<Json>() : {} };
  };

  beforeAll(async () => {
    h = await startHarness();
    admin = await h.user(undefined, 'root@test.local', undefined, 'admin');
  });
  afterAll(async () => h.close());

  it('an admin creates a user with paper accounts; the user signs in and trades with the JWT', async () => {
    const created = await call('POST', '/api/v1/users', admin.token, {
      email: 'Alice@Example.com',
      password: 'correct horse battery',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'alice@example.com', role: 'user' });
    expect(created.body.accounts).toHaveLength(2);

    const dup = await call('POST', '/api/v1/users', admin.token, {
      email: 'alice@example.com',
      password: 'correct horse battery',
    });
    expect(dup.status).toBe(409);

    const bad = await call('POST', '/api/v1/auth/login', undefined, {
      email: 'alice@example.com',
      password: 'wrong password!',
    });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({
      error: { code: 'UNAUTHENTICATED', message: 'Wrong email or password.' },
    });
    const unknown = await call('POST', '/api/v1/auth/login', undefined, {
      email: 'nobody@example.com',
      password: 'whatever',
    });
    expect(unknown.body).toEqual(bad.body);

    const login = await call('POST', '/api/v1/auth/login', undefined, {
      email: 'alice@example.com',
      password: 'correct horse battery',
    });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const jwt = String(login.body.access_token);
    expect(jwt.split('.')).toHaveLength(3);

    const accounts = await call('GET', '/api/v1/accounts', jwt);
    expect(accounts.status).toBe(200);
    expect((accounts.body.accounts as Json[]).map((a) => a.id).sort()).toEqual(
      (created.body.accounts as Json[]).map((a) => a.id).sort(),
    );
    const order = await call('POST', '/api/v1/orders', jwt, {
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      quantity: '0.001',
    });
    expect(order.status).toBe(201);

    // A user is not an admin.
    const forbidden = await call('POST', '/api/v1/users', jwt, {
      email: 'x@example.com',
      password: 'x'.repeat(12),
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });

  it('refresh tokens rotate; replaying a spent one is refused and revokes the family', async () => {
    const login = await call('POST', '/api/v1/auth/login', undefined, {
      email: 'alice@example.com',
      password: 'correct horse battery',
    });
    const first = String(login.body.refresh_token);
    const rotated = await call('POST', '/api/v1/auth/refresh', undefined, { refresh_token: first });
    expect(rotated.status).toBe(200);
    const second = String(rotated.body.refresh_token);
    expect(second).not.toBe(first);
    expect((await call('GET', '/api/v1/accounts', String(rotated.body.access_token))).status).toBe(200);

    const replay = await call('POST', '/api/v1/auth/refresh', undefined, { refresh_token: first });
    expect(replay.status).toBe(401);
    // The reuse revoked the family: the newest token is dead too.
    expect((await call('POST', '/api/v1/auth/refresh', undefined, { refresh_token: second })).status).toBe(
      401,
    );
    expect(
      (await call('POST', '/api/v1/auth/refresh', undefined, { refresh_token: 'fgr_nope' })).status,
    ).toBe(401);
  });

  it('API tokens are shown once, scoped, listed without secrets and revocable', async () => {
    const user = await h.user();
    const created = await call('POST', '/api/v1/tokens', user.token, { name: 'reader', scopes: ['read'] });
    expect(created.status).toBe(201);
    const reader = String(created.body.token);
    expect(reader).toMatch(/^fg_/);

    const list = await call('GET', '/api/v1/tokens', user.token);
    const tokens = list.body.tokens as Json[];
    expect(tokens.map((t) => t.name)).toEqual(['default', 'reader']);
    expect(JSON.stringify(list.body)).not.toContain(reader);

    expect((await call('GET', '/api/v1/orders', reader)).status).toBe(200);
    const write = await call('POST', '/api/v1/orders', reader, {
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      quantity: '0.001',
    });
    expect(write.status).toBe(403);
    // No escalation: a read token cannot mint a trade token; a user cannot mint an admin token.
    expect((await call('POST', '/api/v1/tokens', reader, { name: 'x', scopes: ['trade'] })).status).toBe(403);
    expect((await call('POST', '/api/v1/tokens', user.token, { name: 'x', scopes: ['admin'] })).status).toBe(
      403,
    );

    // Someone else's token id is "not found", not "forbidden".
    const other = await h.user();
    expect((await call('DELETE', `/api/v1/tokens/${String(created.body.id)}`, other.token)).status).toBe(404);

    expect((await call('DELETE', `/api/v1/tokens/${String(created.body.id)}`, user.token)).status).toBe(204);
    const after = await call('GET', '/api/v1/orders', reader);
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect((await call('DELETE', `/api/v1/tokens/${String(created.body.id)}`, user.token)).status).toBe(404);
  });
});
