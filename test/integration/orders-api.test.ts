import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKind } from '../support/test-database.ts';

type Json = Record<string, unknown>;

describe(`orders API on ${databaseKind}`, () => {
  let h: Harness;
  let alice: Awaited<ReturnType<Harness['user']>>;
  let bob: Awaited<ReturnType<Harness['user']>>;

  const post = async (auth: { authorization: string }, url: string, payload: unknown, headers: Json = {}) => {
    const res = await h.fillgate.app.inject({
      method: 'POST',
      url,
      headers: { ...auth, ...headers },
      payload: payload as Json,
    });
    return { status: res.statusCode, body: res.json<Json>() };
  };
  const get = async (auth: { authorization: string }, url: string) => {
    const res = await h.fillgate.app.inject({ method: 'GET', url, headers: auth });
    return { status: res.statusCode, body: res.json<Json>() };
  };
  const balance = async (auth: { authorization: string }, accountId: string, asset: string) => {
    const { body } = await get(auth, '/api/v1/balances');
    const rows = body.balances as { account_id: string; asset: string; total: string; reserved: string }[];
    const row = rows.find((b) => b.account_id === accountId && b.asset === asset);
    return { total: new Decimal(row?.total ?? '0'), reserved: new Decimal(row?.reserved ?? '0') };
  };

  beforeAll(async () => {
    h = await startHarness();
    alice = await h.user();
    bob = await h.user();
  });
  afterAll(async () => h.close());

  it('places a market buy of 0.001 BTCUSDT with an exchange order id, and logs it', async () => {
    const res = await post(alice.auth, '/api/v1/orders', {
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      quantity: '0.001',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ success: true, status: 'PLACED', reason_code: null });
    expect(res.body.exchange_order_id).toEqual(expect.any(String));
    const order = res.body.order as Json;
    expect(order.status).toBe('FILLED');
    expect(order.filled_quantity).toBe('0.001');

    const detail = await get(alice.auth, `/api/v1/orders/${String(res.body.order_id)}`);
    const fills = detail.body.fills as { price: string; quantity: string; fee: string }[];
    const filled = fills.reduce((sum, f) => sum.plus(f.quantity), new Decimal(0));
    expect(filled.toFixed()).toBe('0.001');
    const cost = fills.reduce(
      (sum, f) => sum.plus(new Decimal(f.price).mul(f.quantity)).plus(f.fee),
      new Decimal(0),
    );
    const usdt = await balance(alice.auth, alice.spotAccountId, 'USDT');
    expect(usdt.total.toFixed()).toBe(new Decimal(10_000).minus(cost).toFixed());
    expect(usdt.reserved.toFixed()).toBe('0');
    expect((await balance(alice.auth, alice.spotAccountId, 'BTC')).total.toFixed()).toBe('0.001');

    const logs = await get(alice.auth, '/api/trading/execution-logs?source=TERMINAL');
    const entries = logs.body.logs as Json[];
    expect(entries[0]).toMatchObject({
      status: 'PLACED',
      exchange_order_id: res.body.exchange_order_id,
      symbol: 'BTCUSDT',
    });
  });

  it('skips a 2 USDT order as BELOW_MIN_NOTIONAL with an actionable message, and logs it', async () => {
    const res = await post(alice.auth, '/api/v1/orders', {
      symbol: 'ETHUSDT',
      side: 'buy',
      type: 'market',
      quote_quantity: '2',
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      success: false,
      status: 'SKIPPED',
      reason_code: 'BELOW_MIN_NOTIONAL',
      order_id: null,
    });
    expect(res.body.message).toMatch(
      /^Notional \d+\.\d\d below min notional 10 for ETHUSDT\. Increase size or add funds\.$/,
    );
    const logs = await get(alice.auth, '/api/trading/execution-logs');
    const entries = logs.body.logs as Json[];
    expect(entries[0]).toMatchObject({
      status: 'SKIPPED',
      reason_code: 'BELOW_MIN_NOTIONAL',
      min_notional: '10',
    });
    expect(entries.some((e) => e.status === 'PLACED')).toBe(true);
  });

  it('skips INSUFFICIENT_BALANCE with the available and required figures, changing nothing', async () => {
    const before = await balance(alice.auth, alice.spotAccountId, 'USDT');
    const res = await post(alice.auth, '/api/v1/orders', {
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      quantity: '1',
    });
    expect(res.body).toMatchObject({ status: 'SKIPPED', reason_code: 'INSUFFICIENT_BALANCE' });
    const after = await balance(alice.auth, alice.spotAccountId, 'USDT');
    expect(after).toEqual(before);
    const logs = await get(alice.auth, '/api/trading/execution-logs');
    const entry = (logs.body.logs as Json[])[0]!;
    expect(entry.available_balance).toBe(before.total.minus(before.reserved).toFixed());
    expect(new Decimal(String(entry.required_balance)).greaterThan(90_000)).toBe(true);
  });

  it.each([
    [{ symbol: 'DOGEUSDT', side: 'buy', type: 'market', quantity: '10' }, 'UNKNOWN_SYMBOL'],
    [{ symbol: 'BTCUSDT', side: 'buy', type: 'limit', quantity: '0.001' }, 'INVALID_PRICE'],
    [{ symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.000001' }, 'INVALID_QUANTITY'],
    [{ symbol: 'BTCUSDT', side: 'buy', type: 'limit', quantity: '0.1', price: '1000' }, 'PRICE_OUT_OF_BAND'],
    [
      {
        symbol: 'BTCUSDT',
        side: 'buy',
        type: 'market',
        quantity: '0.001',
        market_type: 'futures',
        leverage: 126,
      },
      null,
    ],
    [
      {
        symbol: 'ETHUSDT',
        side: 'buy',
        type: 'market',
        quantity: '0.01',
        market_type: 'futures',
        leverage: 101,
      },
      'LEVERAGE_OUT_OF_RANGE',
    ],
  ])('preflight denial %j -> %s', async (payload, code) => {
    const res = await post(alice.auth, '/api/v1/orders', payload);
    if (code === null) {
      expect(res.status).toBe(400); // 126x is outside what any USD-M market allows: a schema error
      return;
    }
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ status: 'SKIPPED', reason_code: code });
  });

  it('rejects malformed bodies with the one envelope and writes nothing', async () => {
    const before = await get(alice.auth, '/api/trading/execution-logs');
    for (const payload of [
      { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.001', user_id: bob.userId },
      { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: true },
      { symbol: 'BTCUSDT', side: 'hold', type: 'market', quantity: '1' },
      { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '1e3' },
      { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.001', leverage: '5' },
    ]) {
      const res = await post(alice.auth, '/api/v1/orders', payload);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', retryable: false } });
    }
    const after = await get(alice.auth, '/api/trading/execution-logs');
    expect((after.body.logs as Json[]).length).toBe((before.body.logs as Json[]).length);
  });

  it('reads a JSON number by its shortest decimal form', async () => {
    const res = await post(alice.auth, '/api/v1/orders', {
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      quantity: 0.001,
    });
    expect(res.status).toBe(201);
    expect((res.body.order as Json).quantity).toBe('0.001');
  });

  it('requires a valid bearer token', async () => {
    const none = await h.fillgate.app.inject({ method: 'GET', url: '/api/v1/orders' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    const bad = await get({ authorization: 'Bearer fg_not-a-token' }, '/api/v1/orders');
    expect(bad.status).toBe(401);
  });

  it('rests a limit order, fills it as the market trades through, and releases nothing twice', async () => {
    const mark = h.fillgate.paper.markPrice('BTCUSDT', 'spot')!;
    const price = mark.mul('0.999').toDecimalPlaces(2);
    const res = await post(bob.auth, '/api/v1/orders', {
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'limit',
      quantity: '0.002',
      price: price.toFixed(),
    });
    expect(res.status).toBe(201);
    expect((res.body.order as Json).status).toBe('OPEN');
    const reserved = (await balance(bob.auth, bob.spotAccountId, 'USDT')).reserved;
    expect(reserved.greaterThan(price.mul('0.002'))).toBe(true);

    let status = 'OPEN';
    for (let i = 0; i < 3_000 && status !== 'FILLED'; i += 1) {
      await h.tick();
      status = String((await get(bob.auth, `/api/v1/orders/${String(res.body.order_id)}`)).body.status);
    }
    expect(status).toBe('FILLED');
    const detail = await get(bob.auth, `/api/v1/orders/${String(res.body.order_id)}`);
    const fills = detail.body.fills as { price: string; liquidity: string; quantity: string; fee: string }[];
    for (const f of fills) {
      expect(new Decimal(f.price).lessThanOrEqualTo(price)).toBe(true);
      expect(f.liquidity).toBe('maker');
    }
    const cost = fills.reduce(
      (s, f) => s.plus(new Decimal(f.price).mul(f.quantity)).plus(f.fee),
      new Decimal(0),
    );
    const usdt = await balance(bob.auth, bob.spotAccountId, 'USDT');
    expect(usdt.reserved.toFixed()).toBe('0');
    expect(usdt.total.toFixed()).toBe(new Decimal(10_000).minus(cost).toFixed());

    const audit = await get(bob.auth, `/api/v1/orders/${String(res.body.order_id)}/audit`);
    const kinds = (audit.body.events as { kind: string }[]).map((e) => e.kind);
    expect(kinds[0]).toBe('APPROVED');
    expect(kinds).toContain('FILLED');
    expect(audit.body.audit as Json[]).toHaveLength(1);
  });

  it('cancels a resting order and releases its reservation', async () => {
    const mark = h.fillgate.paper.markPrice('ETHUSDT', 'spot')!;
    const price = mark.mul('0.9').toDecimalPlaces(2);
    const res = await post(bob.auth, '/api/v1/orders', {
      symbol: 'ETHUSDT',
      side: 'buy',
      type: 'limit',
      quantity: '0.01',
      price: price.toFixed(),
    });
    expect(res.status).toBe(201);
    const reservedBefore = (await balance(bob.auth, bob.spotAccountId, 'USDT')).reserved;
    expect(reservedBefore.isZero()).toBe(false);
    const cancel = await post(bob.auth, `/api/v1/orders/${String(res.body.order_id)}/cancel`, {});
    expect(cancel.status).toBe(200);
    expect((cancel.body.order as Json).status).toBe('CANCELED');
    expect((await balance(bob.auth, bob.spotAccountId, 'USDT')).reserved.toFixed()).toBe('0');
    const again = await post(bob.auth, `/api/v1/orders/${String(res.body.order_id)}/cancel`, {});
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'ORDER_NOT_CANCELABLE' } });
  });

  it('returns the stored result for a repeated client_order_id and refuses a changed body', async () => {
    const body = {
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      quantity: '0.0002',
      client_order_id: 'my-order-1',
    };
    const first = await post(alice.auth, '/api/v1/orders', body);
    expect(first.status).toBe(201);
    const second = await post(alice.auth, '/api/v1/orders', body);
    expect(second.status).toBe(201);
    expect(second.body.order_id).toBe(first.body.order_id);
    expect(second.body.exchange_order_id).toBe(first.body.exchange_order_id);
    const changed = await post(alice.auth, '/api/v1/orders', { ...body, quantity: '0.0003' });
    expect(changed.status).toBe(409);
    expect(changed.body).toMatchObject({ error: { code: 'IDEMPOTENCY_CONFLICT' } });
    const list = await get(alice.auth, '/api/v1/orders?symbol=BTCUSDT&limit=500');
    const mine = (list.body.orders as Json[]).filter((o) => o.client_order_id === 'my-order-1');
    expect(mine).toHaveLength(1);
  });

  it("never shows one user another user's orders or accounts", async () => {
    const res = await post(alice.auth, '/api/v1/orders', {
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      quantity: '0.0002',
    });
    const id = String(res.body.order_id);
    expect((await get(bob.auth, `/api/v1/orders/${id}`)).status).toBe(404);
    expect((await get(bob.auth, `/api/v1/orders/${id}/audit`)).status).toBe(404);
    expect((await post(bob.auth, `/api/v1/orders/${id}/cancel`, {})).status).toBe(404);
    const bobsList = await get(bob.auth, '/api/v1/orders?limit=500');
    expect((bobsList.body.orders as Json[]).some((o) => o.id === id)).toBe(false);
    const onAlicesAccount = await post(bob.auth, '/api/v1/orders', {
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      quantity: '0.0002',
      account_id: alice.spotAccountId,
    });
    expect(onAlicesAccount.status).toBe(404);
    const bobsBalances = (await get(bob.auth, '/api/v1/balances')).body.balances as Json[];
    expect(bobsBalances.every((b) => b.account_id !== alice.spotAccountId)).toBe(true);
  });

  it('pages through orders with a cursor, newest first, without gaps or repeats', async () => {
    const carol = await h.user();
    for (let i = 0; i < 7; i += 1) {
      await post(carol.auth, '/api/v1/orders', {
        symbol: 'XRPUSDT',
        side: 'buy',
        type: 'market',
        quantity: '5',
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: Json } = await get(
        carol.auth,
        `/api/v1/orders?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...(page.body.orders as Json[]).map((o) => String(o.id)));
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });

  it('opens a futures position with leverage through the seed route, with margin and liquidation price', async () => {
    const res = await post(bob.auth, '/api/futures/order', {
      connectionId: bob.futuresAccountId,
      symbol: 'BTCUSDT',
      side: 'BUY',
      qty: '0.01',
      leverage: 10,
    });
    expect(res.status).toBe(201);
    const positions = (await get(bob.auth, '/api/v1/positions')).body.positions as Json[];
    const position = positions.find((p) => p.market_type === 'futures' && p.symbol === 'BTCUSDT')!;
    expect(position).toMatchObject({ side: 'long', status: 'OPEN', quantity: '0.01', leverage: 10 });
    const entry = new Decimal(String(position.entry_price));
    expect(new Decimal(String(position.margin)).toFixed()).toBe(entry.mul('0.01').div(10).toFixed());
    // long liquidation = entry * (1 - 1/10 + 0.004)
    expect(new Decimal(String(position.liquidation_price)).toFixed()).toBe(entry.mul('0.904').toFixed());
    const usdt = await balance(bob.auth, bob.futuresAccountId, 'USDT');
    expect(usdt.reserved.toFixed()).toBe(new Decimal(String(position.margin)).toFixed());

    const close = await post(bob.auth, '/api/v1/orders', {
      symbol: 'BTCUSDT',
      side: 'sell',
      type: 'market',
      quantity: '0.01',
      market_type: 'futures',
      reduce_only: true,
    });
    expect(close.status).toBe(201);
    const after = (await get(bob.auth, '/api/v1/positions')).body.positions as Json[];
    const closed = after.find((p) => p.id === position.id)!;
    expect(closed.status).toBe('CLOSED');
    const finalUsdt = await balance(bob.auth, bob.futuresAccountId, 'USDT');
    expect(finalUsdt.reserved.toFixed()).toBe('0');
    const fills = await h.fillgate.database.db.query.fills.findMany({
      where: (f, { eq }) => eq(f.accountId, bob.futuresAccountId),
    });
    const pnl = fills.reduce((s, f) => s.plus(f.realizedPnl).minus(f.fee), new Decimal(0));
    expect(finalUsdt.total.toFixed()).toBe(new Decimal(10_000).plus(pnl).toFixed());
  });

  it('refuses a reduce-only order larger than the position', async () => {
    const res = await post(bob.auth, '/api/v1/orders', {
      symbol: 'ETHUSDT',
      side: 'sell',
      type: 'market',
      quantity: '0.01',
      market_type: 'futures',
      reduce_only: true,
    });
    expect(res.body).toMatchObject({ status: 'SKIPPED', reason_code: 'NO_POSITION_TO_REDUCE' });
  });

  it('test-order places the smallest valid market buy', async () => {
    const res = await post(alice.auth, '/api/trading/test-order', {
      connectionId: alice.spotAccountId,
      symbol: 'SOLUSDT',
    });
    expect(res.status).toBe(201);
    const order = res.body.order as Json;
    const notional = new Decimal(String(order.quantity)).mul(h.fillgate.paper.markPrice('SOLUSDT', 'spot')!);
    expect(notional.greaterThanOrEqualTo(5)).toBe(true);
    expect(notional.lessThan(5 + 190 * 0.02)).toBe(true);
    const unknown = await post(alice.auth, '/api/trading/test-order', {
      connectionId: alice.spotAccountId,
      symbol: 'NOPEUSDT',
    });
    expect(unknown.body).toMatchObject({ status: 'SKIPPED', reason_code: 'UNKNOWN_SYMBOL' });
  });

  it('reports health', async () => {
    const res = await h.fillgate.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ok',
      database: { status: 'up', kind: databaseKind },
      venues: [{ venue: 'paper', status: 'up' }],
    });
  });
});
