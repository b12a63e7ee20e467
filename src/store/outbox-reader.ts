import { and, asc, eq, gt } from 'drizzle-orm';
import type { EventFeedPort, StreamEvent } from '../execution/event-feed-port.ts';
import type { Database, DatabaseHandle } from './database.ts';
import { outbox, users } from './schema.ts';
import { userTransaction } from './scoped-transaction.ts';

export class DrizzleOutboxReader implements EventFeedPort {
  constructor(
    private readonly db: Database,
    private readonly listen: DatabaseHandle['listen'],
  ) {}

  subscribe(onUser: (userId: string) => void): Promise<() => Promise<void>> {
    return this.listen('fillgate_outbox', onUser);
  }

  async eventsAfter(userId: string, afterSeq: number, limit: number): Promise<readonly StreamEvent[]> {
    const rows = await userTransaction(this.db, userId, (tx) =>
      tx
        .select({
          seq: outbox.seq,
          topic: outbox.topic,
          payload: outbox.payload,
          createdAt: outbox.createdAt,
        })
        .from(outbox)
        .where(and(eq(outbox.userId, userId), gt(outbox.seq, afterSeq)))
        .orderBy(asc(outbox.seq))
        .limit(limit),
    );
    return rows;
  }

  async latestSeq(userId: string): Promise<number> {
    const [row] = await userTransaction(this.db, userId, (tx) =>
      tx.select({ seq: users.eventSeq }).from(users).where(eq(users.id, userId)),
    );
    return row?.seq ?? 0;
  }
}
