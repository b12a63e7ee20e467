import { sql } from 'drizzle-orm';
import type { Claimed, ReconcileClaims } from '../execution/reconcile-claims.ts';
import type { Database, DatabaseHandle } from './database.ts';
import { systemTransaction } from './scoped-transaction.ts';

/** PGlite's claims: the whole database lives in this process, so its claims can too (one set per database). */
const inProcessClaims = new WeakMap<Database, Set<string>>();

/**
 * Reconciliation claims on PostgreSQL session-level advisory locks, taken on a connection of their own
 * for the length of the step.
 *
 * Why not the order row itself (`SELECT … FOR UPDATE SKIP LOCKED`)? A step's work happens across venue
 * calls: the lookup (up to the request timeout, retried) and, when the venue proves the order absent, the
 * resend. A row lock lives only as long as its transaction, so it would mean a transaction open across
 * those calls, and the resend records its outcome in transactions of its own that lock the same order
 * row: they would wait on our own lock. It would also make every other writer of the order (the venue's
 * execution reports, a user's cancel) queue behind a network call, with the account row they locked
 * first held meanwhile. Why not a lease column (claimed_by / claimed_until)? It needs a schema change and
 * a lease length, and a holder that outlives its lease (a slow venue) loses the claim while still working.
 *
 * A session advisory lock has none of this: it is held by a session, not a transaction, so no transaction
 * stays open across the venue calls; no row is locked, so orders keep moving; and PostgreSQL drops it
 * when the session ends, so a crashed process frees its claims at once. `pg_try_advisory_lock` never
 * waits: a step claimed elsewhere is skipped this pass. What a step then writes is still decided under the
 * order's row lock against the order as it is then (see reconcileOrder), so a claim lost with a dropped
 * connection cannot make a second process act on stale evidence.
 *
 * PGlite is one session in one process: an advisory lock there would always be granted (they are
 * re-entrant per session), so its claims are kept in this process, which holds the whole database.
 */
export class AdvisoryClaims implements ReconcileClaims {
  constructor(private readonly database: Pick<DatabaseHandle, 'db' | 'kind' | 'withSession'>) {}

  async tryWithClaim<T>(key: string, work: () => Promise<T>): Promise<Claimed<T>> {
    if (this.database.kind === 'pglite') return this.inProcess(key, work);
    return this.database.withSession(async (session) => {
      if (!(await lockFlag(session, sql`pg_try_advisory_lock(hashtextextended(${key}, 0))`))) {
        return { claimed: false } as const;
      }
      try {
        return { claimed: true, value: await work() } as const;
      } finally {
        await lockFlag(session, sql`pg_advisory_unlock(hashtextextended(${key}, 0))`);
      }
    });
  }

  private async inProcess<T>(key: string, work: () => Promise<T>): Promise<Claimed<T>> {
    let held = inProcessClaims.get(this.database.db);
    if (!held) inProcessClaims.set(this.database.db, (held = new Set()));
    if (held.has(key)) return { claimed: false };
    held.add(key);
    try {
      return { claimed: true, value: await work() };
    } finally {
      held.delete(key);
    }
  }
}

/**
 * Takes or gives back a session lock. Inside a (system) transaction like every statement of ours; the
 * lock is session-level, so it outlives the transaction's commit and stays until unlocked or the session
 * ends.
 */
async function lockFlag(session: Database, call: ReturnType<typeof sql>): Promise<boolean> {
  const result = (await systemTransaction(session, (tx) =>
    tx.execute(sql`SELECT ${call} AS flag`),
  )) as unknown as {
    rows: readonly { flag: boolean }[];
  };
  return result.rows[0]?.flag === true;
}
