import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.ts';
import { SDK_OPERATIONS } from '../../src/sdk/fillgate-client.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKind } from '../support/test-database.ts';

describe(`fillgate CLI and SDK against a live server on ${databaseKind}`, () => {
  let h: Harness;
  let url: string;
  let admin: Awaited<ReturnType<Harness['user']>>;

  const cli = async (args: string[], token = admin.token) => {
    let out = '';
    let err = '';
    const code = await runCli(args, {
      env: { FILLGATE_URL: url, FILLGATE_TOKEN: token },
      out: (t) => (out += t),
      err: (t) => (err += t),
      stopFollowing: Promise.resolve(),
    });
    return { code, out, err };
  };

  beforeAll(async () => {
    h = await startHarness();
    url = await h.fillgate.app.listen({ port: 0, host: '127.0.0.1' });
    admin = await h.user(undefined, undefined, undefined, 'admin');
  });
  afterAll(async () => h.close());

  it('every SDK operation exists in the OpenAPI document', async () => {
    const doc = (await h.fillgate.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    for (const op of SDK_OPERATIONS) {
      const [method, path] = op.split(' ') as [string, string];
      expect(doc.paths[path]?.[method.toLowerCase()], op).toBeDefined();
    }
  });

  it('user create, token create, order place/list/cancel, positions, logs, kill — tables and --json', async () => {
    const created = await cli([
      'user',
      'create',
      '--email',
      'cli@example.com',
      '--password',
      'a long password',
      '--json',
    ]);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({ email: 'cli@example.com', role: 'user' });

    const token = await cli(['token', 'create', '--name', 'bot', '--scopes', 'read,trade']);
    expect(token.code).toBe(0);
    const secret = /fg_\S+/.exec(token.out)![0];

    const placed = await cli(
      ['order', 'place', '--symbol', 'btcusdt', '--side', 'buy', '--quantity', '0.001'],
      secret,
    );
    expect(placed.code).toBe(0);
    expect(placed.out).toMatch(/^PLACED: /);

    const mark = h.fillgate.paper.markPrice('ETHUSDT', 'spot')!;
    const resting = await cli(
      [
        'order',
        'place',
        '--symbol',
        'ETHUSDT',
        '--side',
        'buy',
        '--type',
        'limit',
        '--quantity',
        '0.01',
        '--price',
        mark.mul('0.9').toDecimalPlaces(2).toFixed(),
        '--json',
      ],
      secret,
    );
    const orderId = (JSON.parse(resting.out) as { order_id: string }).order_id;

    const list = await cli(['order', 'list'], secret);
    expect(list.out.split('\n')[0]).toMatch(/^ID\s+SYMBOL\s+SIDE/);
    expect(list.out).toContain(orderId);

    const cancel = await cli(['order', 'cancel', orderId], secret);
    expect(cancel.code).toBe(0);
    expect(cancel.out).toContain('CANCELED');

    const skipped = await cli(
      ['order', 'place', '--symbol', 'ETHUSDT', '--side', 'buy', '--quantity', '0.0001'],
      secret,
    );
    expect(skipped.code).toBe(1);
    expect(skipped.out).toMatch(/^SKIPPED: /);

    expect((await cli(['positions', '--json'], secret)).code).toBe(0);
    const logs = await cli(['logs', '--follow'], secret);
    expect(logs.out).toContain('PLACED');
    expect(logs.out).toContain('SKIPPED');

    const kill = await cli(['kill'], secret);
    expect(kill.out).toMatch(/Kill switch engaged on 2 account/);
    expect((await cli(['kill', '--release'], secret)).out).toMatch(/Released 2/);

    const denied = await cli(
      ['user', 'create', '--email', 'x@example.com', '--password', 'a long password'],
      secret,
    );
    expect(denied.code).toBe(1);
    expect(denied.err).toContain('FORBIDDEN');
    expect((await cli(['nope'])).code).toBe(2);
  });
});
