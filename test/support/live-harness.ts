import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RunningSimulator } from '../../sim/binance-simulator.ts';
import type { FaultSettings } from '../../sim/fault-controller.ts';
import type { OrderStatus } from '../../src/domain/order-status.ts';
import { Decimal } from '../../src/domain/decimal.ts';
import { provisionUser, type ProvisionedUser } from '../../src/execution/provision-user.ts';
import { NO_RISK_LIMITS } from '../../src/domain/risk-limits.ts';
import { CcxtBinanceVenue, type CcxtBinanceVenueOptions } from '../../src/venues/ccxt/ccxt-binance-venue.ts';
import { startHarness, type Harness } from './harness.ts';
import { startHarness as startSimHarness, type SimHarness } from '../sim/sim-support.ts';

/** The API's answer to `POST /api/v1/orders`. */
export interface PlacedOrderBody {
  readonly success: boolean;
  readonly status: string;
  readonly order_id: string;
  readonly exchange_order_id: string | null;
  readonly reason_code: string | null;
  readonly message: string;
}

/** The simulator's order status as ours. */
export const FROM_SIM_STATUS: Readonly<Record<string, OrderStatus>> = {
  NEW: 'OPEN',
  PARTIALLY_FILLED: 'PARTIALLY_FILLED',
  FILLED: 'FILLED',
  CANCELED: 'CANCELED',
  EXPIRED: 'EXPIRED',
  REJECTED: 'REJECTED',
};

/** The whole app with a live ccxt venue pointed at the Binance simulator on loopback. */
export interface LiveHarness {
  readonly h: Harness;
  readonly s: SimHarness;
  readonly sim: RunningSimulator;
  readonly venue: CcxtBinanceVenue;
  readonly user: ProvisionedUser & { auth: { authorization: string } };
  readonly apiKey: string;
  setFaults(faults: FaultSettings): void;
  /** Places an order as the test user through the API. */
  placeOrder(payload: Record<string, unknown>): Promise<{ code: number; body: PlacedOrderBody }>;
  close(): Promise<void>;
}

/** Fast polling and the simulator's weight limit, for every ccxt venue a test creates. */
export const SIM_VENUE_OPTIONS: Partial<CcxtBinanceVenueOptions> = {
  recvWindowMs: 1_000,
  timeoutMs: 3_000,
  pricePollMs: 1_000,
  orderPollMs: 250,
  retry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 200 },
  breaker: { consecutiveFailures: 1_000, halfOpenAfterMs: 1_000 },
  // What the simulator enforces per IP and market type (its exchangeInfo advertises Binance's 6000).
  weightLimitPerMinute: { spot: 1_200, futures: 1_200 },
  // The poll is what most tests exercise; live-user-stream.test.ts turns the stream on.
  userDataStream: false,
};

export async function startLiveHarness(
  options: {
    venue?: Partial<CcxtBinanceVenueOptions>;
    env?: NodeJS.ProcessEnv;
    logger?: Logger;
    /**
     * The simulator's request-weight limit per minute, and every venue's budget with it. Its IP limit is
     * shared by all the venues a test creates: tests that poll hard without testing rate limits raise it.
     */
    weightPerMinute?: number;
    /**
     * USDT on the simulated account and on the user's books alike, spot and USD-M (default 10,000 each):
     * tests that trade in volume fund both, or the app and the venue disagree on what the account can pay.
     */
    fundingUsdt?: string;
  } = {},
): Promise<LiveHarness> {
  const weight = options.weightPerMinute;
  const baseFaults: FaultSettings = weight ? { rateLimit: { weightPerMinute: weight } } : {};
  const budget = weight ? { weightLimitPerMinute: { spot: weight, futures: weight } } : {};
  const funding = options.fundingUsdt;
  const s = await startSimHarness({
    faults: baseFaults,
    ...(funding && { startingBalances: { spot: { USDT: funding }, futures: { USDT: funding } } }),
  });
  const sim = s.sim;
  const credentials = sim.accounts[0]!;
  const venue = new CcxtBinanceVenue({
    id: 'binance:sim',
    apiKey: credentials.apiKey,
    secret: credentials.secret,
    baseUrl: sim.baseUrl,
    wsUrl: sim.wsUrl,
    recvWindowMs: 1_000,
    timeoutMs: 3_000,
    pricePollMs: 1_000,
    orderPollMs: 250,
    // What the simulator enforces per IP and market type (its exchangeInfo advertises Binance's 6000).
    weightLimitPerMinute: { spot: 1_200, futures: 1_200 },
    retry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 200 },
    breaker: { consecutiveFailures: 1_000, halfOpenAfterMs: 1_000 },
    ...budget,
    ...options.venue,
  });
  await venue.start();
  const h = await startHarness({
    venues: [venue],
    ...(options.env && { env: options.env }),
    ...(options.logger && { logger: options.logger }),
    liveVenueOptions: { ...SIM_VENUE_OPTIONS, ...budget },
  });
  await h.fillgate.reconciler.ready();
  const provisioned = await provisionUser(h.fillgate.identity, randomUUID, {
    email: `${randomUUID()}@live.test`,
    role: 'user',
    paperVenue: venue.id,
    riskLimits: NO_RISK_LIMITS,
    ...(funding && { funding: { spotUsdt: new Decimal(funding), futuresUsdt: new Decimal(funding) } }),
  });
  return {
    h,
    s,
    sim,
    venue,
    apiKey: credentials.apiKey,
    user: { ...provisioned, auth: { authorization: `Bearer ${provisioned.token}` } },
    setFaults: (faults) => sim.faults.set({ ...baseFaults, ...faults }),
    async placeOrder(payload) {
      const res = await h.fillgate.app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        headers: { authorization: `Bearer ${provisioned.token}` },
        payload,
      });
      return { code: res.statusCode, body: res.json<PlacedOrderBody>() };
    },
    async close() {
      await h.close();
      await venue.close();
      await s.close();
    },
  };
}
