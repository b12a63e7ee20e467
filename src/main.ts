import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { ConfigError, databaseLocation, loadConfig, type Config } from './config.ts';
import { BUILTIN_MARKETS } from './domain/builtin-markets.ts';
import type { ExecutionDeps, VenueDirectory } from './execution/execution-deps.ts';
import { SubmissionsInFlight } from './execution/submissions-in-flight.ts';
import { provisionUser } from './execution/provision-user.ts';
import type { VenueErrorClass, VenuePort } from './execution/venue-port.ts';
import { buildApp } from './http/build-app.ts';
import { JwtAccessTokens } from './http/jwt-access-tokens.ts';
import { DEFAULT_STREAM_OPTIONS } from './http/stream-gateway.ts';
import { hashPassword } from './execution/password.ts';
import type { HealthReport } from './http/app-deps.ts';
import { AdvisoryClaims } from './store/advisory-claims.ts';
import { openDatabase, type DatabaseHandle } from './store/database.ts';
import { DrizzleExecutionStore } from './store/execution-store.ts';
import { DrizzleIdempotencyStore } from './store/idempotency-store.ts';
import { DrizzleIdentityStore } from './store/identity-store.ts';
import { DrizzlePnlStore } from './store/pnl-store.ts';
import { DrizzleOutboxReader } from './store/outbox-reader.ts';
import { DrizzleReadStore } from './store/read-store.ts';
import { readKlineFile } from './venues/market-data/kline-file.ts';
import { defaultSyntheticMarkets } from './venues/market-data/default-synthetic-markets.ts';
import { KlineReplayFeed } from './venues/market-data/kline-replay-feed.ts';
import type { MarketDataFeed } from './venues/market-data/market-event.ts';
import { SyntheticFeed } from './venues/market-data/synthetic-feed.ts';
import { PaperVenue } from './venues/paper/paper-venue.ts';
import { OrderTracker } from './workers/order-tracker.ts';
import { PositionMonitor } from './workers/position-monitor.ts';
import {
  LIVE_EXCHANGES,
  restoreExchangeAccounts,
  type ConnectedVenue,
  type ExchangeAccountDeps,
} from './execution/exchange-accounts.ts';
import {
  loadMasterKey,
  openExchangeKey,
  sealExchangeKey,
  type MasterKey,
} from './store/exchange-key-cipher.ts';
import { DrizzleExchangeKeyStore } from './store/exchange-key-store.ts';
import { CcxtBinanceVenue, type CcxtBinanceVenueOptions } from './venues/ccxt/ccxt-binance-venue.ts';
import { serializeError } from './venues/ccxt/serialize-error.ts';
import { Reconciler } from './workers/reconciler.ts';

const VERSION = '0.1.0';

export interface FillgateOptions {
  readonly config: Config;
  /** An already opened database (tests); otherwise opened from the config. */
  readonly database?: DatabaseHandle;
  /** A market-data feed to use instead of the configured one (tests drive theirs step by step). */
  readonly feed?: MarketDataFeed;
  readonly logger?: Logger;
  /** Venues beside the paper venue (live ccxt venues; tests pass theirs pointed at the simulator). */
  readonly venues?: readonly VenuePort[];
  /** Settings for the live ccxt venues of exchange accounts (tests poll faster). */
  readonly liveVenueOptions?: Partial<CcxtBinanceVenueOptions>;
  /** Environment for the master key (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Told of every error that ends in a 500 (serve() passes Sentry's when SENTRY_DSN is set). */
  readonly reportError?: (error: unknown) => void;
}

export interface Fillgate {
  readonly app: FastifyInstance;
  readonly database: DatabaseHandle;
  readonly execution: ExecutionDeps;
  readonly identity: DrizzleIdentityStore;
  readonly accessTokens: JwtAccessTokens;
  readonly read: DrizzleReadStore;
  readonly store: DrizzleExecutionStore;
  readonly paper: PaperVenue;
  readonly feed: MarketDataFeed;
  readonly tracker: OrderTracker;
  readonly monitor: PositionMonitor;
  readonly reconciler: Reconciler;
  readonly logger: Logger;
  /** Starts the feed and listens on the configured host and port; returns the base URL. */
  listen(): Promise<string>;
  /** Stops in reverse order: HTTP, feed, tracker (drained), database. Safe to call twice. */
  stop(): Promise<void>;
}

function configuredFeed(config: Config): MarketDataFeed {
  const spec = config.feed;
  if (spec.kind === 'replay') {
    const rules = BUILTIN_MARKETS.find((m) => m.symbol === spec.symbol && m.marketType === 'spot');
    if (!rules) throw new ConfigError(`FILLGATE_REPLAY_SYMBOL ${spec.symbol} is not a built-in spot market.`);
    return new KlineReplayFeed({
      symbol: rules.symbol,
      marketType: 'spot',
      klines: readKlineFile(spec.file),
      tickSize: rules.tickSize,
      stepSize: rules.stepSize,
      intervalMs: config.feedIntervalMs,
    });
  }
  return new SyntheticFeed({
    seed: spec.seed,
    intervalMs: config.feedIntervalMs,
    markets: defaultSyntheticMarkets(BUILTIN_MARKETS),
  });
}

class VenueMap implements VenueDirectory {
  private readonly byId: Map<string, VenuePort>;
  constructor(venues: readonly VenuePort[]) {
    this.byId = new Map(venues.map((v) => [v.id, v]));
  }
  register(venue: VenuePort): void {
    this.byId.set(venue.id, venue);
  }
  unregister(venueId: string): void {
    this.byId.delete(venueId);
  }
  get(venueId: string): VenuePort | undefined {
    return this.byId.get(venueId);
  }
  all(): readonly VenuePort[] {
    return [...this.byId.values()];
  }
}

/** The composition root: config -> dependencies -> server and workers. */
export async function createFillgate(options: FillgateOptions): Promise<Fillgate> {
  const { config } = options;
  const logger =
    options.logger ??
    pino({
      level: config.logLevel,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-mbx-apikey"]',
          'api_key',
          'api_secret',
          'apiKey',
          'secret',
          '*.api_key',
          '*.api_secret',
          '*.apiKey',
          '*.apiSecret',
          '*.secret',
          '*.token',
          '*.credentials',
        ],
        censor: '[redacted]',
      },
      // ccxt errors carry request details; only a sanitized message and the class name are logged.
      serializers: { err: serializeError },
    });
  const database = options.database ?? (await openDatabase(databaseLocation(config)));
  await database.migrate();

  const feed = options.feed ?? configuredFeed(config);
  const paper = new PaperVenue({
    markets: BUILTIN_MARKETS,
    feed,
    makerFeeRate: config.makerFeeRate,
    takerFeeRate: config.takerFeeRate,
    latencyMs: config.paperLatencyMs,
  });
  const store = new DrizzleExecutionStore(database.db);
  const read = new DrizzleReadStore(database.db);
  const identity = new DrizzleIdentityStore(database.db);
  const pnl = new DrizzlePnlStore(database.db);
  const venues = new VenueMap([paper, ...(options.venues ?? [])]);
  // Filled in once the app (which owns the metrics registry) exists; startup reconciliation may resend before.
  const venueErrorSink: { count?: (venue: string, errorClass: VenueErrorClass) => void } = {};
  const execution: ExecutionDeps = {
    store,
    venues,
    newId: randomUUID,
    now: () => new Date(),
    marketSlippage: config.marketSlippage,
    ...(config.reconcileSettleMs > 0 && { submitWindowMs: Math.floor(config.reconcileSettleMs / 2) }),
    submissions: new SubmissionsInFlight(),
    // Orders for a venue are refused until its startup reconciliation has passed.
    tradingGate: { blockedReason: (venueId) => reconciler.blockedReason(venueId) },
    onVenueError: (venue, errorClass) => venueErrorSink.count?.(venue, errorClass),
  };

  // Orders that were resting when the process stopped keep resting.
  const working = await store.workingOrders(paper.id);
  paper.restore(
    working
      .filter((o) => o.venueOrderId !== undefined)
      .map((o) => ({
        accountRef: o.accountId,
        clientOrderId: o.clientOrderId,
        symbol: o.symbol,
        marketType: o.marketType,
        side: o.side,
        type: o.type,
        timeInForce: o.timeInForce,
        quantity: o.quantity,
        price: o.price,
        stopPrice: o.stopPrice,
        protectionPrice: o.protectionPrice,
        reduceOnly: o.reduceOnly,
        leverage: o.leverage,
        venueOrderId: o.venueOrderId!,
        filledQuantity: o.filledQuantity,
      })),
  );

  const tracker = new OrderTracker(execution, store, logger);
  tracker.start();
  const monitor = new PositionMonitor(execution, store, logger, {
    exitIntervalMs: config.monitorIntervalMs,
    equityIntervalMs: config.equityIntervalMs,
  });

  const liveVenues = new Map<string, ConnectedVenue>();
  const keyStore = new DrizzleExchangeKeyStore(database.db);
  let masterKey: MasterKey | undefined;
  // Loaded on first use: a server without live accounts never needs (or creates) the key file.
  const master = (): MasterKey => (masterKey ??= loadMasterKey(options.env ?? process.env, config.dataDir));
  const exchangeAccounts: ExchangeAccountDeps = {
    store: keyStore,
    newId: randomUUID,
    vault: {
      seal: (binding, credentials) => sealExchangeKey(master(), binding, credentials),
      open: (binding, sealed) => openExchangeKey(master(), binding, sealed),
    },
    async connect(spec) {
      const marketType = LIVE_EXCHANGES[spec.exchange];
      const venue = new CcxtBinanceVenue({
        id: spec.venueId,
        apiKey: spec.credentials.apiKey,
        secret: spec.credentials.apiSecret,
        ...(spec.baseUrl !== undefined && { baseUrl: spec.baseUrl }),
        marketTypes: [marketType],
        onBackgroundError: (context, message) =>
          logger.warn({ venue: spec.venueId, context, message }, 'venue background task failed'),
        ...options.liveVenueOptions,
      });
      try {
        await venue.start();
      } catch (error) {
        await venue.close();
        throw error;
      }
      return { venue, balances: () => venue.fetchBalances(marketType), close: () => venue.close() };
    },
    async register(connected) {
      liveVenues.set(connected.venue.id, connected);
      venues.register(connected.venue);
      tracker.watch(connected.venue);
      if (reconcilerStarted) await reconciler.reconcileVenue(connected.venue.id);
    },
    async unregister(venueId) {
      tracker.unwatch(venueId);
      venues.unregister(venueId);
      await liveVenues.get(venueId)?.close();
      liveVenues.delete(venueId);
    },
  };
  let reconcilerStarted = false;
  await restoreExchangeAccounts(exchangeAccounts, (venueId, message) =>
    logger.error({ venue: venueId, message }, 'live exchange account could not be started'),
  );
  const reconciler = new Reconciler(
    execution,
    store,
    logger,
    {
      intervalMs: config.reconcileIntervalMs,
      settleMs: config.reconcileSettleMs,
      balanceIntervalMs: config.balanceCheckIntervalMs,
      startupWaitMs: config.startupReconcileWaitMs,
    },
    new AdvisoryClaims(database),
  );
  reconciler.start();
  reconcilerStarted = true;
  await reconciler.waitForStartup();

  const health = async (): Promise<HealthReport> => {
    const up = await database.ping().catch(() => false);
    const venueHealth = venues.all().map((v) => v.health());
    return {
      status: up && venueHealth.every((v) => v.status !== 'down') ? 'ok' : 'degraded',
      database: { status: up ? 'up' : 'down', kind: database.kind },
      venues: venueHealth,
    };
  };
  const accessTokens = new JwtAccessTokens(config.jwtSecret ?? jwtSecretFile(config.dataDir));
  const idempotency = new DrizzleIdempotencyStore(database.db);
  const app = await buildApp({
    execution,
    read,
    identity,
    pnl,
    accessTokens,
    idempotency,
    events: new DrizzleOutboxReader(database.db, database.listen),
    rateLimitPerMinute: config.rateLimitPerMinute,
    streamOptions: { ...DEFAULT_STREAM_OPTIONS, pollMs: config.streamPollMs },
    health,
    version: VERSION,
    logger,
    exchangeAccounts,
    ...(options.reportError && { reportError: options.reportError }),
  });
  venueErrorSink.count = (venue, errorClass) => app.metrics.venueErrors.inc({ venue, class: errorClass });

  let stopped: Promise<void> | undefined;
  return {
    app,
    database,
    execution,
    identity,
    accessTokens,
    read,
    store,
    paper,
    feed,
    tracker,
    reconciler,
    logger,
    monitor,
    async listen() {
      feed.start();
      monitor.start();
      return app.listen({ port: config.port, host: config.host });
    },
    stop() {
      stopped ??= (async () => {
        await app.close();
        feed.stop();
        await monitor.stop();
        paper.close();
        await reconciler.stop();
        await tracker.stop();
        await Promise.allSettled([...liveVenues.values()].map((live) => live.close()));
        if (!options.database) await database.close();
      })();
      return stopped;
    },
  };
}

/** The generated HS256 key, kept beside the data (mode 0600) so restarts keep sessions valid. */
function jwtSecretFile(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(48).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

/** First run: a demo admin with paper accounts; its token is printed and kept in FILLGATE_DATA_DIR/demo-token. */
async function ensureDemoUser(fillgate: Fillgate, dataDir: string): Promise<string | undefined> {
  const tokenFile = path.join(dataDir, 'demo-token');
  if ((await fillgate.identity.countUsers()) > 0) {
    return existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined;
  }
  const password = randomBytes(18).toString('base64url');
  const demo = await provisionUser(fillgate.identity, randomUUID, {
    email: 'demo@fillgate.local',
    role: 'admin',
    passwordHash: await hashPassword(password),
  });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(tokenFile, `${demo.token}\n`, { mode: 0o600 });
  writeFileSync(path.join(dataDir, 'demo-password'), `${password}\n`, { mode: 0o600 });
  return demo.token;
}

/** `npm start` and `fillgate serve`: config from the environment, demo user on first run, listen. */
export async function serve(): Promise<void> {
  const config = loadConfig();
  // Lazily: without SENTRY_DSN the Sentry SDK is not even loaded.
  const reportError = config.sentryDsn
    ? await (await import('./observability/start-sentry.ts')).startSentry(config.sentryDsn, VERSION)
    : undefined;
  const fillgate = await createFillgate({ config, ...(reportError && { reportError }) });
  const token = await ensureDemoUser(fillgate, config.dataDir);
  const url = await fillgate.listen();
  const shutdown = (signal: string) => {
    fillgate.logger.info({ signal }, 'shutting down');
    void fillgate.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  const lines = [
    '',
    `Fillgate ${VERSION} is serving on ${url} (${fillgate.database.kind}, paper venue)`,
    token ? `Demo API token: ${token}` : 'Demo token file not found; create a token with the CLI.',
    `Try: curl -s -X POST ${url}/api/v1/orders -H "Authorization: Bearer $(cat ${path.join(config.dataDir, 'demo-token')})" \\`,
    `       -H 'Content-Type: application/json' -d '{"symbol":"BTCUSDT","side":"buy","type":"market","quantity":"0.001"}'`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serve().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
