import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type RunningSimulator, startBinanceSimulator } from './binance-simulator.ts';

/**
 * `fillgate sim [--port 9100] [--accounts N] [--host 127.0.0.1] [--spot-exchange-info FILE]
 * [--futures-exchange-info FILE]`: starts the simulator and prints where it listens and the funded
 * accounts' keys. The `fillgate` CLI calls this; `npx tsx sim/simulator-cli.ts` runs it directly.
 */
export async function runSimulatorCli(
  args: readonly string[],
  print: (line: string) => void = (line) => console.log(line),
): Promise<RunningSimulator> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      port: { type: 'string', default: '9100' },
      host: { type: 'string', default: '127.0.0.1' },
      accounts: { type: 'string', default: '1' },
      'spot-exchange-info': { type: 'string' },
      'futures-exchange-info': { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port);
  const accounts = Number(values.accounts);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`--port: not a port: ${values.port}`);
  if (!Number.isInteger(accounts) || accounts < 1)
    throw new RangeError(`--accounts: not a count: ${values.accounts}`);
  const spotFile = values['spot-exchange-info'];
  const futuresFile = values['futures-exchange-info'];
  const sim = await startBinanceSimulator({
    port,
    host: values.host,
    accounts,
    exchangeInfoFiles: {
      ...(spotFile !== undefined && { spot: spotFile }),
      ...(futuresFile !== undefined && { futures: futuresFile }),
    },
  });
  print(`Binance simulator listening on ${sim.baseUrl} (WebSocket ${sim.wsUrl})`);
  print('Each account starts with 10,000 USDT spot and 10,000 USDT USD-M margin.');
  sim.accounts.forEach((account, index) => {
    print(`account ${index + 1}: apiKey=${account.apiKey}`);
    print(`account ${index + 1}: secret=${account.secret}`);
  });
  print(`Faults: POST ${sim.baseUrl}/__admin/faults (JSON), DELETE to clear.`);
  return sim;
}

const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const sim = await runSimulatorCli(process.argv.slice(2));
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
