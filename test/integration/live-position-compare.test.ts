import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { startLiveHarness, type LiveHarness } from '../support/live-harness.ts';
import { databaseKind } from '../support/test-database.ts';

describe(`USD-M positions compared with the venue's (${databaseKind})`, () => {
  let L: LiveHarness;
  beforeAll(async () => {
    L = await startLiveHarness({
      weightPerMinute: 1_000_000,
      env: {
        FILLGATE_RECONCILE_INTERVAL_MS: '100',
        FILLGATE_RECONCILE_SETTLE_MS: '1500',
        FILLGATE_BALANCE_CHECK_INTERVAL_MS: '100',
      },
    });
  });
  afterAll(async () => L?.close());

  const mismatches = async () =>
    (await L.h.fillgate.read.listAudit(L.user.userId, { limit: 500 })).filter(
      (a) => a.reasonCode === 'POSITION_MISMATCH',
    );
  const ourPosition = async () =>
    (await L.h.fillgate.read.listPositions(L.user.userId)).find(
      (p) => p.symbol === 'BTCUSDT' && p.marketType === 'futures' && p.status !== 'CLOSED',
    );

  it('a position changed at the venue behind our back is reported once, naming ours and the venue’s', async () => {
    const res = await L.placeOrder({
      account_id: L.user.futuresAccountId,
      market_type: 'futures',
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      quantity: '0.003',
      leverage: 5,
    });
    expect(res.body.status, res.body.message).toBe('PLACED');
    expect((await ourPosition())?.quantity.toFixed()).toBe('0.003');
    // Several comparisons with equal positions: nothing to report.
    await L.h.fillgate.reconciler.pass();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await L.h.fillgate.reconciler.pass();
    expect(await mismatches()).toEqual([]);

    // Someone sells 0.001 with the same key, directly at the exchange.
    await L.s.futures.createOrder('BTC/USDT:USDT', 'market', 'sell', 0.001);

    const rows = await eventually(mismatches, (found) => found.length > 0);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({ accountId: L.user.futuresAccountId, symbol: 'BTCUSDT', status: 'SKIPPED' });
    expect(row.venueResponse).toMatchObject({ symbol: 'BTCUSDT', ours: 'long 0.003', venue: 'long 0.002' });
    expect(row.message).toContain('ours long 0.003, venue long 0.002');

    // Later passes (two a comparison interval apart) do not report the same difference again, and our
    // position is left as our fills made it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await L.h.fillgate.reconciler.pass();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await L.h.fillgate.reconciler.pass();
    expect(await mismatches()).toHaveLength(1);
    expect((await ourPosition())?.quantity.toFixed()).toBe('0.003');

    // A further change is a new difference: reported again with the new figures.
    await L.s.futures.createOrder('BTC/USDT:USDT', 'market', 'sell', 0.002);
    const again = await eventually(mismatches, (found) => found.length > 1);
    expect(again).toHaveLength(2);
    expect(again[0]!.venueResponse).toMatchObject({ ours: 'long 0.003', venue: 'flat' });
  });
});
