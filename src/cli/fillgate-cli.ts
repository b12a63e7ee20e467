import { runCli } from './run-cli.ts';

/** Entry point of the `fillgate` command (bin/fillgate.js). */
export async function fillgateCli(): Promise<void> {
  const code = await runCli(process.argv.slice(2), {
    env: process.env,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
  if (code !== 0) process.exitCode = code;
}
