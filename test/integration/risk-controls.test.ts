import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { Decimal } from '../../src/domain/decimal.ts';
import { NO_RISK_LIMITS } from '../../src/domain/risk-limits.ts';
import { provisionUser } from '../../src/execution/provision-user.ts';
import { createFillgate } from '../../src/main.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { ManualFeed } from '../support/manual-feed.ts';
import { databaseKind } from '../support/test-database.ts';

type Json = Record<string, unknown>;

describe(`risk limits, halts and the kill switch (${databaseKind})`, () => {
  const feed = new ManualFeed();
  let h: Harness;

  const post = async (auth: { authorization: string }, url: string, payload: unknown) => {
    const res = await h.fillgate.app.inject({ method: 'POST', url, headers: auth, payload: payload as Json });
    return { status: res.statusCode, body: res.json<Json>() };
  };
  const put = async (auth: { authorization: string }, url: string, payload: unknown) => {
    const res = await h.fillgate.app.inject({ method: 'PUT', url, headers: auth, payload: payload as Json });
    return { status: res.statusCode, body: res.json<Json>() };
  };
  const buy = (auth: { authorization: string }, quantity: string, extra: Json = {}) =>
    post(auth, '/api/v1/orders', { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity, ...extra });

  beforeAll(async () => {
    h = await startHarness({ feed });
    feed.book('BTCUSDT', 'spot', '95999', '96001', '1000');
    feed.book('BTCUSDT', 'futures', '95999', '96001', '1000');
  });
  afterAll(async () => h.close());

  it('serves and updates risk limits; null switches one off; bad input changes nothing', async () => {
    const user = await h.user(undefined, undefined, undefined);
    const url = `/api/v1/accounts/${user.spotAccountId}/risk-limits`;
    const updated = await put(user.auth, url, { max_order_notional: '1000', duplicate_window_s: null });
    expect(updated.status).toBe(200);
    expect((updated.body.limits as Json).max_order_notional).toBe('1000');
    expect((updated.body.limits as Json).duplicate_window_s).toBeNull();
    const bad = await put(user.auth, url, { max_order_notional: '-5', bogus: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    const read = await h.fillgate.app.inject({ method: 'GET', url, headers: user.auth });
    expect(read.json<{ limits: Json }>().limits.max_order_notional).toBe('1000');
    const other = await h.user();
    expect((await put(other.auth, url, { max_order_notional: '5' })).status).toBe(404);
  });

  it('fat finger: the order just inside max_order_notional is placed, just outside is skipped with the figures', async () => {
    const user = await h.user(undefined, undefined, {
      ...NO_RISK_LIMITS,
      maxOrderNotional: new Decimal('960'),
    });
    const inside = await buy(user.auth, '0.01'); // 0.01 x mark 96000 = 960
    expect(inside.body.status).toBe('PLACED');
    const outside = await buy(user.auth, '0.01001');
    expect(outside.body).toMatchObject({ status: 'SKIPPED', reason_code: 'MAX_ORDER_NOTIONAL' });
    expect(String(outside.body.message)).toContain('max_order_notional 960');
    expect(String(outside.body.message)).toContain('960.96');
  });

  it('duplicate window: the same order twice within it is skipped', async () => {
    const user = await h.user(undefined, undefined, { ...NO_RISK_LIMITS, duplicateWindowS: 30 });
    expect((await buy(user.auth, '0.001')).body.status).toBe('PLACED');
    expect((await buy(user.auth, '0.001')).body).toMatchObject({
      status: 'SKIPPED',
      reason_code: 'DUPLICATE_ORDER',
    });
    expect((await buy(user.auth, '0.002')).body.status).toBe('PLACED');
  });

  it('200 concurrent orders against a max exposure that admits 37: exactly 37 placed, never above the limit', async () => {
    // Each futures order of 0.01 BTC adds 0.01 x 96000 = 960 of exposure; 37 x 960 = 35520.
    const user = await h.user({ spotUsdt: new Decimal(0), futuresUsdt: new Decimal(1_000_000) }, undefined, {
      ...NO_RISK_LIMITS,
      maxTotalExposure: new Decimal('35520'),
    });
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        post(user.auth, '/api/v1/orders', {
          symbol: 'BTCUSDT',
          side: 'buy',
          type: 'market',
          quantity: '0.01',
          market_type: 'futures',
          leverage: 10,
        }),
      ),
    );
    expect(results.filter((r) => r.body.status === 'PLACED')).toHaveLength(37);
    const skipped = results.filter((r) => r.body.status === 'SKIPPED');
    expect(skipped).toHaveLength(163);
    expect(new Set(skipped.map((r) => r.body.reason_code))).toEqual(new Set(['MAX_EXPOSURE']));
    const positions = await h.fillgate.read.listPositions(user.userId);
    expect(positions).toHaveLength(1);
    expect(positions[0]!.quantity.toFixed()).toBe('0.37');
    expect(positions[0]!.quantity.mul(96000).lessThanOrEqualTo(35520)).toBe(true);
  });

  it('kill switch with 50 resting orders: all canceled, nothing accepted after it returns, still halted after a restart', async () => {
    const user = await h.user();
    for (let i = 0; i < 50; i += 1) {
      const res = await post(user.auth, '/api/v1/orders', {
        symbol: 'BTCUSDT',
        side: 'buy',
        type: 'limit',
        quantity: '0.001',
        price: String(90_000 + i),
      });
      expect(res.body.status).toBe('PLACED');
    }
    // Orders keep arriving while the switch is pulled.
    const racing = Array.from({ length: 20 }, (_, i) =>
      post(user.auth, '/api/v1/orders', {
        symbol: 'BTCUSDT',
        side: 'buy',
        type: 'limit',
        quantity: '0.001',
        price: String(80_000 + i),
      }),
    );
    const kill = await post(user.auth, '/api/v1/kill-switch', { account_id: user.spotAccountId });
    expect(kill.status).toBe(200);
    await Promise.all(racing);
    const report = (kill.body.accounts as Json[])[0]!;
    expect((report.canceled as string[]).length).toBeGreaterThanOrEqual(50);
    expect(report.cancel_failed).toEqual([]);

    const open = await h.fillgate.database.db.query.orders.findMany({
      where: (o, { and, eq, notInArray }) =>
        and(
          eq(o.accountId, user.spotAccountId),
          notInArray(o.status, ['CANCELED', 'FILLED', 'REJECTED', 'EXPIRED']),
        ),
    });
    expect(open).toEqual([]);
    expect(h.fillgate.paper.openOrders(user.spotAccountId)).toEqual([]);
    const after = await buy(user.auth, '0.001');
    expect(after.body).toMatchObject({ status: 'SKIPPED', reason_code: 'TRADING_HALTED' });
    const usdt = (await h.fillgate.read.listBalances(user.userId)).find(
      (b) => b.accountId === user.spotAccountId,
    )!;
    expect(usdt.reserved.toFixed()).toBe('0');

    // A second process on the same database sees the halt.
    const again = await createFillgate({
      config: loadConfig({ FILLGATE_DATA_DIR: '/nonexistent-test-dir' }),
      database: h.fillgate.database,
      feed,
      logger: pino({ level: 'silent' }),
    });
    try {
      const res = await again.app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        headers: user.auth,
        payload: { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.001' },
      });
      expect(res.json()).toMatchObject({ status: 'SKIPPED', reason_code: 'TRADING_HALTED' });
    } finally {
      await again.stop();
    }
    const release = await h.fillgate.app.inject({
      method: 'DELETE',
      url: `/api/v1/kill-switch?account_id=${user.spotAccountId}`,
      headers: user.auth,
    });
    expect(release.statusCode).toBe(200);
    expect((await buy(user.auth, '0.001')).body.status).toBe('PLACED');
  });

  it('kill switch with flatten closes positions at market even though the account is halted', async () => {
    const user = await h.user();
    expect((await buy(user.auth, '0.01')).body.status).toBe('PLACED');
    const kill = await post(user.auth, '/api/v1/kill-switch', {
      account_id: user.spotAccountId,
      flatten: true,
    });
    const report = (kill.body.accounts as Json[])[0]!;
    expect((report.flattened as Json[])[0], JSON.stringify(report)).toMatchObject({ status: 'PLACED' });
    const positions = await h.fillgate.read.listPositions(user.userId);
    expect(positions[0]!.status).toBe('CLOSED');
  });

  it('only an admin can pull every account', async () => {
    const user = await h.user();
    const res = await post(user.auth, '/api/v1/kill-switch', { scope: 'all' });
    expect(res.status).toBe(403);
  });

  it('a breached daily loss halts the account with an audit row; the next order is TRADING_HALTED', async () => {
    const user = await provisionUser(h.fillgate.identity, randomUUID, {
      email: `${randomUUID()}@t.local`,
      role: 'user',
      riskLimits: { ...NO_RISK_LIMITS, dailyLossLimit: new Decimal('50') },
    });
    const auth = { authorization: `Bearer ${user.token}` };
    expect((await buy(auth, '0.1')).body.status).toBe('PLACED'); // 9600.10 spent, fee 9.6001
    feed.book('BTCUSDT', 'spot', '95499', '95501', '1000'); // -50 unrealized: with fees, over the limit
    const breach = await buy(auth, '0.001');
    expect(breach.body).toMatchObject({ status: 'SKIPPED', reason_code: 'DAILY_LOSS_LIMIT' });
    const next = await buy(auth, '0.001');
    expect(next.body).toMatchObject({ status: 'SKIPPED', reason_code: 'TRADING_HALTED' });
    const audit = await h.fillgate.read.listAudit(user.userId, { limit: 10 });
    expect(
      audit.some((a) => a.reasonCode === 'DAILY_LOSS_LIMIT' && a.message.includes('switched to HALTED')),
    ).toBe(true);
    const [account] = (await h.fillgate.read.listAccounts(user.userId)).filter(
      (a) => a.marketType === 'spot',
    );
    expect(account).toMatchObject({
      tradingState: 'HALTED',
      haltReason: 'DAILY_LOSS_LIMIT',
      resumeNextDay: true,
    });
    feed.book('BTCUSDT', 'spot', '95999', '96001', '1000');
  });
});
