import { randomBytes, randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import type { CcxtBinanceVenueOptions } from '../../src/venues/ccxt/ccxt-binance-venue.ts';
import { loadConfig } from '../../src/config.ts';
import { NO_RISK_LIMITS, type RiskLimits } from '../../src/domain/risk-limits.ts';
import { BUILTIN_MARKETS } from '../../src/domain/builtin-markets.ts';
import {
  provisionUser,
  type PaperFunding,
  type ProvisionedUser,
} from '../../src/execution/provision-user.ts';
import type { Role } from '../../src/execution/identity-port.ts';
import { createFillgate, type Fillgate } from '../../src/main.ts';
import type { VenuePort } from '../../src/execution/venue-port.ts';
import type { MarketDataFeed } from '../../src/venues/market-data/market-event.ts';
import { defaultSyntheticMarkets } from '../../src/venues/market-data/default-synthetic-markets.ts';
import { SyntheticFeed } from '../../src/venues/market-data/synthetic-feed.ts';
import { openTestDatabase } from './test-database.ts';

export interface Harness {
  readonly fillgate: Fillgate;
  readonly feed: SyntheticFeed;
  /** A new user with paper accounts; risk limits are off unless given (tests of risk pass their own). */
  user(
    funding?: PaperFunding,
    email?: string,
    riskLimits?: RiskLimits,
    role?: Role,
  ): Promise<ProvisionedUser & { auth: { authorization: string } }>;
  /** Advances the synthetic market one tick and waits until the order tracker has recorded what it caused. */
  tick(times?: number): Promise<void>;
  close(): Promise<void>;
}

/** The real application (real store, real paper venue, real tracker) on a per-file test database. */
export async function startHarness(
  options: {
    feed?: MarketDataFeed;
    env?: NodeJS.ProcessEnv;
    venues?: readonly VenuePort[];
    logger?: Logger;
    liveVenueOptions?: Partial<CcxtBinanceVenueOptions>;
  } = {},
): Promise<Harness> {
  const database = await openTestDatabase();
  const feed = new SyntheticFeed({ seed: 'test', markets: defaultSyntheticMarkets(BUILTIN_MARKETS) });
  const fillgate = await createFillgate({
    config: loadConfig({
      FILLGATE_JWT_SECRET: randomBytes(32).toString('hex'),
      FILLGATE_RATE_LIMIT_PER_MIN: '100000000',
      ...options.env,
      FILLGATE_DATA_DIR: '/nonexistent-test-dir',
    }),
    database,
    feed: options.feed ?? feed,
    ...(options.venues && { venues: options.venues }),
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...(options.env && { env: options.env }),
    ...(options.liveVenueOptions && { liveVenueOptions: options.liveVenueOptions }),
  });
  if (!options.feed) feed.step();
  return {
    fillgate,
    feed,
    async user(funding, email, riskLimits = NO_RISK_LIMITS, role = 'user') {
      const user = await provisionUser(fillgate.identity, randomUUID, {
        email: email ?? `${randomUUID()}@test.local`,
        role,
        funding,
        riskLimits,
      });
      return { ...user, auth: { authorization: `Bearer ${user.token}` } };
    },
    async tick(times = 1) {
      for (let i = 0; i < times; i += 1) feed.step();
      await fillgate.tracker.drain();
    },
    async close() {
      await fillgate.stop();
      await database.dispose();
    },
  };
}
