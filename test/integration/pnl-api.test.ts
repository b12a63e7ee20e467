import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.ts';
import { venueMarkPrice } from '../../src/execution/pnl-read-port.ts';
import { bearerAuth } from '../../src/http/authenticate.ts';
import { envelope, handleError } from '../../src/http/error-envelope.ts';
import { exportRoutes } from '../../src/http/routes/export-routes.ts';
import { pnlRoutes } from '../../src/http/routes/pnl-routes.ts';
import { DrizzlePnlStore } from '../../src/store/pnl-store.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { ManualFeed } from '../support/manual-feed.ts';
import { databaseKind } from '../support/test-database.ts';

type Json = Record<string, unknown>;
type User = Awaited<ReturnType<Harness['user']>>;

/** RFC 4180: CRLF records, fields quoted when they hold a comma, quote or line break, quotes doubled. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (field === '' && c === '"') {
      i += 1;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        field += text[i];
        i += 1;
      }
      if (i < text.length && text[i] !== ',' && text[i] !== '\r') throw new Error(`junk after quote at ${i}`);
      continue;
    }
    if (c === ',') {
      record.push(field);
      field = '';
      i += 1;
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else if (c === '\n' || c === '\r') {
      throw new Error(`bare line break at ${i}`);
    } else {
      field += c;
      i += 1;
    }
  }
  if (field !== '' || record.length > 0) throw new Error('last record does not end with CRLF');
  return records;
}

/** The CSV as objects keyed by its header row. */
function csvObjects(text: string): { header: string[]; rows: Record<string, string>[] } {
  const [header, ...records] = parseCsv(text);
  if (!header) throw new Error('no header row');
  for (const r of records) expect(r).toHaveLength(header.length);
  return { header, rows: records.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k]!]))) };
}

describe(`PnL and export API on ${databaseKind}`, () => {
  const feed = new ManualFeed();
  let h: Harness;
  let app: FastifyInstance;
  let alice: User;
  let bob: User;
  let dana: User;
  let start: Date;
  let end: Date;

  const get = async (user: { auth: { authorization: string } }, url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: user.auth });
    return { status: res.statusCode, body: res.json<Json>() };
  };
  const csv = async (user: { auth: { authorization: string } }, url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: user.auth });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(String(res.headers['content-disposition'])).toMatch(
      /^attachment; filename="fillgate-[a-z]+-.+\.csv"$/,
    );
    return { raw: res.body, ...csvObjects(res.body) };
  };
  const order = async (user: User, payload: Json) => {
    const res = await h.fillgate.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: user.auth,
      payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ order_id: string; order: Json }>();
  };
  const range = () => `from=${start.toISOString()}&to=${end.toISOString()}`;

  beforeAll(async () => {
    h = await startHarness({ feed });
    // Pages of two rows: every export and the equity series cross several keyset page boundaries.
    const pnl = new DrizzlePnlStore(h.fillgate.database.db, { pageSize: 2 });
    // What build-app.ts does, on the harness's real store, identity and venues.
    app = Fastify({
      ajv: {
        customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false },
      },
    }).withTypeProvider<TypeBoxTypeProvider>();
    app.setErrorHandler(handleError);
    app.setNotFoundHandler((request, reply) => {
      void reply.status(404).send(envelope('NOT_FOUND', `No route ${request.method} ${request.url}.`));
    });
    await app.register(async (api) => {
      api.addHook('onRequest', bearerAuth(h.fillgate.identity, h.fillgate.accessTokens));
      await api.register(
        pnlRoutes({ pnl, read: h.fillgate.read, markPrice: venueMarkPrice(h.fillgate.execution.venues) }),
        {
          prefix: '/api/v1',
        },
      );
      await api.register(exportRoutes({ pnl, read: h.fillgate.read }), { prefix: '/api/v1' });
    });
    await app.ready();

    alice = await h.user();
    bob = await h.user();
    dana = await h.user();
    start = new Date(Date.now() - 60_000);

    // A winning BTC round trip: buy 0.01 at 96001, sell at 97001 -> realized 10, fees 0.96001 + 0.97001.
    feed.book('BTCUSDT', 'spot', '96000', '96001', '10');
    await order(alice, { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.01' });
    feed.book('BTCUSDT', 'spot', '97001', '97002', '10');
    await order(alice, { symbol: 'BTCUSDT', side: 'sell', type: 'market', quantity: '0.01' });
    // A losing ETH round trip: buy 0.1 at 3001, sell at 2950 -> realized -5.1, fees 0.3001 + 0.295.
    feed.book('ETHUSDT', 'spot', '2999', '3001', '100');
    await order(alice, { symbol: 'ETHUSDT', side: 'buy', type: 'market', quantity: '0.1' });
    feed.book('ETHUSDT', 'spot', '2950', '2951', '100');
    await order(alice, { symbol: 'ETHUSDT', side: 'sell', type: 'market', quantity: '0.1' });
    // Open: 0.02 BTC long at 97002 (fee 1.94004), marked at 98001 -> unrealized 19.98.
    await order(alice, { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.02' });
    feed.book('BTCUSDT', 'spot', '98000', '98002', '10');
    // Open: 0.01 BTC futures short at 96000 (fee 0.96), marked at 95001 -> unrealized 9.99.
    feed.book('BTCUSDT', 'futures', '96000', '96002', '10');
    await order(alice, {
      symbol: 'BTCUSDT',
      side: 'sell',
      type: 'market',
      quantity: '0.01',
      market_type: 'futures',
    });
    feed.book('BTCUSDT', 'futures', '95000', '95002', '10');
    // A resting limit whose client order id a spreadsheet would evaluate (-2-3 = -5); it never fills.
    await order(alice, {
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'limit',
      quantity: '0.001',
      price: '90000',
      client_order_id: '-2-3',
    });
    // An audit message carrying a formula, a quote, a comma and a line break.
    await h.fillgate.store.transaction(alice.userId, (uow) =>
      uow.appendAudit({
        accountId: alice.spotAccountId,
        source: 'SIGNAL',
        status: 'SKIPPED',
        reasonCode: 'SIGNAL_REJECTED',
        message: '=HYPERLINK("http://evil.example","click"), then\nline two',
        symbol: 'BTCUSDT',
        requestPayload: { note: '@SUM(A1:A9)' },
      }),
    );
    // Equity of both accounts, interleaved: combined 10000, 20000, 20100, 20000, 19495, 20100, 20700.
    for (const [account, equity] of [
      [alice.spotAccountId, '10000'],
      [alice.futuresAccountId, '10000'],
      [alice.spotAccountId, '10100'],
      [alice.futuresAccountId, '9900'],
      [alice.spotAccountId, '9595'],
      [alice.spotAccountId, '10200'],
      [alice.futuresAccountId, '10500'],
    ] as const) {
      await h.fillgate.store.transaction(alice.userId, (uow) =>
        uow.recordEquity(account, new Decimal(equity), new Decimal(0), new Decimal(0)),
      );
    }

    // Dana trades across a UTC midnight: resting limits filled by book snapshots stamped with those times.
    feed.book('ETHUSDT', 'spot', '2999', '3002', '100');
    await order(dana, { symbol: 'ETHUSDT', side: 'buy', type: 'limit', quantity: '0.1', price: '3000' });
    const level = (price: string) => [{ price: new Decimal(price), quantity: new Decimal('10') }];
    feed.push({
      kind: 'book',
      symbol: 'ETHUSDT',
      marketType: 'spot',
      bids: level('2999'),
      asks: level('3000'),
      timestamp: new Date('2025-03-01T23:59:59.999Z'),
    });
    await h.fillgate.tracker.drain();
    await order(dana, { symbol: 'ETHUSDT', side: 'sell', type: 'limit', quantity: '0.1', price: '3100' });
    feed.push({
      kind: 'book',
      symbol: 'ETHUSDT',
      marketType: 'spot',
      bids: level('3100'),
      asks: level('3101'),
      timestamp: new Date('2025-03-02T00:00:00.000Z'),
    });
    await h.fillgate.tracker.drain();
    end = new Date(Date.now() + 60_000);
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('summarizes realized, fees, unrealized at the venue mark and net, to the digit', async () => {
    const { status, body } = await get(alice, '/api/v1/pnl/summary');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      account_id: null,
      from: null,
      to: null,
      currency: 'USDT',
      realized_pnl: '4.9',
      fees: '5.42516',
      unrealized_pnl: '29.97',
      net_pnl: '29.44484',
      fills: 6,
      volume: '5425.16',
      unpriced_positions: [],
    });
    expect(body.trades).toEqual({
      count: 2,
      wins: 1,
      losses: 1,
      breakeven: 0,
      win_rate_pct: '50',
      gross_profit: '8.06998',
      gross_loss: '5.6951',
      net: '2.37488',
      average_win: '8.06998',
      average_loss: '-5.6951',
      profit_factor: '1.41700409',
      largest_win: '8.06998',
      largest_loss: '-5.6951',
    });
    expect(body.max_drawdown).toEqual({
      amount: '605',
      pct: '3.00995025',
      peak: '20100',
      trough: '19495',
      snapshots: 7,
    });
  });

  it('scopes the summary to one account', async () => {
    const spot = (await get(alice, `/api/v1/pnl/summary?account_id=${alice.spotAccountId}`)).body;
    expect(spot).toMatchObject({
      account_id: alice.spotAccountId,
      realized_pnl: '4.9',
      fees: '4.46516',
      unrealized_pnl: '19.98',
      net_pnl: '20.41484',
      fills: 5,
    });
    expect((spot.trades as Json).count).toBe(2);
    expect(spot.max_drawdown).toEqual({
      amount: '505',
      pct: '5',
      peak: '10100',
      trough: '9595',
      snapshots: 4,
    });

    const futures = (await get(alice, `/api/v1/pnl/summary?account_id=${alice.futuresAccountId}`)).body;
    expect(futures).toMatchObject({
      realized_pnl: '0',
      fees: '0.96',
      unrealized_pnl: '9.99',
      net_pnl: '9.03',
    });
    expect(futures.trades).toMatchObject({ count: 0, win_rate_pct: null, profit_factor: null });
    expect(futures.max_drawdown).toMatchObject({ amount: '100', pct: '1', snapshots: 3 });
  });

  it('applies the range to fills, closed trades and snapshots, not to what is open now', async () => {
    const { body } = await get(
      alice,
      '/api/v1/pnl/summary?from=2020-01-01T00:00:00Z&to=2020-12-31T23:59:59Z',
    );
    expect(body).toMatchObject({
      from: '2020-01-01T00:00:00.000Z',
      to: '2020-12-31T23:59:59.000Z',
      realized_pnl: '0',
      fees: '0',
      fills: 0,
      unrealized_pnl: '29.97',
      net_pnl: '29.97',
      max_drawdown: null,
    });
    expect((body.trades as Json).count).toBe(0);
  });

  it('groups realized, fees, net and fills by UTC day', async () => {
    const alices = (await get(alice, '/api/v1/pnl/daily')).body.days as Json[];
    expect(alices).toHaveLength(1);
    expect(alices[0]).toMatchObject({
      realized_pnl: '4.9',
      fees: '5.42516',
      net_pnl: '-0.52516',
      fills: 6,
    });
    const fills = (await csv(alice, `/api/v1/export/fills.csv?${range()}`)).rows;
    expect(alices[0]!.date).toBe(fills[0]!.executed_at!.slice(0, 10));

    // One millisecond either side of midnight UTC: two days.
    const danas = (await get(dana, '/api/v1/pnl/daily')).body.days;
    expect(danas).toEqual([
      { date: '2025-03-01', realized_pnl: '0', fees: '0.3', net_pnl: '-0.3', fills: 1, volume: '300' },
      { date: '2025-03-02', realized_pnl: '10', fees: '0.31', net_pnl: '9.69', fills: 1, volume: '310' },
    ]);
    const to = (await get(dana, '/api/v1/pnl/daily?to=2025-03-01T23:59:59.999Z')).body.days as Json[];
    expect(to.map((d) => d.date)).toEqual(['2025-03-01']);
    const from = (await get(dana, '/api/v1/pnl/daily?from=2025-03-02T00:00:00Z')).body.days as Json[];
    expect(from.map((d) => d.date)).toEqual(['2025-03-02']);
  });

  it('breaks PnL down by symbol and market, with volume and the open quantity', async () => {
    const { body } = await get(alice, '/api/v1/pnl/by-symbol');
    expect(body.symbols).toEqual([
      {
        symbol: 'BTCUSDT',
        market_type: 'futures',
        realized_pnl: '0',
        fees: '0.96',
        net_pnl: '-0.96',
        fills: 1,
        volume: '960',
        open_quantity: '0.01',
        open_side: 'short',
      },
      {
        symbol: 'BTCUSDT',
        market_type: 'spot',
        realized_pnl: '10',
        fees: '3.87006',
        net_pnl: '6.12994',
        fills: 3,
        volume: '3870.06',
        open_quantity: '0.02',
        open_side: 'long',
      },
      {
        symbol: 'ETHUSDT',
        market_type: 'spot',
        realized_pnl: '-5.1',
        fees: '0.5951',
        net_pnl: '-5.6951',
        fills: 2,
        volume: '595.1',
        open_quantity: '0',
        open_side: null,
      },
    ]);
    // Open positions show even when the range holds none of their fills.
    const before = (await get(alice, '/api/v1/pnl/by-symbol?to=2020-01-01T00:00:00Z')).body.symbols as Json[];
    expect(before.map((s) => [s.symbol, s.market_type, s.fills, s.open_quantity])).toEqual([
      ['BTCUSDT', 'futures', 0, '0.01'],
      ['BTCUSDT', 'spot', 0, '0.02'],
    ]);
  });

  it('exports fills as RFC 4180 CSV with exact decimals, ISO UTC times and signed numbers', async () => {
    const { header, rows } = await csv(alice, `/api/v1/export/fills.csv?${range()}`);
    expect(header).toEqual([
      'id',
      'order_id',
      'account_id',
      'executed_at',
      'trade_id',
      'symbol',
      'side',
      'price',
      'quantity',
      'fee',
      'fee_asset',
      'liquidity',
      'realized_pnl',
    ]);
    // Oldest first; two taker fills can share a millisecond, so the figures are compared as a set.
    const times = rows.map((r) => r.executed_at!);
    expect(times).toEqual([...times].sort());
    const figures = rows.map((r) => [r.symbol, r.side, r.price, r.quantity, r.fee, r.realized_pnl].join(' '));
    expect(figures.sort()).toEqual(
      [
        ['BTCUSDT', 'buy', '96001', '0.01', '0.96001', '0'],
        ['BTCUSDT', 'sell', '97001', '0.01', '0.97001', '10'],
        ['ETHUSDT', 'buy', '3001', '0.1', '0.3001', '0'],
        ['ETHUSDT', 'sell', '2950', '0.1', '0.295', '-5.1'],
        ['BTCUSDT', 'buy', '97002', '0.02', '1.94004', '0'],
        ['BTCUSDT', 'sell', '96000', '0.01', '0.96', '0'],
      ]
        .map((f) => f.join(' '))
        .sort(),
    );
    for (const r of rows) {
      expect(r.executed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(r.fee_asset).toBe('USDT');
    }
    const danas = await csv(
      dana,
      '/api/v1/export/fills.csv?from=2025-03-01T00:00:00Z&to=2025-03-03T00:00:00Z',
    );
    expect(danas.rows.map((r) => [r.executed_at, r.side, r.price, r.liquidity])).toEqual([
      ['2025-03-01T23:59:59.999Z', 'buy', '3000', 'maker'],
      ['2025-03-02T00:00:00.000Z', 'sell', '3100', 'maker'],
    ]);
  });

  it('exports orders, neutralising a client order id a spreadsheet would evaluate', async () => {
    const { header, rows } = await csv(alice, `/api/v1/export/orders.csv?${range()}`);
    expect(header.slice(0, 5)).toEqual(['id', 'account_id', 'created_at', 'updated_at', 'client_order_id']);
    expect(header).toContain('message');
    expect(rows).toHaveLength(7);
    const limit = rows.find((r) => r.type === 'limit')!;
    expect(limit).toMatchObject({
      client_order_id: "'-2-3",
      status: 'OPEN',
      price: '90000',
      quantity: '0.001',
      filled_quantity: '0',
      average_price: '',
    });
    const filled = rows.filter((r) => r.status === 'FILLED');
    expect(filled.map((r) => r.average_price).sort()).toEqual(
      ['96001', '97001', '3001', '2950', '97002', '96000'].sort(),
    );
    // Dana's orders were created now, so a range around her fills' times holds none of them.
    const danas = await csv(
      dana,
      '/api/v1/export/orders.csv?from=2025-03-01T00:00:00Z&to=2025-03-03T00:00:00Z',
    );
    expect(danas.rows).toEqual([]);
  });

  it('exports the audit chain with prev_hash and hash, and defuses a formula in a message', async () => {
    const { header, rows, raw } = await csv(alice, `/api/v1/export/audit.csv?${range()}`);
    expect(header.slice(-2)).toEqual(['prev_hash', 'hash']);
    expect(rows).toHaveLength(8);
    expect(rows[0]!.prev_hash).toBe('');
    for (let k = 1; k < rows.length; k += 1) expect(rows[k]!.prev_hash).toBe(rows[k - 1]!.hash);
    expect(rows.filter((r) => r.status === 'PLACED')).toHaveLength(7);
    const injected = rows.find((r) => r.status === 'SKIPPED')!;
    expect(injected.message).toBe('\'=HYPERLINK("http://evil.example","click"), then\nline two');
    expect(injected.request_payload).toBe('{"note":"@SUM(A1:A9)"}');
    expect(raw).toContain('"\'=HYPERLINK(""http://evil.example"",""click""), then\nline two"');
    expect(raw.split('\r\n').some((line) => /^=|,=/.test(line))).toBe(false);
    expect(await h.fillgate.store.verifyAuditChain(alice.userId)).toEqual({ ok: true, rows: 8 });
  });

  it('scopes an export to one account', async () => {
    const futures = await csv(
      alice,
      `/api/v1/export/fills.csv?${range()}&account_id=${alice.futuresAccountId}`,
    );
    expect(futures.rows.map((r) => [r.symbol, r.side, r.price])).toEqual([['BTCUSDT', 'sell', '96000']]);
  });

  it("never shows one user another's figures or rows", async () => {
    for (const path of ['pnl/summary', 'pnl/daily', 'pnl/by-symbol']) {
      const res = await get(bob, `/api/v1/${path}?account_id=${alice.spotAccountId}`);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ error: { code: 'NOT_FOUND', retryable: false } });
    }
    for (const name of ['orders', 'fills', 'audit']) {
      const res = await get(bob, `/api/v1/export/${name}.csv?${range()}&account_id=${alice.spotAccountId}`);
      expect(res.status).toBe(404);
      const own = await csv(bob, `/api/v1/export/${name}.csv?${range()}`);
      expect(own.header.length).toBeGreaterThan(5);
      expect(own.rows).toEqual([]);
    }
    const summary = (await get(bob, '/api/v1/pnl/summary')).body;
    expect(summary).toMatchObject({
      realized_pnl: '0',
      fees: '0',
      unrealized_pnl: '0',
      fills: 0,
      max_drawdown: null,
    });
    expect((await get(bob, '/api/v1/pnl/daily')).body.days).toEqual([]);
    expect((await get(bob, '/api/v1/pnl/by-symbol')).body.symbols).toEqual([]);
  });

  it('answers malformed queries with the 400 envelope', async () => {
    const day = 86_400_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const t0 = Date.parse('2025-01-01T00:00:00Z');
    for (const url of [
      '/api/v1/pnl/summary?foo=1',
      '/api/v1/pnl/summary?from=yesterday',
      '/api/v1/pnl/summary?from=2025-01-01',
      '/api/v1/pnl/daily?account_id=not-a-uuid',
      '/api/v1/pnl/daily?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z',
      '/api/v1/pnl/by-symbol?from=2025-01-01T00:00:00Z&from=2025-01-02T00:00:00Z',
      '/api/v1/export/fills.csv',
      '/api/v1/export/fills.csv?from=2025-01-01T00:00:00Z',
      `/api/v1/export/orders.csv?from=${iso(t0)}&to=${iso(t0 + 366 * day + 1)}`,
      `/api/v1/export/audit.csv?from=${iso(t0 + day)}&to=${iso(t0)}`,
      `/api/v1/export/audit.csv?from=${iso(t0)}&to=${iso(t0 + day)}&limit=5`,
    ]) {
      const res = await get(alice, url);
      expect(res.status, url).toBe(400);
      expect(res.body, url).toMatchObject({ error: { code: 'VALIDATION_FAILED', retryable: false } });
    }
    const longest = await app.inject({
      method: 'GET',
      url: `/api/v1/export/orders.csv?from=${iso(t0)}&to=${iso(t0 + 366 * day)}`,
      headers: alice.auth,
    });
    expect(longest.statusCode).toBe(200);
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/pnl/summary' });
    expect(anonymous.statusCode).toBe(401);
  });
});
