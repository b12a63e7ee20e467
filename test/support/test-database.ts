import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';

/** Which database this run uses: PostgreSQL when DATABASE_URL is set (CI runs both), embedded PGlite otherwise. */
export const databaseKind: 'postgres' | 'pglite' = process.env.DATABASE_URL ? 'postgres' : 'pglite';

/**
 * A fresh, migrated database for one test file: its own schema on PostgreSQL (dropped afterwards), or a new
 * in-memory PGlite.
 */
export async function openTestDatabase(): Promise<DatabaseHandle & { dispose(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openDatabase({});
    await db.migrate();
    return { ...db, dispose: () => db.close() };
  }
  const schemaName = `t_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ url, schemaName, poolSize: 24 });
  await db.migrate();
  const handle = {
    ...db,
    dispose: async () => {
      await db.close();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS "${schemaName}" CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
  schemaOf.set(handle, { url, schemaName });
  return handle;
}

const schemaOf = new WeakMap<DatabaseHandle, { url: string; schemaName: string }>();

/**
 * The same test database as a second process would open it: its own connection pool on PostgreSQL. PGlite
 * lives in one process, so a second "process" there shares its handle (closing it is left to the owner).
 */
export async function openAsAnotherProcess(of: DatabaseHandle): Promise<DatabaseHandle> {
  const where = schemaOf.get(of);
  if (!where) return { ...of, close: async () => undefined };
  return openDatabase({ url: where.url, schemaName: where.schemaName, poolSize: 8 });
}
