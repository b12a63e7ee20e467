import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One `npm start`-style server process: the real entry point, killable like a crashed host. */
export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** What the process wrote to stderr and stdout so far (for failure messages). */
  output(): string;
  /** SIGKILL: no shutdown hook runs, in-flight requests and transactions die with it. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>;
}

/**
 * The persistent place a server keeps its data across restarts: a data dir (PGlite files, key and token
 * files) and, on PostgreSQL, a schema of its own in DATABASE_URL's database.
 */
export interface ServerHome {
  readonly env: NodeJS.ProcessEnv;
  readonly dataDir: string;
  demoToken(): string;
  dispose(): Promise<void>;
}

export function serverHome(extraEnv: NodeJS.ProcessEnv = {}): ServerHome {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fillgate-server-'));
  const url = process.env.DATABASE_URL;
  const schema = `t_srv_${randomBytes(6).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    FILLGATE_DATA_DIR: dataDir,
    DATABASE_URL: url ?? '',
    ...(url && { FILLGATE_DATABASE_SCHEMA: schema }),
    ...extraEnv,
  };
  return {
    env,
    dataDir,
    demoToken: () => readFileSync(path.join(dataDir, 'demo-token'), 'utf8').trim(),
    async dispose() {
      rmSync(dataDir, { recursive: true, force: true });
      if (!url) return;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** Starts `src/main.ts` as its own process and resolves once it serves. */
export async function startServerProcess(home: ServerHome, timeoutMs = 60_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: home.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /serving on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before serving:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
