import ccxt from 'ccxt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultController } from '../../sim/fault-controller.ts';
import { createLocalBinance } from '../../sim/local-binance-client.ts';
import { idOf, type SimHarness, startHarness } from './sim-support.ts';

describe('simulator fault injection', () => {
  let h: SimHarness;

  beforeAll(async () => {
    h = await startHarness();
    await h.spot.loadMarkets();
    await h.futures.loadMarkets();
  });
  afterEach(() => {
    h.sim.faults.clear();
    h.sim.resetRateLimits();
  });
  afterAll(async () => {
    await h.close();
  });

  it('counts request weight in X-MBX-USED-WEIGHT-1M, answers 429 with Retry-After, then bans with 418', async () => {
    h.sim.faults.set({ rateLimit: { weightPerMinute: 10, banAfterRejected: 1, banSeconds: 30 } });
    h.sim.resetRateLimits();
    const first = await fetch(`${h.sim.baseUrl}/api/v3/depth?symbol=BTCUSDT`);
    expect(first.headers.get('x-mbx-used-weight-1m')).toBe('5');
    await fetch(`${h.sim.baseUrl}/api/v3/depth?symbol=BTCUSDT`);
    const limited = await fetch(`${h.sim.baseUrl}/api/v3/depth?symbol=BTCUSDT`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await limited.json()).toMatchObject({ code: -1003 });
    await expect(h.spot.fetchOrderBook('BTC/USDT')).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    const banned = await fetch(`${h.sim.baseUrl}/api/v3/time`);
    expect(banned.status).toBe(418);
    expect(banned.headers.get('retry-after')).toBe('30');
  });

  it('turns injected 5xx into retryable ccxt errors: 504 RequestTimeout, 503 -1001 OperationFailed', async () => {
    h.sim.faults.set({ errors: [{ status: 504, endpoints: ['GET /api/v3/ticker/24hr'], times: 1 }] });
    await expect(h.spot.fetchTicker('BTC/USDT')).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    expect((await h.spot.fetchTicker('BTC/USDT')).symbol).toBe('BTC/USDT');
    h.sim.faults.set({ errors: [{ status: 503, endpoints: ['/api/v3/account'] }] });
    await expect(h.spot.fetchBalance()).rejects.toBeInstanceOf(ccxt.OperationFailed);
  });

  it('answers -1007 "execution status unknown" (RequestTimeout) and, when configured, places the order anyway', async () => {
    h.sim.faults.set({ unknownExecution: { placed: 'yes', times: 1 } });
    const placed = h.spot.createOrder('BTC/USDT', 'limit', 'buy', 0.0002, 90000, {
      clientOrderId: 'unknown-yes',
    });
    await expect(placed).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    const found = await h.spot.fetchOrder('', 'BTC/USDT', { clientOrderId: 'unknown-yes' });
    expect(found.status).toBe('open');
    await h.spot.cancelOrder(idOf(found), 'BTC/USDT');

    h.sim.faults.set({ unknownExecution: { placed: 'no', times: 1 } });
    const notPlaced = h.spot.createOrder('BTC/USDT', 'limit', 'buy', 0.0002, 90000, {
      clientOrderId: 'unknown-no',
    });
    await expect(notPlaced).rejects.toThrow(/-1007/);
    await expect(h.spot.fetchOrder('', 'BTC/USDT', { clientOrderId: 'unknown-no' })).rejects.toBeInstanceOf(
      ccxt.OrderNotFound,
    );
  });

  it('accepts then drops: the client sees a network error, the order exists exactly once at the venue', async () => {
    const credentials = h.sim.accounts[0]!;
    const before = h.sim.ordersOf(credentials.apiKey, 'futures').length;
    h.sim.faults.set({ acceptThenDrop: { times: 1 } });
    const order = h.futures.createOrder('BTC/USDT:USDT', 'limit', 'buy', 0.001, 90000, {
      clientOrderId: 'dropped-1',
    });
    await expect(order).rejects.toBeInstanceOf(ccxt.NetworkError);
    const found = await h.futures.fetchOrder('', 'BTC/USDT:USDT', { clientOrderId: 'dropped-1' });
    expect(found.status).toBe('open');
    expect(h.sim.ordersOf(credentials.apiKey, 'futures')).toHaveLength(before + 1);
    await h.futures.cancelOrder(idOf(found), 'BTC/USDT:USDT');
  });

  it('resets the connection before processing: nothing is placed', async () => {
    const credentials = h.sim.accounts[0]!;
    const before = h.sim.ordersOf(credentials.apiKey).length;
    h.sim.faults.set({ connectionReset: { times: 1, endpoints: ['POST /api/v3/order'] } });
    await expect(h.spot.createOrder('BTC/USDT', 'limit', 'buy', 0.0002, 90000)).rejects.toBeInstanceOf(
      ccxt.NetworkError,
    );
    expect(h.sim.ordersOf(credentials.apiKey)).toHaveLength(before);
  });

  it('delays answers past the client timeout', async () => {
    const slow = createLocalBinance(h.sim, { ...h.sim.accounts[0]!, timeout: 100 });
    h.sim.faults.set({ latencyMs: 400 });
    await expect(slow.fetchTime()).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    await slow.close();
  });

  it('is switched over the admin endpoint', async () => {
    const set = await fetch(`${h.sim.baseUrl}/__admin/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ errors: [{ status: 502, endpoints: ['/api/v3/time'] }] }),
    });
    expect(set.status).toBe(200);
    expect((await fetch(`${h.sim.baseUrl}/api/v3/time`)).status).toBe(502);
    await fetch(`${h.sim.baseUrl}/__admin/faults`, { method: 'DELETE' });
    expect((await fetch(`${h.sim.baseUrl}/api/v3/time`)).status).toBe(200);
  });

  it('makes the same random decisions for the same seed', () => {
    const decisions = (seed: string): boolean[] => {
      const faults = new FaultController();
      faults.set({ seed, connectionReset: { rate: 0.5 } });
      return Array.from({ length: 32 }, () => faults.connectionReset('GET /api/v3/time'));
    };
    expect(decisions('a')).toEqual(decisions('a'));
    expect(decisions('a')).not.toEqual(decisions('b'));
  });
});
