/** One outbox event as a stream client sees it: per-user, gapless `seq`. */
export interface StreamEvent {
  readonly seq: number;
  readonly topic: string;
  readonly payload: unknown;
  readonly createdAt: Date;
}

/** Reads a user's outbox in sequence order (rows are never deleted by readers; each client keeps a cursor). */
export interface EventFeedPort {
  eventsAfter(userId: string, afterSeq: number, limit: number): Promise<readonly StreamEvent[]>;
  latestSeq(userId: string): Promise<number>;
  /** Calls back with a user id whenever that user's outbox grows (any process); resolves to unsubscribe. */
  subscribe(onUser: (userId: string) => void): Promise<() => Promise<void>>;
}
