import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import pino from 'pino';
import { startBinanceSimulator } from '../sim/binance-simulator.ts';
import { createLocalBinance } from '../sim/local-binance-client.ts';
import { loadConfig } from '../src/config.ts';
import { NO_RISK_LIMITS } from '../src/domain/risk-limits.ts';
import { provisionUser } from '../src/execution/provision-user.ts';
import { createFillgate } from '../src/main.ts';
import { openDatabase } from '../src/store/database.ts';
import { CcxtBinanceVenue } from '../src/venues/ccxt/ccxt-binance-venue.ts';
import { ConstantBookFeed } from './constant-book-feed.ts';
import { summarizeLatencies } from './latency-summary.ts';
import { postJson } from './post-json.ts';

/**
 * Live-path overhead: the same market order sent to the Binance simulator on loopback, once as a bare ccxt
 * call and once through Fillgate (HTTP, checks, reservation, audit, the ccxt venue), alternating so both
 * see the same machine. Overhead = what Fillgate adds on top of the exchange round trip.
 */
const ORDERS = 150;
const QUANTITY = '0.00011'; // just above BTCUSDT's 10 USDT minimum notional at ~96,000

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemaName = `bench_live_${randomBytes(6).toString('hex')}`;
const log = (line: string): void => void process.stdout.write(`${line}\n`);

async function dropSchema(): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schemaName}" CASCADE`);
  } finally {
    await admin.end();
  }
}

async function bench(): Promise<number> {
  // The overhead, not the rate limit, is measured: the simulator's per-IP weight limit is lifted for both.
  const sim = await startBinanceSimulator({
    accounts: 2,
    faults: { rateLimit: { weightPerMinute: 1_000_000 } },
    feed: new ConstantBookFeed([
      { symbol: 'BTCUSDT', marketType: 'spot', bid: '95999', ask: '96001', size: '1000' },
    ]),
  });
  (sim.feed as ConstantBookFeed).start();
  const database = await openDatabase({ url, schemaName });
  let failures = 0;
  try {
    await database.migrate();
    const [appKeys, bareKeys] = sim.accounts;
    const venue = new CcxtBinanceVenue({
      id: 'binance:bench',
      apiKey: appKeys!.apiKey,
      secret: appKeys!.secret,
      baseUrl: sim.baseUrl,
      wsUrl: sim.wsUrl,
      weightLimitPerMinute: { spot: 1_000_000, futures: 1_000_000 },
      userDataStream: false,
    });
    await venue.start();
    const feed = new ConstantBookFeed([
      { symbol: 'BTCUSDT', marketType: 'spot', bid: '95999', ask: '96001', size: '1000' },
    ]);
    const fillgate = await createFillgate({
      config: loadConfig({ FILLGATE_DATA_DIR: `/tmp/${schemaName}`, PORT: '0', DATABASE_URL: url }),
      database,
      feed,
      venues: [venue],
      logger: pino({ level: 'silent' }),
    });
    try {
      await fillgate.reconciler.ready();
      const port = Number(new URL(await fillgate.listen()).port);
      const user = await provisionUser(fillgate.identity, randomUUID, {
        email: 'live-bench@bench.local',
        role: 'user',
        paperVenue: venue.id,
        riskLimits: NO_RISK_LIMITS,
      });
      const bare = createLocalBinance(sim, bareKeys!);
      await bare.loadMarkets();
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const body = JSON.stringify({ symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: QUANTITY });
      const bareNs: bigint[] = [];
      const appNs: bigint[] = [];
      const started = process.hrtime.bigint();
      for (let i = 0; i < ORDERS + 10; i += 1) {
        const t0 = process.hrtime.bigint();
        await bare.createOrder('BTC/USDT', 'market', 'buy', Number(QUANTITY));
        const t1 = process.hrtime.bigint();
        const answer = await postJson(
          agent,
          { host: '127.0.0.1', port, path: '/api/v1/orders' },
          user.token,
          body,
        );
        const t2 = process.hrtime.bigint();
        if (answer.statusCode !== 201) {
          failures += 1;
          if (failures <= 3) log(`  !! HTTP ${answer.statusCode}: ${answer.body.slice(0, 200)}`);
          continue;
        }
        if (i < 10) continue; // warm-up
        bareNs.push(t1 - t0);
        appNs.push(t2 - t1);
      }
      agent.destroy();
      const wall = process.hrtime.bigint() - started;
      const b = summarizeLatencies(bareNs, wall);
      const a = summarizeLatencies(appNs, wall);
      log('');
      log(
        `live path (ccxt -> Binance simulator on loopback, spot market buy ${QUANTITY} BTCUSDT, ${ORDERS} each, alternating)`,
      );
      log(`  bare ccxt createOrder      p50 ${b.p50Ms.toFixed(2)} ms  p99 ${b.p99Ms.toFixed(2)} ms`);
      log(`  Fillgate POST /api/v1/orders p50 ${a.p50Ms.toFixed(2)} ms  p99 ${a.p99Ms.toFixed(2)} ms`);
      log(
        `  overhead                   p50 +${(a.p50Ms - b.p50Ms).toFixed(2)} ms (${(a.p50Ms / b.p50Ms).toFixed(2)}×)  p99 +${(a.p99Ms - b.p99Ms).toFixed(2)} ms (${(a.p99Ms / b.p99Ms).toFixed(2)}×)`,
      );
      if (failures > 0) log(`  !! ${failures} orders through Fillgate were not placed`);
    } finally {
      await fillgate.stop();
      await venue.close();
    }
  } finally {
    await database.close();
    await dropSchema();
    await sim.close();
  }
  return failures > 0 ? 1 : 0;
}

let exitCode = 1;
try {
  exitCode = await bench();
} catch (error) {
  process.stderr.write(
    `live-path bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
}
process.exit(exitCode);
