import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKind } from '../support/test-database.ts';

describe(`operability on ${databaseKind}`, () => {
  let h: Harness;
  let user: Awaited<ReturnType<Harness['user']>>;

  beforeAll(async () => {
    h = await startHarness({ env: { FILLGATE_RATE_LIMIT_PER_MIN: '5' } });
    user = await h.user();
  });
  afterAll(async () => h.close());

  it('serves an OpenAPI 3 document built from the route schemas, and Swagger UI at /docs', async () => {
    const doc = await h.fillgate.app.inject({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    const json = doc.json<{
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    }>();
    expect(json.openapi).toMatch(/^3\./);
    expect(json.paths['/api/v1/orders']?.post?.requestBody).toBeDefined();
    for (const path of [
      '/api/v1/auth/login',
      '/api/v1/tokens',
      '/api/v1/users',
      '/api/v1/positions/{id}/close',
    ]) {
      expect(json.paths[path], path).toBeDefined();
    }
    const ui = await h.fillgate.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });

  it('limits each user: 429 with Retry-After and the envelope; other users are unaffected', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 7; i += 1) {
      last = await h.fillgate.app.inject({ method: 'GET', url: '/api/v1/accounts', headers: user.auth });
      statuses.push(last.statusCode);
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.json()).toMatchObject({ error: { code: 'RATE_LIMITED', retryable: true } });
    const other = await h.user();
    expect(
      (await h.fillgate.app.inject({ method: 'GET', url: '/api/v1/accounts', headers: other.auth }))
        .statusCode,
    ).toBe(200);
  });

  it('sends no CORS headers (off by default)', async () => {
    const res = await h.fillgate.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/orders',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('exposes Prometheus metrics: orders by source/status/reason, latency histograms, WebSocket clients', async () => {
    const other = await h.user();
    await h.fillgate.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: other.auth,
      payload: { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.001' },
    });
    const res = await h.fillgate.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/fillgate_orders_total\{source="TERMINAL",status="PLACED",reason="none"\} 1/);
    expect(res.body).toContain('fillgate_order_execution_seconds_bucket');
    expect(res.body).toContain('fillgate_http_request_duration_seconds_bucket');
    expect(res.body).toContain('fillgate_websocket_clients 0');
  });
});
