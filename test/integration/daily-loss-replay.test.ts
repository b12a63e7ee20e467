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
import type { KlineReplayFeed } from '../../src/venues/market-data/kline-replay-feed.ts';
import { BTC_CSV } from '../support/market-data-files.ts';
import { databaseKind, openTestDatabase } from '../support/test-database.ts';

function generatedCsv(dir: string): string {
  const rules = findBuiltinMarket('BTCUSDT', 'spot')!;
  const klines = generateKlines({
    count: 300,
    startPrice: new Decimal(96_000),
    tickSize: rules.tickSize,
    stepSize: rules.stepSize,
    seed: 11,
  });
  const file = path.join(dir, 'BTCUSDT-1m-generated.csv');
  writeFileSync(
    file,
    klines
      .map((k) =>
        [
          k.openTime.getTime(),
          k.open,
          k.high,
          k.low,
          k.close,
          k.volume,
          k.openTime.getTime() + 59_999,
          0,
          0,
          0,
          0,
          0,
        ].join(','),
      )
      .join('\n'),
  );
  return file;
}

describe.each([
  { name: 'generated klines', real: false },
  { name: 'real BTCUSDT 1m klines', real: true },
])(`a losing sequence over replayed $name crosses the daily loss limit (${databaseKind})`, ({ real }) => {
  const available = !real || BTC_CSV !== undefined;
  let dir: string;
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let fillgate: Fillgate;

  beforeAll(async () => {
    if (!available) return;
    dir = mkdtempSync(path.join(tmpdir(), 'fillgate-loss-'));
    database = await openTestDatabase();
    fillgate = await createFillgate({
      config: loadConfig({
        FILLGATE_FEED: `replay:${real ? BTC_CSV! : generatedCsv(dir)}`,
        FILLGATE_DATA_DIR: dir,
      }),
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

  it.skipIf(!available)(
    'HALTED with an audit row of the switch; the next order is TRADING_HALTED',
    async () => {
      const feed = fillgate.feed as KlineReplayFeed;
      const user = await provisionUser(fillgate.identity, randomUUID, {
        email: `${randomUUID()}@t.local`,
        role: 'user',
        riskLimits: { ...NO_RISK_LIMITS, dailyLossLimit: new Decimal('15') },
      });
      const auth = { authorization: `Bearer ${user.token}` };
      const order = async (side: 'buy' | 'sell') => {
        const res = await fillgate.app.inject({
          method: 'POST',
          url: '/api/v1/orders',
          headers: auth,
          payload: { symbol: 'BTCUSDT', side, type: 'market', quantity: '0.02' },
        });
        return res.json<{ status: string; reason_code: string | null }>();
      };
      feed.step();
      // Round trips at market pay the spread and 0.1% twice: a steady loss, candle after candle.
      let refused: { status: string; reason_code: string | null } | undefined;
      for (let i = 0; i < 100 && !refused; i += 1) {
        for (const side of ['buy', 'sell'] as const) {
          const result = await order(side);
          if (result.status !== 'PLACED') {
            refused = result;
            break;
          }
        }
        feed.stepCandle();
      }
      expect(refused).toMatchObject({ status: 'SKIPPED', reason_code: 'DAILY_LOSS_LIMIT' });
      expect(await order('buy')).toMatchObject({ status: 'SKIPPED', reason_code: 'TRADING_HALTED' });

      const [spot] = (await fillgate.read.listAccounts(user.userId)).filter((a) => a.marketType === 'spot');
      expect(spot).toMatchObject({ tradingState: 'HALTED', haltReason: 'DAILY_LOSS_LIMIT' });
      const audit = await fillgate.read.listAudit(user.userId, { limit: 500 });
      const switches = audit.filter((a) => a.message.includes('switched to HALTED'));
      expect(switches).toHaveLength(1);
      expect(switches[0]!.reasonCode).toBe('DAILY_LOSS_LIMIT');
      // The loss it reacted to is real, and the switch records the limit and the loss it saw.
      const fills = await database.db.query.fills.findMany({
        where: (f, { eq }) => eq(f.userId, user.userId),
      });
      const lost = fills.reduce((sum, f) => sum.plus(f.realizedPnl).minus(f.fee), new Decimal(0));
      expect(lost.isNegative()).toBe(true);
      const recorded = switches[0]!.requestPayload as { limit: string; value: string };
      expect(recorded.limit).toBe('15');
      expect(new Decimal(recorded.value).greaterThanOrEqualTo(15)).toBe(true);
    },
  );
});
