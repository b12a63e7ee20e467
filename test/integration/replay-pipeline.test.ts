import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { findBuiltinMarket } from '../../src/domain/builtin-markets.ts';
import { Decimal } from '../../src/domain/decimal.ts';
import { NO_RISK_LIMITS } from '../../src/domain/risk-limits.ts';
import { provisionUser } from '../../src/execution/provision-user.ts';
import { createFillgate, type Fillgate } from '../../src/main.ts';
import { generateKlines } from '../../src/venues/market-data/generate-klines.ts';
import { KlineReplayFeed } from '../../src/venues/market-data/kline-replay-feed.ts';
import { BTC_CSV } from '../support/market-data-files.ts';
import { databaseKind, openTestDatabase } from '../support/test-database.ts';

/** A generated day in the official 12-column data.binance.vision layout, for runs without the real files. */
function writeGeneratedCsv(dir: string): string {
  const rules = findBuiltinMarket('BTCUSDT', 'spot')!;
  const klines = generateKlines({
    count: 400,
    startPrice: new Decimal(96_000),
    tickSize: rules.tickSize,
    stepSize: rules.stepSize,
    seed: 7,
  });
  const rows = klines.map((k) => {
    const open = k.openTime.getTime();
    return [open, k.open, k.high, k.low, k.close, k.volume, open + 59_999, '0', '0', '0', '0', '0'].join(',');
  });
  const file = path.join(dir, 'BTCUSDT-1m-generated.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

const sources = [
  { name: 'generated klines', real: false },
  { name: 'real BTCUSDT 1m klines', real: true },
];

describe.each(sources)(`full pipeline over replayed $name (${databaseKind})`, ({ real }) => {
  const available = !real || BTC_CSV !== undefined;
  let dir: string;
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let fillgate: Fillgate;

  beforeAll(async () => {
    if (!available) return;
    dir = mkdtempSync(path.join(tmpdir(), 'fillgate-replay-'));
    const file = real ? BTC_CSV! : writeGeneratedCsv(dir);
    database = await openTestDatabase();
    fillgate = await createFillgate({
      config: loadConfig({ FILLGATE_FEED: `replay:${file}`, FILLGATE_DATA_DIR: dir }),
      database,
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    if (!available) return;
    await fillgate.stop();
    await database.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!available)('every fill the API records lies inside the candle it happened in', async () => {
    const feed = fillgate.feed as KlineReplayFeed;
    const user = await provisionUser(fillgate.identity, randomUUID, {
      email: `${randomUUID()}@t.local`,
      role: 'user',
      riskLimits: NO_RISK_LIMITS,
    });
    const auth = { authorization: `Bearer ${user.token}` };
    const place = async (payload: Record<string, unknown>) => {
      const res = await fillgate.app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        headers: auth,
        payload,
      });
      return res.json<{ status: string; order_id: string | null }>();
    };
    const seen = new Set<string>();
    let checked = 0;
    // Every fill recorded since the last look happened while the feed showed the current candle.
    const checkNewFills = async () => {
      await fillgate.tracker.drain();
      const candle = feed.currentCandle!;
      const rows = await database.db.query.fills.findMany({
        where: (f, { eq }) => eq(f.userId, user.userId),
      });
      for (const f of rows) {
        if (seen.has(f.id)) continue;
        seen.add(f.id);
        checked += 1;
        const price = new Decimal(f.price);
        expect(
          price.greaterThanOrEqualTo(candle.low) && price.lessThanOrEqualTo(candle.high),
          `fill @ ${f.price} outside [${candle.low.toFixed()}, ${candle.high.toFixed()}]`,
        ).toBe(true);
      }
    };
    feed.step();
    let placed = 0;
    for (let candle = 0; candle < 120 && !feed.finished; candle += 1) {
      const mark = fillgate.paper.markPrice('BTCUSDT', 'spot')!;
      const orders = [
        { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.002' },
        { symbol: 'BTCUSDT', side: 'sell', type: 'market', quantity: '0.001' },
        {
          symbol: 'BTCUSDT',
          side: 'buy',
          type: 'limit',
          quantity: '0.001',
          price: mark.mul('0.9995').toDecimalPlaces(2).toFixed(),
        },
      ];
      for (const order of orders) {
        const result = await place(order);
        if (result.status === 'PLACED') placed += 1;
      }
      await checkNewFills();
      const index = feed.currentCandleIndex;
      while (!feed.finished && feed.currentCandleIndex === index) {
        feed.step();
        await checkNewFills();
      }
    }
    expect(placed).toBeGreaterThan(250);
    expect(checked).toBeGreaterThan(200);
    const fills = await database.db.query.fills.findMany({ where: (f, { eq }) => eq(f.userId, user.userId) });

    // The ledger agrees with the fills to the last digit.
    const balances = await fillgate.read.listBalances(user.userId);
    const usdt = balances.find((b) => b.accountId === user.spotAccountId && b.asset === 'USDT')!;
    const btc = balances.find((b) => b.accountId === user.spotAccountId && b.asset === 'BTC')!;
    const openOrders = await database.db.query.orders.findMany({
      where: (o, { and, eq, inArray }) =>
        and(eq(o.userId, user.userId), inArray(o.status, ['OPEN', 'PARTIALLY_FILLED'])),
    });
    const stillReserved = openOrders.reduce((s, o) => s.plus(o.reservedRemaining), new Decimal(0));
    let cash = new Decimal(10_000);
    let base = new Decimal(0);
    for (const f of fills) {
      const notional = new Decimal(f.price).mul(f.quantity);
      if (f.side === 'buy') {
        cash = cash.minus(notional).minus(f.fee);
        base = base.plus(f.quantity);
      } else {
        cash = cash.plus(notional).minus(f.fee);
        base = base.minus(f.quantity);
      }
    }
    expect(usdt.total.toFixed()).toBe(cash.toFixed());
    expect(btc.total.toFixed()).toBe(base.toFixed());
    expect(usdt.reserved.toFixed()).toBe(stillReserved.toFixed());
  });
});
