import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.ts';
import { CcxtBinanceVenue } from '../../src/venues/ccxt/ccxt-binance-venue.ts';
import { startHarness as startSimHarness, type SimHarness } from '../sim/sim-support.ts';

describe('ccxt venue circuit breaker against the simulator', () => {
  let s: SimHarness;
  let venue: CcxtBinanceVenue;
  beforeAll(async () => {
    s = await startSimHarness();
    venue = new CcxtBinanceVenue({
      id: 'binance:breaker',
      apiKey: s.sim.accounts[0]!.apiKey,
      secret: s.sim.accounts[0]!.secret,
      baseUrl: s.sim.baseUrl,
      marketTypes: ['spot'],
      pricePollMs: 60_000,
      orderPollMs: 60_000,
      retry: { maxAttempts: 1, initialDelayMs: 10, maxDelayMs: 50 },
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 300 },
      userDataStream: false,
    });
    await venue.start();
  });
  afterAll(async () => {
    await venue?.close();
    await s?.close();
  });

  const order = (n: number) => ({
    accountRef: 'a',
    clientOrderId: `fgbreaker${n}`,
    symbol: 'BTCUSDT',
    marketType: 'spot' as const,
    side: 'buy' as const,
    type: 'market' as const,
    timeInForce: 'IOC' as const,
    quantity: new Decimal('0.001'),
    reduceOnly: false,
  });

  it('opens after consecutive venue failures, refuses without sending, half-opens, and closes again', async () => {
    expect(venue.health().detail).toContain('circuit closed');
    s.sim.faults.set({ errors: [{ status: 503, code: -1001, endpoints: ['POST /api/v3/order'] }] });
    for (let i = 0; i < 3; i += 1) expect((await venue.submit(order(i))).kind).toBe('unknown');
    expect(venue.health()).toMatchObject({ status: 'down' });
    expect(venue.health().detail).toContain('circuit open');
    const refused = await venue.submit(order(3));
    expect(refused).toMatchObject({ kind: 'rejected', code: 'CIRCUIT_OPEN', retryable: true });
    expect(s.sim.ordersOf(s.sim.accounts[0]!.apiKey).some((o) => o.clientOrderId === 'fgbreaker3')).toBe(
      false,
    );

    s.sim.faults.clear();
    await new Promise((resolve) => setTimeout(resolve, 350));
    const probe = await venue.submit(order(4));
    expect(probe.kind).toBe('accepted');
    expect(venue.health().detail).toContain('circuit closed');
  });
});
