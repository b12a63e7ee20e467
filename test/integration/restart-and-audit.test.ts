import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { Decimal } from '../../src/domain/decimal.ts';
import { createFillgate } from '../../src/main.ts';
import { ManualFeed } from '../support/manual-feed.ts';
import { databaseKind, openTestDatabase } from '../support/test-database.ts';
import { NO_RISK_LIMITS } from '../../src/domain/risk-limits.ts';
import { provisionUser } from '../../src/execution/provision-user.ts';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { executionAudit } from '../../src/store/schema.ts';

describe(`restart and audit chain (${databaseKind})`, () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  const config = loadConfig({
    FILLGATE_DATA_DIR: '/nonexistent-test-dir',
    FILLGATE_JWT_SECRET: 'x'.repeat(32),
  });
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => database.dispose());

  it('a resting order survives a restart and fills afterwards; the audit chain verifies', async () => {
    const feed1 = new ManualFeed();
    const first = await createFillgate({ config, database, feed: feed1, logger });
    feed1.book('ETHUSDT', 'spot', '3399.99', '3400.01', '50');
    const user = await provisionUser(first.identity, randomUUID, {
      email: 'restart@test.local',
      role: 'user',
      riskLimits: NO_RISK_LIMITS,
    });
    const auth = { authorization: `Bearer ${user.token}` };
    const placed = await first.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: auth,
      payload: { symbol: 'ETHUSDT', side: 'buy', type: 'limit', quantity: '0.5', price: '3390' },
    });
    expect(placed.statusCode).toBe(201);
    const orderId = placed.json<{ order_id: string }>().order_id;
    await first.stop();

    const feed2 = new ManualFeed();
    const second = await createFillgate({ config, database, feed: feed2, logger });
    try {
      feed2.book('ETHUSDT', 'spot', '3389.99', '3390.01', '50');
      // The market trades through the resting price: 0.2 then 0.3 of it fill.
      for (const quantity of ['0.2', '0.3']) {
        feed2.push({
          kind: 'trade',
          symbol: 'ETHUSDT',
          marketType: 'spot',
          price: new Decimal('3389'),
          quantity: new Decimal(quantity),
          aggressor: 'sell',
          timestamp: new Date(),
        });
      }
      await second.tracker.drain();
      const res = await second.app.inject({ method: 'GET', url: `/api/v1/orders/${orderId}`, headers: auth });
      const order = res.json<{ status: string; filled_quantity: string; fills: { price: string }[] }>();
      expect(order.status).toBe('FILLED');
      expect(order.filled_quantity).toBe('0.5');
      expect(order.fills.every((f) => new Decimal(f.price).lessThanOrEqualTo(3390))).toBe(true);
      const balances = await second.read.listBalances(user.userId);
      const usdt = balances.find((b) => b.accountId === user.spotAccountId && b.asset === 'USDT')!;
      expect(usdt.reserved.toFixed()).toBe('0');

      // Every audit row's hash covers the previous one; a tampered row breaks the chain right there.
      const verified = await second.store.verifyAuditChain(user.userId);
      expect(verified).toEqual({ ok: true, rows: 1 });
      const [row] = await database.db
        .update(executionAudit)
        .set({ message: 'nothing happened' })
        .where(eq(executionAudit.userId, user.userId))
        .returning({ id: executionAudit.id });
      expect(await second.store.verifyAuditChain(user.userId)).toEqual({ ok: false, brokenAt: row!.id });
    } finally {
      await second.stop();
    }
  });
});
