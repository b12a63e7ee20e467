import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.ts';
import { startLiveHarness, type LiveHarness } from '../support/live-harness.ts';
import { databaseKind } from '../support/test-database.ts';

describe(`fillgate keys against the app and the Binance simulator (${databaseKind})`, () => {
  let L: LiveHarness;
  let url: string;

  const cli = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    let out = '';
    let err = '';
    const code = await runCli(args, {
      env: { FILLGATE_URL: url, FILLGATE_TOKEN: L.user.token, ...env },
      out: (t) => (out += t),
      err: (t) => (err += t),
    });
    return { code, out, err };
  };

  beforeAll(async () => {
    L = await startLiveHarness({ env: { FILLGATE_MASTER_KEY: randomBytes(32).toString('base64') } });
    url = await L.h.fillgate.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => L?.close());

  it('adds a key (secret from FILLGATE_API_SECRET), lists it masked, removes it; the secret is never printed', async () => {
    const { apiKey, secret } = L.sim.accounts[0]!;
    const added = await cli(
      [
        'keys',
        'add',
        '--venue',
        'binance',
        '--api-key',
        apiKey,
        '--base-url',
        L.sim.baseUrl,
        '--label',
        'cli',
      ],
      { FILLGATE_API_SECRET: secret },
    );
    expect(added.code, added.err).toBe(0);
    expect(added.out).toMatch(/^Added binance account \S+ \(cli, key /);
    const accountId = /account (\S+) /.exec(added.out)![1]!;

    const futures = await cli([
      'keys',
      'add',
      '--venue',
      'binanceusdm',
      '--api-key',
      apiKey,
      '--api-secret',
      secret,
      '--base-url',
      L.sim.baseUrl,
      '--json',
    ]);
    expect(futures.code, futures.err).toBe(0);
    const futuresAccount = JSON.parse(futures.out) as { account_id: string; api_key: string };
    expect(futuresAccount.api_key).toBe(`${apiKey.slice(0, 4)}…${apiKey.slice(-4)}`);

    const list = await cli(['keys', 'list']);
    expect(list.out.split('\n')[0]).toMatch(/^ACCOUNT_ID\s+VENUE\s+MARKET_TYPE\s+LABEL\s+API_KEY/);
    expect(list.out).toContain(accountId);
    expect(list.out).toContain(futuresAccount.account_id);
    const listed = JSON.parse((await cli(['keys', 'list', '--json'])).out) as { account_id: string }[];
    expect(listed.map((a) => a.account_id).sort()).toEqual([accountId, futuresAccount.account_id].sort());

    const removed = await cli(['keys', 'remove', accountId]);
    expect(removed.code, removed.err).toBe(0);
    expect(removed.out).toContain(`Removed exchange account ${accountId}.`);
    expect((await cli(['keys', 'list'])).out).not.toContain(accountId);

    for (const output of [added, futures, list, removed]) {
      expect(output.out + output.err).not.toContain(secret);
      expect(output.out + output.err).not.toContain(apiKey);
    }
  });

  it('answers a clear error for an unreachable base URL, and a usage error without a secret', async () => {
    const { apiKey, secret } = L.sim.accounts[0]!;
    const unreachable = await cli(
      ['keys', 'add', '--venue', 'binance', '--api-key', apiKey, '--base-url', 'http://127.0.0.1:9'],
      { FILLGATE_API_SECRET: secret },
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toMatch(/^Error 502 /);
    expect(unreachable.err).not.toContain(secret);

    const noSecret = await cli(['keys', 'add', '--venue', 'binance', '--api-key', apiKey]);
    expect(noSecret.code).toBe(2);
    expect(noSecret.err).toContain('FILLGATE_API_SECRET');
    expect((await cli(['keys', 'add', '--venue', 'kraken', '--api-key', apiKey])).code).toBe(2);
  });
});
