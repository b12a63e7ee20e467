import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { startLiveHarness, type LiveHarness } from '../support/live-harness.ts';
import { databaseKind } from '../support/test-database.ts';

/** Everything the app logs, at the most verbose level, kept for the canary search. */
const logLines: string[] = [];
const logger = pino(
  { level: 'trace' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  }),
);

interface AccountBody {
  account_id: string;
  venue: string;
  venue_id: string;
  market_type: string;
  api_key: string;
}

describe(`live exchange accounts with encrypted keys (${databaseKind})`, () => {
  let L: LiveHarness;
  const responses: string[] = [];
  const masterKey = randomBytes(32).toString('base64');

  beforeAll(async () => {
    L = await startLiveHarness({
      logger,
      // Three venues reconcile every 100 ms and scan open orders every 200 ms, far past Binance's 1200
      // weight a minute; this file tests keys and adoption, not the budget (live-circuit-breaker does).
      weightPerMinute: 1_000_000,
      env: {
        FILLGATE_MASTER_KEY: masterKey,
        FILLGATE_RECONCILE_INTERVAL_MS: '100',
        FILLGATE_RECONCILE_SETTLE_MS: '1500',
        FILLGATE_BALANCE_CHECK_INTERVAL_MS: '200',
      },
    });
  });
  afterAll(async () => L?.close());

  const request = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) => {
    const res = await L.h.fillgate.app.inject({
      method,
      url,
      headers: L.user.auth,
      ...(payload !== undefined && { payload: payload as Record<string, unknown> }),
    });
    responses.push(`${res.statusCode} ${JSON.stringify(res.headers)} ${res.body}`);
    return res;
  };
  const credentials = () => L.sim.accounts[0]!;

  let spotAccount: AccountBody;
  let futuresAccount: AccountBody;

  it('creates spot and USD-M accounts from a key, opening the ledger from the venue balances', async () => {
    const { apiKey, secret } = credentials();
    const spot = await request('POST', '/api/v1/exchange-accounts', {
      venue: 'binance',
      base_url: L.sim.baseUrl,
      api_key: apiKey,
      api_secret: secret,
      label: 'sim spot',
    });
    expect(spot.statusCode, spot.body).toBe(201);
    spotAccount = spot.json<AccountBody>();
    expect(spotAccount).toMatchObject({
      venue: 'binance',
      market_type: 'spot',
      venue_id: `binance:${spotAccount.account_id}`,
    });
    expect(spotAccount.api_key).toBe(`${apiKey.slice(0, 4)}…${apiKey.slice(-4)}`);
    const futures = await request('POST', '/api/v1/exchange-accounts', {
      venue: 'binanceusdm',
      base_url: L.sim.baseUrl,
      api_key: apiKey,
      api_secret: secret,
    });
    expect(futures.statusCode, futures.body).toBe(201);
    futuresAccount = futures.json<AccountBody>();
    const balances = await L.h.fillgate.read.listBalances(L.user.userId);
    expect(balances.find((b) => b.accountId === spotAccount.account_id && b.asset === 'USDT')).toBeDefined();
    const list = await request('GET', '/api/v1/exchange-accounts');
    expect(
      list
        .json<{ data: AccountBody[] }>()
        .data.map((a) => a.account_id)
        .sort(),
    ).toEqual([spotAccount.account_id, futuresAccount.account_id].sort());
  });

  it('refuses a key the venue does not accept, and a venue it cannot reach', async () => {
    const wrong = await request('POST', '/api/v1/exchange-accounts', {
      venue: 'binance',
      base_url: L.sim.baseUrl,
      api_key: credentials().apiKey,
      api_secret: `${credentials().secret.slice(0, -4)}0000`,
    });
    expect(wrong.statusCode).toBe(422);
    const unreachable = await request('POST', '/api/v1/exchange-accounts', {
      venue: 'binance',
      base_url: 'http://127.0.0.1:9',
      api_key: credentials().apiKey,
      api_secret: credentials().secret,
    });
    expect(unreachable.statusCode).toBe(502);
  });

  it('adopts an order placed at the venue outside Fillgate as EXTERNAL, with its fills', async () => {
    const placedElsewhere = await L.s.spot.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 95000, {
      clientOrderId: 'placed-elsewhere-1',
    });
    expect(placedElsewhere.id).toBeDefined();
    const external = async () =>
      (await L.h.fillgate.read.listOrders(L.user.userId, { source: 'EXTERNAL', limit: 50 })).items.filter(
        (o) => o.clientOrderId === 'placed-elsewhere-1' && o.accountId === spotAccount.account_id,
      );
    const adopted = await eventually(external, (orders) => orders.length === 1);
    expect(adopted).toHaveLength(1);
    expect(adopted[0]).toMatchObject({ status: 'OPEN', side: 'buy', type: 'limit' });
    expect(adopted[0]!.venueOrderId).toBe(placedElsewhere.id);
    L.s.trade('BTCUSDT', 'spot', '94999', '1');
    const filled = await eventually(external, (orders) => orders[0]?.status === 'FILLED');
    expect(filled[0]!.status).toBe('FILLED');
    expect(await L.h.fillgate.read.listFills(L.user.userId, filled[0]!.id)).toHaveLength(1);
  });

  it('orders name the account; every fault path leaves the key out of logs, rows and responses', async () => {
    const faults = [
      { acceptThenDrop: { times: 1, endpoints: ['POST /api/v3/order'] } },
      { unknownExecution: { placed: 'no' as const, times: 1, endpoints: ['POST /api/v3/order'] } },
      { errors: [{ status: 503, code: -1001, times: 1, endpoints: ['POST /api/v3/order'] }] },
      { errors: [{ status: 504, times: 1, endpoints: ['POST /api/v3/order'] }] },
      { errors: [{ status: 429, code: -1003, times: 1, endpoints: ['POST /api/v3/order'] }] },
      { errors: [{ status: 400, code: -2014, msg: 'API-key format invalid.', times: 1 }] },
      { connectionReset: { times: 1, endpoints: ['POST /api/v3/order'] } },
    ];
    const ids: string[] = [];
    for (const [index, fault] of faults.entries()) {
      // The default risk limits of a new account space orders at least 100 ms apart.
      await new Promise((resolve) => setTimeout(resolve, 150));
      L.setFaults(fault);
      const res = await request('POST', '/api/v1/orders', {
        account_id: spotAccount.account_id,
        symbol: 'BTCUSDT',
        side: 'buy',
        type: 'market',
        // Distinct sizes: the default risk limits refuse the same order twice within seconds.
        quantity: `0.00${index + 1}`,
      });
      expect(res.json<{ order_id: string | null }>().order_id, res.body).toBeTruthy();
      ids.push(res.json<{ order_id: string }>().order_id);
    }
    L.setFaults({});
    const futures = await request('POST', '/api/v1/orders', {
      account_id: futuresAccount.account_id,
      market_type: 'futures',
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'limit',
      quantity: '0.001',
      price: '90000',
      leverage: 3,
    });
    expect(futures.json<{ status: string }>().status).toBe('PLACED');
    const futuresId = futures.json<{ order_id: string }>().order_id;
    for (const id of ids) {
      const settled = await eventually(
        () => L.h.fillgate.read.findOrder(L.user.userId, id),
        (o) => o !== undefined && ['FILLED', 'REJECTED'].includes(o.status),
        // Resolving an unknown outcome waits out the receive window; a loaded CI machine needs headroom.
        30_000,
      );
      const events = settled ? await L.h.fillgate.read.listOrderEvents(L.user.userId, settled.id) : [];
      expect(
        ['FILLED', 'REJECTED'],
        `order ${ids.indexOf(id)}: ${JSON.stringify(events.map((e) => [e.kind, e.toStatus]))}`,
      ).toContain(settled?.status);
      await request('GET', `/api/v1/orders/${id}`);
    }
    // Binance takes a spot buy's commission in the base asset; the ledger books it in the quote asset.
    // The reconciler reports the difference as an audit row (and leaves the ledger alone).
    const mismatch = await eventually(
      () => L.h.fillgate.read.listAudit(L.user.userId, { limit: 200 }),
      (rows) =>
        rows.some((a) => a.reasonCode === 'BALANCE_MISMATCH' && a.accountId === spotAccount.account_id),
    );
    expect(mismatch.some((a) => a.reasonCode === 'BALANCE_MISMATCH' && a.message.startsWith('BTC'))).toBe(
      true,
    );
    await request('GET', '/health');
    await request('GET', '/api/v1/exchange-accounts');
    for (const id of ids) await request('GET', `/api/v1/orders/${id}/audit`);

    // A key with a working order is not removed; once the order is canceled, it is.
    const refused = await request('DELETE', `/api/v1/exchange-accounts/${futuresAccount.account_id}`);
    expect(refused.statusCode).toBe(409);
    await request('POST', `/api/v1/orders/${futuresId}/cancel`);
    const removed = await request('DELETE', `/api/v1/exchange-accounts/${futuresAccount.account_id}`);
    expect(removed.statusCode).toBe(204);
    const after = await request('GET', '/api/v1/exchange-accounts');
    expect(after.json<{ data: AccountBody[] }>().data.map((a) => a.account_id)).toEqual([
      spotAccount.account_id,
    ]);

    // The canary: the key and the secret, plain, base64 and hex, appear nowhere.
    const { apiKey, secret } = credentials();
    const forms = [apiKey, secret].flatMap((value) => [
      value,
      Buffer.from(value).toString('base64'),
      Buffer.from(value).toString('hex'),
    ]);
    const tables = await L.h.fillgate.database.db.execute(
      sql`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    );
    const rowsOf = (result: unknown): Record<string, unknown>[] =>
      Array.isArray(result)
        ? (result as Record<string, unknown>[])
        : ((result as { rows: Record<string, unknown>[] }).rows ?? []);
    let dump = '';
    for (const table of rowsOf(tables)) {
      const name = String(table['table_name']);
      const rows = rowsOf(await L.h.fillgate.database.db.execute(sql.raw(`SELECT * FROM "${name}"`)));
      for (const row of rows) {
        if (name === 'exchange_keys') {
          delete row['ciphertext'];
          delete row['wrapped_data_key'];
        }
        dump += `${name} ${JSON.stringify(row)}\n`;
      }
    }
    expect(dump).toContain('exchange_keys');
    const logs = logLines.join('');
    expect(logs.length).toBeGreaterThan(0);
    const everywhere = { logs, database: dump, responses: responses.join('\n') };
    for (const [where, text] of Object.entries(everywhere)) {
      for (const form of forms)
        expect(text.includes(form), `${where} contains a form of the key`).toBe(false);
    }
  });
});
