import { and, eq, sql } from 'drizzle-orm';
import type { IdempotencyClaim, IdempotencyPort } from '../execution/idempotency-port.ts';
import type { Database } from './database.ts';
import { idempotencyKeys } from './schema.ts';
import { userTransaction } from './scoped-transaction.ts';

export class DrizzleIdempotencyStore implements IdempotencyPort {
  constructor(private readonly db: Database) {}

  claim(
    userId: string,
    key: string,
    requestHash: string,
    now: Date,
    ttlMs: number,
  ): Promise<IdempotencyClaim> {
    return userTransaction(this.db, userId, async (tx) => {
      const expiresAt = new Date(now.getTime() + ttlMs);
      // Inserts, or takes over an expired key; a live key (in flight or completed) is left alone.
      const [claimed] = await tx
        .insert(idempotencyKeys)
        .values({ userId, key, requestHash, state: 'in_flight', createdAt: now, expiresAt })
        .onConflictDoUpdate({
          target: [idempotencyKeys.userId, idempotencyKeys.key],
          set: {
            requestHash,
            state: 'in_flight',
            responseStatus: null,
            responseBody: null,
            createdAt: now,
            expiresAt,
          },
          setWhere: sql`${idempotencyKeys.expiresAt} <= ${now}`,
        })
        .returning({ key: idempotencyKeys.key });
      if (claimed) return { kind: 'claimed' };
      const [row] = await tx
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
      if (!row || row.requestHash !== requestHash) return { kind: 'mismatch' };
      if (row.state !== 'completed' || row.responseStatus === null || row.responseBody === null) {
        return { kind: 'in_flight' };
      }
      return { kind: 'completed', status: row.responseStatus, body: row.responseBody };
    });
  }

  async complete(userId: string, key: string, status: number, body: string): Promise<void> {
    await userTransaction(this.db, userId, (tx) =>
      tx
        .update(idempotencyKeys)
        .set({ state: 'completed', responseStatus: status, responseBody: body })
        .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key))),
    );
  }

  async release(userId: string, key: string): Promise<void> {
    await userTransaction(this.db, userId, (tx) =>
      tx
        .delete(idempotencyKeys)
        .where(
          and(
            eq(idempotencyKeys.userId, userId),
            eq(idempotencyKeys.key, key),
            eq(idempotencyKeys.state, 'in_flight'),
          ),
        ),
    );
  }
}
