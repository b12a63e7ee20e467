import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FillgateApiError, FillgateClient, type PlaceOrderInput } from '../sdk/fillgate-client.ts';
import { table } from './table.ts';

export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Resolves when `logs --follow` should stop (tests); by default it runs until the process ends. */
  readonly stopFollowing?: Promise<void>;
}

const USAGE = `fillgate <command> [options]

  serve                         start the server (env: PORT, DATABASE_URL, FILLGATE_DATA_DIR, ...)
  migrate                       apply database migrations and exit
  user create --email E --password P [--role user|admin]
  token create --name N [--scopes read,trade]
  order place --symbol S --side buy|sell --type market|limit [--quantity Q] [--price P] [--market-type spot|futures]
  order cancel <order id>
  order list [--status S] [--symbol S] [--limit N]
  positions
  logs [--follow] [--source TERMINAL|DCA|GRID|COPY|SIGNAL]
  kill [--account ID] [--flatten] [--release]
  keys add --venue binance|binanceusdm --api-key K [--api-secret S] [--base-url U] [--label L]
                                (the secret: --api-secret, or FILLGATE_API_SECRET to keep it out of shell history)
  keys list
  keys remove <account id>
  sim [--port 9100] [--accounts N]

  Global: --url (FILLGATE_URL, default http://127.0.0.1:8080), --token (FILLGATE_TOKEN, or FILLGATE_DATA_DIR/demo-token), --json
`;

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  email: { type: 'string' },
  password: { type: 'string' },
  role: { type: 'string' },
  name: { type: 'string' },
  scopes: { type: 'string' },
  symbol: { type: 'string' },
  side: { type: 'string' },
  type: { type: 'string' },
  quantity: { type: 'string' },
  price: { type: 'string' },
  'market-type': { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  follow: { type: 'boolean', default: false },
  source: { type: 'string' },
  account: { type: 'string' },
  flatten: { type: 'boolean', default: false },
  release: { type: 'boolean', default: false },
  venue: { type: 'string' },
  'api-key': { type: 'string' },
  'api-secret': { type: 'string' },
  'base-url': { type: 'string' },
  label: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

class UsageError extends Error {}

function need(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`Missing --${flag}.`);
  return value;
}

function tokenFrom(env: NodeJS.ProcessEnv, flag: string | undefined): string | undefined {
  if (flag) return flag;
  if (env.FILLGATE_TOKEN) return env.FILLGATE_TOKEN;
  const file = path.join(path.resolve(env.FILLGATE_DATA_DIR ?? '.fillgate'), 'demo-token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** Runs one CLI command; returns the exit code. Server-side commands (serve, migrate, sim) load lazily. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    allowPositionals: true,
    strict: false,
  });
  const [command, sub, arg] = positionals;
  const print = (data: unknown, human: () => string) =>
    io.out(`${values.json ? JSON.stringify(data, null, 2) : human()}\n`);
  if (!command || values.help) {
    io.out(USAGE);
    return command ? 0 : 2;
  }

  if (command === 'serve') {
    const { serve } = await import('../main.ts');
    await serve();
    return 0;
  }
  if (command === 'migrate') {
    const { databaseLocation, loadConfig } = await import('../config.ts');
    const { openDatabase } = await import('../store/database.ts');
    const config = loadConfig(io.env);
    const db = await openDatabase(databaseLocation(config));
    await db.migrate();
    await db.close();
    io.out(`Migrated (${db.kind}).\n`);
    return 0;
  }
  if (command === 'sim') {
    const { runSimulatorCli } = await import('../../sim/simulator-cli.ts');
    await runSimulatorCli(argv.slice(1), (line) => io.out(`${line}\n`));
    return 0;
  }

  const client = new FillgateClient({
    baseUrl: String(values.url ?? io.env.FILLGATE_URL ?? 'http://127.0.0.1:8080'),
    token: tokenFrom(io.env, values.token as string | undefined),
  });
  const str = (name: keyof typeof OPTIONS) => values[name] as string | undefined;
  try {
    switch (`${command} ${sub ?? ''}`.trim()) {
      case 'user create': {
        const role = str('role');
        if (role !== undefined && role !== 'user' && role !== 'admin')
          throw new UsageError('--role is user or admin.');
        const user = await client.createUser({
          email: need(str('email'), 'email'),
          password: need(str('password'), 'password'),
          role,
        });
        print(
          user,
          () =>
            `Created ${user.role} ${user.email} (${user.id})\n${table(user.accounts, ['id', 'market_type', 'venue'])}`,
        );
        return 0;
      }
      case 'token create': {
        const scopes = (str('scopes') ?? 'read,trade').split(',') as ('read' | 'trade' | 'admin')[];
        const created = await client.createToken(need(str('name'), 'name'), scopes);
        print(
          created,
          () => `Token ${created.name} (${created.scopes.join(', ')}), shown once:\n${created.token}`,
        );
        return 0;
      }
      case 'order place': {
        const input: PlaceOrderInput = {
          symbol: need(str('symbol'), 'symbol').toUpperCase(),
          side: need(str('side'), 'side') as PlaceOrderInput['side'],
          type: (str('type') ?? 'market') as PlaceOrderInput['type'],
          ...(str('quantity') ? { quantity: str('quantity') } : {}),
          ...(str('price') ? { price: str('price') } : {}),
          ...(str('market-type') ? { market_type: str('market-type') as 'spot' | 'futures' } : {}),
        };
        const result = await client.placeOrder(input);
        print(result, () =>
          [
            `${result.status}: ${result.message}`,
            `order ${result.order_id ?? '-'}  exchange order ${result.exchange_order_id ?? '-'}  reason ${result.reason_code ?? '-'}`,
          ].join('\n'),
        );
        return result.success ? 0 : 1;
      }
      case 'order cancel': {
        const outcome = await client.cancelOrder(need(arg, 'order id'));
        print(outcome, () => `${outcome.message} (${outcome.order.status})`);
        return 0;
      }
      case 'order list': {
        const limit = str('limit');
        const page = await client.listOrders({
          status: str('status'),
          symbol: str('symbol'),
          limit: limit ? Number(limit) : undefined,
        });
        print(page, () =>
          table(page.orders, [
            'id',
            'symbol',
            'side',
            'type',
            'quantity',
            'price',
            'status',
            'filled_quantity',
            'created_at',
          ]),
        );
        return 0;
      }
      case 'positions': {
        const positions = await client.positions();
        print(positions, () =>
          table(positions, [
            'id',
            'symbol',
            'market_type',
            'side',
            'status',
            'quantity',
            'entry_price',
            'leverage',
            'realized_pnl',
          ]),
        );
        return 0;
      }
      case 'kill': {
        const account = str('account');
        if (values.release) {
          const released = await client.releaseKillSwitch(account ? { account_id: account } : {});
          print(released, () => `Released ${released.accounts.length} account(s).`);
        } else {
          const engaged = await client.killSwitch({
            ...(account ? { account_id: account } : {}),
            flatten: Boolean(values.flatten),
          });
          print(engaged, () => `Kill switch engaged on ${engaged.accounts.length} account(s).`);
        }
        return 0;
      }
      case 'keys add': {
        const venue = need(str('venue'), 'venue');
        if (venue !== 'binance' && venue !== 'binanceusdm')
          throw new UsageError('--venue is binance or binanceusdm.');
        const secret = str('api-secret') ?? io.env.FILLGATE_API_SECRET;
        if (!secret) throw new UsageError('Missing --api-secret (or FILLGATE_API_SECRET).');
        const account = await client.addExchangeAccount({
          venue,
          api_key: need(str('api-key'), 'api-key'),
          api_secret: secret,
          ...(str('base-url') ? { base_url: str('base-url') } : {}),
          ...(str('label') ? { label: str('label') } : {}),
        });
        // The server's answer holds the masked key only; the secret is never echoed.
        print(
          account,
          () =>
            `Added ${account.venue} account ${account.account_id} (${account.label}, key ${account.api_key})`,
        );
        return 0;
      }
      case 'keys list': {
        const accounts = await client.listExchangeAccounts();
        print(accounts, () =>
          table(accounts, [
            'account_id',
            'venue',
            'market_type',
            'label',
            'api_key',
            'base_url',
            'created_at',
          ]),
        );
        return 0;
      }
      case 'keys remove': {
        const accountId = need(arg, 'account id');
        await client.removeExchangeAccount(accountId);
        print({ account_id: accountId, removed: true }, () => `Removed exchange account ${accountId}.`);
        return 0;
      }
      case 'logs': {
        const columns = [
          'id',
          'created_at',
          'source',
          'status',
          'symbol',
          'side',
          'reason_code',
          'message',
        ] as const;
        const seen = new Set<number>();
        const show = async (first: boolean) => {
          const logs = [...(await client.executionLogs(str('source')))]
            .reverse()
            .filter((l) => !seen.has(l.id));
          for (const l of logs) seen.add(l.id);
          if (values.json) for (const l of logs) io.out(`${JSON.stringify(l)}\n`);
          else if (logs.length > 0 || first)
            io.out(
              `${first ? table(logs, columns) : table(logs, columns).split('\n').slice(1).join('\n')}\n`,
            );
        };
        await show(true);
        if (!values.follow) return 0;
        let stopped = false;
        void io.stopFollowing?.then(() => (stopped = true));
        while (!stopped) {
          await new Promise((r) => setTimeout(r, 1000));
          if (!stopped) await show(false);
        }
        return 0;
      }
      default:
        throw new UsageError(`Unknown command "${positionals.join(' ')}".`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof FillgateApiError) {
      io.err(values.json ? `${JSON.stringify(error.body)}\n` : `Error ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
