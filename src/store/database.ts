import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from './schema.ts';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either the database or an open transaction: repositories run on both. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  readonly db: Database;
  readonly kind: 'postgres' | 'pglite';
  migrate(): Promise<void>;
  ping(): Promise<boolean>;
  /**
   * Runs `work` on one connection of its own for as long as it takes, so session state (an advisory lock)
   * stays with that session. PGlite has a single session: `work` gets the database itself.
   */
  withSession<T>(work: (session: Database) => Promise<T>): Promise<T>;
  /** LISTEN on a channel (a dedicated connection on PostgreSQL); resolves to an unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface DatabaseConfig {
  /** postgres://... ; absent means embedded PGlite. */
  readonly url?: string;
  /** PGlite data directory; absent means in memory. */
  readonly dataDir?: string;
  /** PostgreSQL schema to work in (tests use one per file); created when missing. */
  readonly schemaName?: string;
  readonly poolSize?: number;
}

const MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

async function openPostgres(
  url: string,
  schemaName: string | undefined,
  poolSize: number,
): Promise<DatabaseHandle> {
  if (schemaName) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schemaName}"`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    ...(schemaName ? { options: `-c search_path="${schemaName}"` } : {}),
  });
  const db = drizzlePg(pool, { schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    migrate: () =>
      migratePg(drizzlePg(pool), {
        migrationsFolder: MIGRATIONS,
        ...(schemaName ? { migrationsSchema: schemaName } : {}),
      }),
    ping: async () => {
      await pool.query('SELECT 1');
      return true;
    },
    withSession: async (work) => {
      const client = await pool.connect();
      let failed = false;
      try {
        return await work(drizzlePg(client, { schema }) as unknown as Database);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        // After a failure the session may still hold what it took (a lock): it is closed, not reused.
        client.release(failed);
      }
    },
    listen: async (channel, onPayload) => {
      const listener = new pg.Client({ connectionString: url });
      await listener.connect();
      listener.on('notification', (message) => {
        if (message.channel === channel && message.payload !== undefined) onPayload(message.payload);
      });
      listener.on('error', () => undefined);
      await listener.query(`LISTEN "${channel}"`);
      return () => listener.end();
    },
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string | undefined): Promise<DatabaseHandle> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const client = dataDir ? new PGlite(dataDir) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    migrate: () => migratePglite(drizzlePglite(client), { migrationsFolder: MIGRATIONS }),
    ping: async () => {
      await db.execute(sql`SELECT 1`);
      return true;
    },
    withSession: (work) => work(db),
    listen: async (channel, onPayload) => {
      const unsubscribe = await client.listen(channel, onPayload);
      return async () => {
        if (!client.closed) await unsubscribe();
      };
    },
    close: () => client.close(),
  };
}

/** One code path for both: PostgreSQL when a URL is given, embedded PGlite otherwise. */
export function openDatabase(config: DatabaseConfig): Promise<DatabaseHandle> {
  if (config.url) return openPostgres(config.url, config.schemaName, config.poolSize ?? 20);
  return openPglite(config.dataDir);
}
