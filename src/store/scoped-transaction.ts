import { sql } from 'drizzle-orm';
import type { Database, Transaction } from './database.ts';

/** The application role: not the tables' owner, not superuser, no BYPASSRLS (see rls.sql). */
export const APP_ROLE = 'fillgate_app';
/** The role of the few documented cross-user paths (workers, sign-in lookups); see rls.sql. */
export const SYSTEM_ROLE = 'fillgate_system';

/**
 * Runs `work` in a transaction as the application role with `app.user_id` set: row-level security then
 * shows and accepts only that user's rows, whatever the queries say. Both settings are transaction-local
 * (`set_config(..., true)`), so a pooled connection never carries them over.
 */
export function userTransaction<T>(
  db: Database,
  userId: string,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`SELECT set_config('app.user_id', ${userId}, true), set_config('role', ${APP_ROLE}, true)`,
    );
    return work(tx);
  });
}

/**
 * The explicit cross-user path, for work that has no single user by nature: the order tracker locating an
 * order from a venue report, restoring a paper venue's book, the admin kill switch over every account,
 * and resolving a bearer token or email to its user. Callers are listed in DESIGN notes and rls.sql.
 */
export function systemTransaction<T>(db: Database, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('role', ${SYSTEM_ROLE}, true)`);
    return work(tx);
  });
}
