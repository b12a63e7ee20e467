import path from 'node:path';
import { Decimal, parseDecimal } from './domain/decimal.ts';

/** Everything the process reads from its environment, parsed once, with clear errors. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl?: string;
  /** PostgreSQL schema to keep Fillgate's tables in (FILLGATE_DATABASE_SCHEMA); default the user's search path. */
  readonly databaseSchema?: string;
  readonly dataDir: string;
  /** HS256 key for access tokens; absent: generated once into FILLGATE_DATA_DIR/jwt-secret (mode 0600). */
  readonly jwtSecret?: string;
  readonly logLevel: string;
  /** Sentry DSN: unhandled errors are reported there; absent, no Sentry code runs. */
  readonly sentryDsn?: string;
  /** `synthetic` (default) or `replay:<path to kline .csv or .zip>`. */
  readonly feed:
    | { readonly kind: 'synthetic'; readonly seed: string }
    | { readonly kind: 'replay'; readonly file: string; readonly symbol: string };
  readonly feedIntervalMs: number;
  readonly makerFeeRate: Decimal;
  readonly takerFeeRate: Decimal;
  readonly marketSlippage: Decimal;
  readonly paperLatencyMs: number;
  readonly monitorIntervalMs: number;
  readonly equityIntervalMs: number;
  /** API requests per user per minute (FILLGATE_RATE_LIMIT_PER_MIN). */
  readonly rateLimitPerMinute: number;
  /** Stream fallback poll when no outbox notification arrives (FILLGATE_STREAM_POLL_MS). */
  readonly streamPollMs: number;
  /** Between reconciliation passes over every venue. */
  readonly reconcileIntervalMs: number;
  /** Receive window + clock tolerance before an order the venue does not know may be resent. */
  readonly reconcileSettleMs: number;
  /** Between balance comparisons of the ledger with each live venue. */
  readonly balanceCheckIntervalMs: number;
  /** How long startup waits for the first reconciliation before serving (late venues stay gated). */
  readonly startupReconcileWaitMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}".`);
  }
  return value;
}

function rate(env: NodeJS.ProcessEnv, name: string, fallback: string): Decimal {
  const raw = env[name] ?? fallback;
  const value = parseDecimal(raw);
  if (!value || value.greaterThanOrEqualTo(1))
    throw new ConfigError(`${name} must be a decimal rate below 1, got "${raw}".`);
  return value;
}

function schemaName(raw: string): string {
  // Interpolated into `search_path`: only a plain identifier can be trusted there.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) {
    throw new ConfigError(
      `FILLGATE_DATABASE_SCHEMA must be a lowercase identifier (letters, digits, _), got "${raw}".`,
    );
  }
  return raw;
}

/** Where the data lives: PostgreSQL when DATABASE_URL is set, else embedded PGlite under the data dir. */
export function databaseLocation(
  config: Config,
): { readonly url: string; readonly schemaName?: string } | { readonly dataDir: string } {
  if (!config.databaseUrl) return { dataDir: path.join(config.dataDir, 'pgdata') };
  return { url: config.databaseUrl, ...(config.databaseSchema && { schemaName: config.databaseSchema }) };
}

function jwtSecret(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 32) throw new ConfigError('FILLGATE_JWT_SECRET must be at least 32 characters.');
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const feedSpec = env.FILLGATE_FEED ?? 'synthetic';
  let feed: Config['feed'];
  if (feedSpec === 'synthetic') {
    feed = { kind: 'synthetic', seed: env.FILLGATE_FEED_SEED ?? 'fillgate' };
  } else if (feedSpec.startsWith('replay:')) {
    const file = path.resolve(feedSpec.slice('replay:'.length));
    feed = { kind: 'replay', file, symbol: env.FILLGATE_REPLAY_SYMBOL ?? 'BTCUSDT' };
  } else {
    throw new ConfigError(`FILLGATE_FEED must be "synthetic" or "replay:<kline file>", got "${feedSpec}".`);
  }
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    ...(env.FILLGATE_DATABASE_SCHEMA ? { databaseSchema: schemaName(env.FILLGATE_DATABASE_SCHEMA) } : {}),
    dataDir: path.resolve(env.FILLGATE_DATA_DIR ?? '.fillgate'),
    jwtSecret: jwtSecret(env.FILLGATE_JWT_SECRET),
    logLevel: env.LOG_LEVEL ?? 'info',
    ...(env.SENTRY_DSN ? { sentryDsn: env.SENTRY_DSN } : {}),
    feed,
    feedIntervalMs: integer(env, 'FILLGATE_FEED_INTERVAL_MS', 500, 10, 60_000),
    makerFeeRate: rate(env, 'FILLGATE_MAKER_FEE', '0.001'),
    takerFeeRate: rate(env, 'FILLGATE_TAKER_FEE', '0.001'),
    marketSlippage: rate(env, 'FILLGATE_MARKET_SLIPPAGE', '0.02'),
    paperLatencyMs: integer(env, 'FILLGATE_PAPER_LATENCY_MS', 0, 0, 10_000),
    monitorIntervalMs: integer(env, 'FILLGATE_MONITOR_INTERVAL_MS', 500, 50, 60_000),
    equityIntervalMs: integer(env, 'FILLGATE_EQUITY_INTERVAL_MS', 60_000, 1_000, 3_600_000),
    rateLimitPerMinute: integer(env, 'FILLGATE_RATE_LIMIT_PER_MIN', 600, 1, 100_000_000),
    streamPollMs: integer(env, 'FILLGATE_STREAM_POLL_MS', 1000, 10, 3_600_000),
    reconcileIntervalMs: integer(env, 'FILLGATE_RECONCILE_INTERVAL_MS', 10_000, 50, 3_600_000),
    reconcileSettleMs: integer(env, 'FILLGATE_RECONCILE_SETTLE_MS', 7_000, 0, 120_000),
    balanceCheckIntervalMs: integer(env, 'FILLGATE_BALANCE_CHECK_INTERVAL_MS', 60_000, 100, 86_400_000),
    startupReconcileWaitMs: integer(env, 'FILLGATE_STARTUP_RECONCILE_WAIT_MS', 10_000, 0, 600_000),
  };
}
