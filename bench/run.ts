import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { Decimal } from '../src/domain/decimal.ts';
import { DEFAULT_RISK_LIMITS, type RiskLimits } from '../src/domain/risk-limits.ts';
import { hashApiToken } from '../src/execution/api-token.ts';
import { provisionUser, type ProvisionedUser } from '../src/execution/provision-user.ts';
import { createFillgate, type Fillgate } from '../src/main.ts';
import { openDatabase, type DatabaseHandle } from '../src/store/database.ts';
import { ConstantBookFeed } from './constant-book-feed.ts';
import { runSignalLatency } from './signal-latency.ts';
import { runStreamLatency, type StreamLatencyResult } from './stream-latency.ts';
import { runHttpOrderLoad, type HttpOrderLoadResult } from './http-order-load.ts';
import { summarizeLatencies, type LatencySummary } from './latency-summary.ts';
import { attachSqlRecorder, type CapturedStatement } from './sql-capture.ts';
import {
  buildReplayPlan,
  describeReplayPlan,
  runSqlReplay,
  type ReplayIdentity,
  type SqlReplayResult,
} from './sql-replay.ts';

/** Connections per phase and orders per phase: about a minute on two cores. */
const PHASES = [
  { connections: 1, warmup: 50, orders: 500 },
  { connections: 64, warmup: 128, orders: 3_000 },
] as const;
const MAX_CONNECTIONS = Math.max(...PHASES.map((p) => p.connections));
const ORDER = { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.001' } as const;
const FUNDING = { spotUsdt: new Decimal('100000000'), futuresUsdt: new Decimal(0) };
/**
 * The default risk limits, every check running, except the ones a benchmark's identical orders in a tight
 * loop would trip by design (duplicate window, order rate) and the exposure caps a long run outgrows.
 */
const BENCH_RISK_LIMITS: RiskLimits = {
  ...DEFAULT_RISK_LIMITS,
  duplicateWindowS: null,
  minOrderIntervalMs: null,
  maxOrdersPerMinute: null,
  maxPositionNotional: null,
  maxTotalExposure: null,
  maxOpenOrders: null,
  dailyLossLimit: null,
  maxDrawdownPct: null,
};
const SIGNALS = 200;
/** Stream phase: 20 users × 5 WebSocket clients each, so every event fans out to five clients. */
const STREAM = { users: 20, clientsPerUser: 5, orders: 300, paceMs: 40 } as const;

/** Orders the capture account places before the captured one, so its position and audit chain exist. */
const CAPTURE_WARMUP = 3;

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemaName = `bench_${randomBytes(6).toString('hex')}`;
const searchPath = `-c search_path="${schemaName}"`;
/** The application's pool size; unset keeps openDatabase's default, as `npm start` runs. */
const appPoolSize = process.env.BENCH_APP_POOL ? Number(process.env.BENCH_APP_POOL) : undefined;

interface PhaseFigures {
  readonly connections: number;
  readonly http: LatencySummary & { readonly failures: number };
  baseline?: LatencySummary & { readonly failures: number };
}

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function reportFailures(what: string, result: { failures: number; failureSamples: readonly string[] }): void {
  if (result.failures === 0) return;
  log(`  !! ${what}: ${result.failures} failed orders; first: ${result.failureSamples.join(' | ')}`);
}

function figures(result: HttpOrderLoadResult | SqlReplayResult): LatencySummary & { failures: number } {
  return { ...summarizeLatencies(result.latenciesNs, result.wallNs), failures: result.failures };
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, options: searchPath });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Rows per table, to prove the baseline writes what the application writes. */
async function rowCounts(tables: readonly string[]): Promise<Map<string, number>> {
  return withAdmin(async (client) => {
    const counts = new Map<string, number>();
    for (const table of tables) {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`);
      counts.set(table, rows[0]?.n ?? 0);
    }
    return counts;
  });
}

/** Rows one order adds per table (an upsert that updated its row in the capture adds none). */
function insertsPerOrder(captured: readonly CapturedStatement[]): Map<string, number> {
  const inserts = new Map<string, number>();
  for (const statement of captured) {
    const table = /^\s*insert\s+into\s+"([^"]+)"/i.exec(statement.text)?.[1];
    if (!table) continue;
    const added = /on\s+conflict[^]*do\s+update/i.test(statement.text) ? 0 : (statement.rowCount ?? 0);
    inserts.set(table, (inserts.get(table) ?? 0) + added);
  }
  return inserts;
}

function describeCapture(captured: readonly CapturedStatement[]): string {
  const sessions: { statements: number; transaction: boolean }[] = [];
  let last: number | undefined;
  for (const statement of captured) {
    if (statement.session !== last) {
      sessions.push({ statements: 0, transaction: statement.text.trim().toLowerCase() === 'begin' });
      last = statement.session;
    }
    sessions[sessions.length - 1]!.statements += 1;
  }
  const parts = sessions.map((s) =>
    s.transaction ? `transaction of ${s.statements}` : `${s.statements} pooled`,
  );
  return `${captured.length} statements in ${sessions.length} pool checkouts (${parts.join(', ')})`;
}

const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => {
        process.stderr.write(`cleanup: ${error instanceof Error ? error.message : String(error)}\n`);
      });
    }
  })();
  return cleaning;
}

async function bench(): Promise<number> {
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  cleanups.push(() =>
    withAdmin(async (client) => {
      await client.query(`DROP SCHEMA IF EXISTS "${schemaName}" CASCADE`);
    }),
  );
  const database: DatabaseHandle = await openDatabase({
    url,
    schemaName,
    ...(appPoolSize !== undefined && { poolSize: appPoolSize }),
  });
  let databaseOpen = true;
  const closeDatabase = async (): Promise<void> => {
    if (!databaseOpen) return;
    databaseOpen = false;
    await database.close();
  };
  cleanups.push(closeDatabase);
  await database.migrate();
  const server = await withAdmin(async (client) => {
    const { rows } = await client.query<{ version: string; sync: string; max: string }>(
      `SELECT split_part(version(), ' ', 2) AS version, current_setting('synchronous_commit') AS sync,
              current_setting('max_connections') AS max`,
    );
    const row = rows[0]!;
    return `PostgreSQL ${row.version} at ${new URL(url).host} (synchronous_commit=${row.sync}, max_connections=${row.max}), schema ${schemaName}`;
  });

  const feed = new ConstantBookFeed([
    { symbol: 'BTCUSDT', marketType: 'spot', bid: '95999', ask: '96001', size: '100000' },
  ]);
  const fillgate: Fillgate = await createFillgate({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: url,
      FILLGATE_DATA_DIR: os.tmpdir(),
      LOG_LEVEL: 'silent',
    }),
    database,
    feed,
    logger: pino({ level: 'silent' }),
  });
  cleanups.push(() => fillgate.stop());
  await fillgate.listen();
  const address = fillgate.app.server.address();
  if (!address || typeof address === 'string')
    throw new Error(`unexpected server address ${String(address)}`);
  const http = { host: '127.0.0.1', port: address.port, body: ORDER };
  let socketsOpened = 0;
  fillgate.app.server.on('connection', () => {
    socketsOpened += 1;
  });

  log('Fillgate bench: market buy 0.001 BTCUSDT, one account per connection');
  log(`machine   ${machine}`);
  log(`database  ${server}`);
  log(
    `app       ${fillgate.database.kind}, application pool of ${appPoolSize ?? '20 (openDatabase default)'}, paper venue, latency 0`,
  );

  const provision = (email: string): Promise<ProvisionedUser> =>
    provisionUser(fillgate.identity, randomUUID, {
      email,
      role: 'user',
      funding: FUNDING,
      riskLimits: BENCH_RISK_LIMITS,
    });
  const users: ProvisionedUser[] = [];
  for (let i = 0; i < MAX_CONNECTIONS; i += 1) users.push(await provision(`bench-${i}@bench.local`));
  const tokens = users.map((u) => u.token);
  const identities: ReplayIdentity[] = users.map((u) => ({ ...u, tokenHash: hashApiToken(u.token) }));

  let failed = false;
  const check = (what: string, result: HttpOrderLoadResult | SqlReplayResult): void => {
    if (result.failures > 0) failed = true;
    reportFailures(what, result);
  };

  // Warm-up: every account's first order opens its position; later orders are the steady state.
  for (const phase of [...PHASES].reverse()) {
    check(
      `HTTP warm-up ×${phase.connections}`,
      await runHttpOrderLoad({ ...http, tokens, connections: phase.connections, orders: phase.warmup }),
    );
  }

  // Capture: one steady-state order of a separate account, every statement the application's pool runs.
  const captureUser = await provision('capture@bench.local');
  check(
    'capture warm-up',
    await runHttpOrderLoad({ ...http, tokens: [captureUser.token], connections: 1, orders: CAPTURE_WARMUP }),
  );
  const pool = (database.db as unknown as { $client?: unknown }).$client;
  if (!(pool instanceof pg.Pool)) throw new Error('the application database is not a pg.Pool');
  const recorder = attachSqlRecorder(pool);
  let captureAnswer: HttpOrderLoadResult | undefined;
  const captured = await recorder.capture(async () => {
    captureAnswer = await runHttpOrderLoad({
      ...http,
      tokens: [captureUser.token],
      connections: 1,
      orders: 1,
    });
  });
  recorder.detach();
  const venueOrderId = captureAnswer?.exchangeOrderIds[0];
  if (!captureAnswer || captureAnswer.failures > 0 || !venueOrderId) {
    throw new Error(`the captured order failed: ${captureAnswer?.failureSamples.join(' | ') ?? 'no answer'}`);
  }
  const inserts = insertsPerOrder(captured);
  if (!inserts.get('orders') || captured[captured.length - 1]?.text.trim().toLowerCase() !== 'commit') {
    throw new Error(`the capture does not hold a whole order: ${describeCapture(captured)}`);
  }
  const plan = buildReplayPlan(
    captured,
    { ...captureUser, tokenHash: hashApiToken(captureUser.token) },
    venueOrderId.slice(0, venueOrderId.lastIndexOf('-')),
  );
  log(`capture   one order = ${describeCapture(captured)}`);
  log(
    `          inserts per order: ${[...inserts].map(([t, n]) => `${t} ${n}`).join(', ')}; replay substitutes ${Object.entries(
      plan.substitutions,
    )
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ')}`,
  );
  if (process.env.BENCH_SHOW_SQL) {
    for (const s of captured) log(`  [${s.session}] ${s.text} -- ${JSON.stringify(s.values)}`);
    for (const line of describeReplayPlan(plan)) log(`  ${line}`);
  }

  const results: PhaseFigures[] = [];
  for (const phase of PHASES) {
    socketsOpened = 0;
    const result = await runHttpOrderLoad({
      ...http,
      tokens,
      connections: phase.connections,
      orders: phase.orders,
    });
    check(`HTTP ×${phase.connections}`, result);
    if (socketsOpened !== phase.connections) {
      log(`  !! HTTP ×${phase.connections}: ${socketsOpened} TCP connections were opened`);
      failed = true;
    }
    results.push({ connections: phase.connections, http: figures(result) });
  }

  // Signal -> position OPEN, one after another: sizing, the signal's bookkeeping and the order it places.
  const signalUser = await provision('bench-signals@bench.local');
  const signals = await runSignalLatency({
    port: http.port,
    token: signalUser.token,
    count: SIGNALS,
    stopLoss: '90000',
  });
  check('signals', { ...signals, exchangeOrderIds: [] });
  const signalFigures = summarizeLatencies(signals.latenciesNs, signals.wallNs);

  // Commit -> WebSocket client: 100 stream clients, orders placed over HTTP, every delivery timed.
  const streamUsers: ProvisionedUser[] = [];
  for (let i = 0; i < STREAM.users; i += 1)
    streamUsers.push(await provision(`bench-stream-${i}@bench.local`));
  const streamTokens = streamUsers.map((u) => u.token);
  check(
    'stream warm-up',
    await runHttpOrderLoad({
      ...http,
      tokens: streamTokens,
      connections: STREAM.users,
      orders: STREAM.users,
    }),
  );
  const stream = await runStreamLatency({
    ...http,
    tokens: streamTokens,
    clientsPerUser: STREAM.clientsPerUser,
    orders: STREAM.orders,
    paceMs: STREAM.paceMs,
    latestSeqs: (userIds) =>
      withAdmin(async (client) => {
        const { rows } = await client.query<{ id: string; seq: number }>(
          'SELECT id::text AS id, event_seq::int AS seq FROM users WHERE id::text = ANY($1)',
          [userIds],
        );
        return new Map(rows.map((r) => [r.id, r.seq]));
      }),
  });
  if (stream.problems.length > 0) {
    failed = true;
    for (const p of stream.problems) log(`  !! stream: ${p}`);
  }

  // The application's pool goes before the baseline opens its own, so both never hold connections at once.
  await fillgate.stop();
  await closeDatabase();

  const tables = [...inserts.keys()];
  for (const [index, phase] of PHASES.entries()) {
    const baselinePool = new pg.Pool({ connectionString: url, max: phase.connections, options: searchPath });
    baselinePool.on('error', (error) => process.stderr.write(`baseline pool: ${error.message}\n`));
    try {
      const replay = { pool: baselinePool, plan, identities, connections: phase.connections };
      check(
        `baseline warm-up ×${phase.connections}`,
        await runSqlReplay({ ...replay, orders: phase.warmup }),
      );
      const before = await rowCounts(tables);
      const result = await runSqlReplay({ ...replay, orders: phase.orders });
      check(`baseline ×${phase.connections}`, result);
      const after = await rowCounts(tables);
      const completed = phase.orders - result.failures;
      for (const table of tables) {
        const written = (after.get(table) ?? 0) - (before.get(table) ?? 0);
        const expected = completed * (inserts.get(table) ?? 0);
        if (written !== expected) {
          log(
            `  !! baseline ×${phase.connections}: ${written} rows written to ${table}, expected ${expected}`,
          );
          failed = true;
        }
      }
      if (baselinePool.totalCount !== phase.connections) {
        log(`  !! baseline ×${phase.connections}: the pool opened ${baselinePool.totalCount} connections`);
      }
      results[index]!.baseline = figures(result);
    } finally {
      await baselinePool.end();
    }
  }

  printTable(results);
  const single = results.find((r) => r.connections === 1)!.http;
  log('');
  log(
    `signal -> position OPEN (paper venue, 1 connection, ${signalFigures.orders} signals): p50 ${signalFigures.p50Ms.toFixed(2)} ms, p99 ${signalFigures.p99Ms.toFixed(2)} ms` +
      ` | baseline, a plain market order over HTTP ×1: p50 ${single.p50Ms.toFixed(2)} ms, p99 ${single.p99Ms.toFixed(2)} ms` +
      ` | ratio p50 ${(signalFigures.p50Ms / single.p50Ms).toFixed(2)}×`,
  );
  printStream(stream);
  return failed ? 1 : 0;
}

function printStream(s: StreamLatencyResult): void {
  const ms = (v: number): string => `${v.toFixed(2)} ms`;
  const topics = [...s.timedByTopic].map(([topic, n]) => `${topic} ${n}`).join(', ');
  log('');
  log(
    `stream    ${s.clients} WebSocket clients (${s.users} users × ${s.clients / s.users}), ${s.orders} orders over HTTP, one every ${STREAM.paceMs} ms, ${(s.wallMs / 1000).toFixed(1)} s:` +
      ` ${s.deliveries} deliveries (${topics}; ${s.unattributed} not of a bench order),` +
      ` ${s.problems.length === 0 ? 'every client got each of its user’s events once, in seq order' : `${s.problems.length} problems`}`,
  );
  log(
    `commit -> WebSocket client, the order's last transaction (${s.afterAck.count} deliveries): after the 201 p50 ${ms(s.afterAck.p50Ms)}, p99 ${ms(s.afterAck.p99Ms)}` +
      ` | upper bound, after the send: p50 ${ms(s.afterSend.p50Ms)}, p99 ${ms(s.afterSend.p99Ms)}` +
      ` | order.created (${s.createdAfterSend.count}), after the send: p50 ${ms(s.createdAfterSend.p50Ms)}, p99 ${ms(s.createdAfterSend.p99Ms)}`,
  );
  log(
    `          baseline, the same ${s.httpAck.count} orders' HTTP round trip: p50 ${ms(s.httpAck.p50Ms)}, p99 ${ms(s.httpAck.p99Ms)}` +
      ` | ratio after-the-201/HTTP p50 ${(s.afterAck.p50Ms / s.httpAck.p50Ms).toFixed(2)}×, p99 ${(s.afterAck.p99Ms / s.httpAck.p99Ms).toFixed(2)}×`,
  );
}

function printTable(rows: readonly PhaseFigures[]): void {
  const n = (value: number, digits: number): string => value.toFixed(digits);
  const header = [
    'conns',
    'HTTP orders/s',
    'p50 ms',
    'p99 ms',
    'failed',
    'SQL orders/s',
    'p50 ms',
    'p99 ms',
    'failed',
    'thrpt HTTP/SQL',
    'p50 HTTP/SQL',
  ];
  const body = rows.map((row) => {
    const b = row.baseline;
    return [
      String(row.connections),
      n(row.http.ordersPerSecond, 0),
      n(row.http.p50Ms, 2),
      n(row.http.p99Ms, 2),
      String(row.http.failures),
      b ? n(b.ordersPerSecond, 0) : '-',
      b ? n(b.p50Ms, 2) : '-',
      b ? n(b.p99Ms, 2) : '-',
      b ? String(b.failures) : '-',
      b ? `${n(row.http.ordersPerSecond / b.ordersPerSecond, 2)}×` : '-',
      b ? `${n(row.http.p50Ms / b.p50Ms, 2)}×` : '-',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  log('');
  log(
    `${''.padEnd(widths[0]! + 2)}${'| HTTP POST /api/v1/orders'.padEnd(widths.slice(1, 5).reduce((a, w) => a + w + 2, 0))}| baseline: the same SQL issued directly (pg.Pool)`,
  );
  log(line(header));
  for (const row of body) log(line(row));
  log('');
  log(
    `orders: ${rows.map((r) => `${r.http.orders} at ×${r.connections}`).join(', ')} per side, after warm-up; latency = send to full answer (HTTP) or to last statement (SQL)`,
  );
}

process.once('SIGINT', () => {
  void cleanUp().then(() => process.exit(130));
});

let exitCode = 1;
try {
  exitCode = await bench();
} catch (error) {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
} finally {
  await cleanUp();
}
process.exit(exitCode);
