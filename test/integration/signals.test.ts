import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { ManualFeed } from '../support/manual-feed.ts';
import { databaseKind } from '../support/test-database.ts';

type Json = Record<string, unknown>;

describe(`signals, exits and the webhook (${databaseKind})`, () => {
  const feed = new ManualFeed();
  let h: Harness;

  const post = async (headers: Record<string, string>, url: string, payload: unknown) => {
    const res = await h.fillgate.app.inject({ method: 'POST', url, headers, payload: payload as Json });
    return { status: res.statusCode, body: res.json<Json>() };
  };
  const setMark = (mid: number) =>
    feed.book('ETHUSDT', 'spot', String(mid - 0.01), String(mid + 0.01), '1000');

  beforeAll(async () => {
    h = await startHarness({ feed });
    setMark(3400);
  });
  afterAll(async () => h.close());

  it('enter_trade sized by risk opens a monitored position with its stop and target; the stop closes it', async () => {
    const user = await h.user();
    const res = await post(user.auth, '/api/v1/signals', {
      signal_id: 'sig-1',
      symbol: 'ETHUSDT',
      side: 'buy',
      decision: 'enter_trade',
      stop_loss: '3332',
      sizing: { mode: 'risk', value: '1', reward_risk: '2' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'in_position', stop_loss: '3332', take_profit: '3536' });
    const position = (await h.fillgate.read.listPositions(user.userId))[0]!;
    expect(position).toMatchObject({ status: 'MONITORING', signalId: 'sig-1' });
    // 1% of 10,000 at risk over a 68 USDT stop distance (fees included) is about 1.4 ETH.
    expect(position.quantity.greaterThan('1.3') && position.quantity.lessThan('1.48')).toBe(true);
    expect(position.stopLoss!.toFixed()).toBe('3332');

    // The same signal id again: processed once.
    const again = await post(user.auth, '/api/v1/signals', {
      signal_id: 'sig-1',
      symbol: 'ETHUSDT',
      side: 'buy',
      decision: 'enter_trade',
      stop_loss: '3332',
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, status: 'in_position' });
    expect(await h.fillgate.read.listPositions(user.userId)).toHaveLength(1);

    // Above the stop nothing happens; at it, the monitor closes the position at market.
    setMark(3333);
    expect(await h.fillgate.monitor.checkExits()).toBe(0);
    setMark(3331);
    expect(await h.fillgate.monitor.checkExits()).toBe(1);
    const closed = (await h.fillgate.read.listPositions(user.userId))[0]!;
    expect(closed.status).toBe('CLOSED');
    expect(closed.realizedPnl.isNegative()).toBe(true);
    const signal = await h.fillgate.read.findSignal(user.userId, 'sig-1');
    expect(signal?.status).toBe('closed');
    const logs = await h.fillgate.read.listAudit(user.userId, { source: 'SIGNAL', limit: 10 });
    expect(logs.filter((l) => l.status === 'PLACED')).toHaveLength(2);
    setMark(3400);
  });

  it('take profit closes a position when the mark reaches it', async () => {
    const user = await h.user();
    await post(user.auth, '/api/v1/signals', {
      signal_id: 'tp-1',
      symbol: 'ETHUSDT',
      side: 'buy',
      stop_loss: '3300',
      take_profit: '3450',
      sizing: { mode: 'fixed_quote', value: '500' },
    });
    setMark(3449);
    expect(await h.fillgate.monitor.checkExits()).toBe(0);
    setMark(3450);
    expect(await h.fillgate.monitor.checkExits()).toBe(1);
    expect((await h.fillgate.read.listPositions(user.userId))[0]!.status).toBe('CLOSED');
    setMark(3400);
  });

  it('a trailing stop set on an open position follows the price up and closes on the pullback', async () => {
    const user = await h.user();
    const opened = await post(user.auth, '/api/v1/orders', {
      symbol: 'ETHUSDT',
      side: 'buy',
      type: 'market',
      quantity: '0.5',
    });
    expect(opened.status).toBe(201);
    const positionId = String((opened.body.order as Json).position_id);
    const put = (payload: Json) =>
      h.fillgate.app.inject({
        method: 'PUT',
        url: `/api/v1/positions/${positionId}/exits`,
        headers: user.auth,
        payload,
      });
    const wrongSide = await put({ stop_loss: '3500' });
    expect(wrongSide.statusCode).toBe(400);
    const set = await put({ trailing_stop_pct: '0.01' });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ status: 'MONITORING' });
    setMark(3500); // the anchor follows to 3500: the stop is now 3465
    expect(await h.fillgate.monitor.checkExits()).toBe(0);
    setMark(3466);
    expect(await h.fillgate.monitor.checkExits()).toBe(0);
    setMark(3464);
    expect(await h.fillgate.monitor.checkExits()).toBe(1);
    const closed = (await h.fillgate.read.listPositions(user.userId)).find((p) => p.id === positionId)!;
    expect(closed.status).toBe('CLOSED');
    expect(closed.realizedPnl.greaterThan(0)).toBe(true);
    const other = await h.user();
    const foreign = await h.fillgate.app.inject({
      method: 'PUT',
      url: `/api/v1/positions/${positionId}/exits`,
      headers: other.auth,
      payload: { stop_loss: '1' },
    });
    expect(foreign.statusCode).toBe(404);
    setMark(3400);
  });

  it('wait and bad are recorded, not traded; a signal the checks refuse is rejected with the reason', async () => {
    const user = await h.user();
    const wait = await post(user.auth, '/api/v1/signals', {
      signal_id: 'w',
      symbol: 'ETHUSDT',
      side: 'buy',
      decision: 'wait',
    });
    expect(wait.body).toMatchObject({ status: 'recorded', decision: 'wait' });
    const bad = await post(user.auth, '/api/v1/signals', {
      signal_id: 'b',
      symbol: 'ETHUSDT',
      side: 'buy',
      decision: 'enter_trade',
      stop_loss: '3500',
      sizing: { mode: 'risk', value: '1' },
    });
    expect(bad.body).toMatchObject({ status: 'rejected', reason_code: 'INVALID_ORDER' });
    const poor = await h.user({ spotUsdt: new Decimal(5), futuresUsdt: new Decimal(0) });
    const broke = await post(poor.auth, '/api/v1/signals', {
      signal_id: 'p',
      symbol: 'ETHUSDT',
      side: 'buy',
      sizing: { mode: 'fixed_quote', value: '50' },
    });
    expect(broke.body).toMatchObject({ status: 'rejected', reason_code: 'INSUFFICIENT_BALANCE' });
    expect(await h.fillgate.read.listPositions(user.userId)).toHaveLength(0);
  });

  it('the webhook takes a secret, a fresh timestamp and a dedup id', async () => {
    const user = await h.user();
    const created = await post(user.auth, '/api/v1/webhooks/secret', { max_lag_s: 30 });
    expect(created.status).toBe(201);
    const secret = String(created.body.secret);
    const url = String(created.body.url);
    const alert = (over: Json = {}) => ({
      secret,
      timestamp: Math.floor(Date.now() / 1000),
      id: 'alert-7',
      symbol: 'ETHUSDT',
      side: 'buy',
      sizing: { mode: 'fixed_quote', value: '100' },
      ...over,
    });
    const first = await post({}, url, alert());
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ signal_id: 'tv:alert-7', status: 'in_position', source: 'webhook' });
    const replay = await post({}, url, alert());
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ duplicate: true });
    const stale = await post(
      {},
      url,
      alert({ id: 'alert-8', timestamp: Math.floor(Date.now() / 1000) - 120 }),
    );
    expect(stale.status).toBe(422);
    const wrong = await post({}, url, alert({ id: 'alert-9', secret: 'whs_not-the-secret-at-all' }));
    expect(wrong.status).toBe(401);
    const nobody = await post(
      {},
      '/hooks/tradingview/00000000-0000-4000-8000-000000000000',
      alert({ id: 'x' }),
    );
    expect(nobody.status).toBe(401);
    expect(nobody.body).toEqual(wrong.body);
    expect(await h.fillgate.read.listPositions(user.userId)).toHaveLength(1);
  });
});
