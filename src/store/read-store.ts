import { and, asc, desc, eq, gte, lt, lte, or, type SQL } from 'drizzle-orm';
import type { OrderSource } from '../domain/order-types.ts';
import type { PositionStatus } from '../domain/position-transitions.ts';
import type { OrderFilter, Page, ReadPort } from '../execution/read-port.ts';
import type {
  AccountRecord,
  AuditRecord,
  BalanceRecord,
  FillRecord,
  OrderEventRecord,
  OrderRecord,
  PositionRecord,
  SignalRecord,
} from '../execution/store-port.ts';
import type { OrderStatus } from '../domain/order-status.ts';
import type { Database } from './database.ts';
import { systemTransaction, userTransaction } from './scoped-transaction.ts';
import { toAccount, toAuditRecord, toBalance, toFill, toOrder, toPosition, toSignal } from './row-mappers.ts';
import {
  balances,
  exchangeAccounts,
  executionAudit,
  fills,
  orderEvents,
  orders,
  positions,
  signals,
} from './schema.ts';

function encodeCursor(order: OrderRecord): string {
  return Buffer.from(`${order.createdAt.toISOString()}|${order.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) return undefined;
  return { createdAt, id };
}

export class DrizzleReadStore implements ReadPort {
  constructor(private readonly db: Database) {}

  async listAccounts(userId: string): Promise<readonly AccountRecord[]> {
    const rows = await userTransaction(this.db, userId, (tx) =>
      tx
        .select()
        .from(exchangeAccounts)
        .where(eq(exchangeAccounts.userId, userId))
        .orderBy(asc(exchangeAccounts.createdAt), asc(exchangeAccounts.marketType)),
    );
    return rows.map(toAccount);
  }

  async findAccount(userId: string, accountId: string): Promise<AccountRecord | undefined> {
    const [row] = await userTransaction(this.db, userId, (tx) =>
      tx
        .select()
        .from(exchangeAccounts)
        .where(and(eq(exchangeAccounts.userId, userId), eq(exchangeAccounts.id, accountId))),
    );
    return row ? toAccount(row) : undefined;
  }

  async listAllAccounts(): Promise<readonly AccountRecord[]> {
    const rows = await systemTransaction(this.db, (tx) =>
      tx.select().from(exchangeAccounts).orderBy(asc(exchangeAccounts.createdAt)),
    );
    return rows.map(toAccount);
  }

  async findPosition(userId: string, positionId: string): Promise<PositionRecord | undefined> {
    const [row] = await userTransaction(this.db, userId, (tx) =>
      tx
        .select()
        .from(positions)
        .where(and(eq(positions.userId, userId), eq(positions.id, positionId))),
    );
    return row ? toPosition(row) : undefined;
  }

  async listBalances(userId: string): Promise<readonly BalanceRecord[]> {
    const rows = await userTransaction(this.db, userId, (tx) =>
      tx
        .select()
        .from(balances)
        .where(eq(balances.userId, userId))
        .orderBy(asc(balances.accountId), asc(balances.asset)),
    );
    return rows.map(toBalance);
  }

  async listOrders(userId: string, filter: OrderFilter): Promise<Page<OrderRecord>> {
    const conditions: SQL[] = [eq(orders.userId, userId)];
    if (filter.status) conditions.push(eq(orders.status, filter.status));
    if (filter.symbol) conditions.push(eq(orders.symbol, filter.symbol));
    if (filter.source) conditions.push(eq(orders.source, filter.source));
    if (filter.from) conditions.push(gte(orders.createdAt, filter.from));
    if (filter.to) conditions.push(lte(orders.createdAt, filter.to));
    const cursor = filter.cursor ? decodeCursor(filter.cursor) : undefined;
    if (cursor) {
      conditions.push(
        or(
          lt(orders.createdAt, cursor.createdAt),
          and(eq(orders.createdAt, cursor.createdAt), lt(orders.id, cursor.id)),
        )!,
      );
    }
    const rows = await userTransaction(this.db, userId, (tx) =>
      tx
        .select()
        .from(orders)
        .where(and(...conditions))
        .orderBy(desc(orders.createdAt), desc(orders.id))
        .limit(filter.limit + 1),
    );
    const items = rows.slice(0, filter.limit).map(toOrder);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > filter.limit && last ? encodeCursor(last) : null };
  }

  async findOrder(userId: string, orderId: string): Promise<OrderRecord | undefined> {
    const [row] = await userTransaction(this.db, userId, (tx) =>
      tx
        .select()
        .from(orders)
        .where(and(eq(orders.userId, userId), eq(orders.id, orderId))),
    );
    return row ? toOrder(row) : undefined;
  }

  async listFills(userId: string, orderId: string): Promise<readonly FillRecord[]> {
    const rows = await userTransaction(this.db, userId, (tx) =>
      tx
        .select()
        .from(fills)
        .where(and(eq(fills.userId, userId), eq(fills.orderId, orderId)))
        .orderBy(asc(fills.executedAt), asc(fills.venueTradeId)),
    );
    return rows.map(toFill);
  }

  async listOrderEvents(userId: string, orderId: string): Promise<readonly OrderEventRecord[]> {
    const rows = await userTransaction(this.db, userId, (tx) =>
      tx
        .select()
        .from(orderEvents)
        .where(and(eq(orderEvents.userId, userId), eq(orderEvents.orderId, orderId)))
        .orderBy(asc(orderEvents.id)),
    );
    return rows.map((row) => ({
      id: row.id,
      orderId: row.orderId,
      kind: row.kind,
      fromStatus: (row.fromStatus ?? undefined) as OrderStatus | undefined,
      toStatus: row.toStatus as OrderStatus,
      attempt: row.attempt,
      detail: row.detail ?? undefined,
      createdAt: row.createdAt,
    }));
  }

  async listPositions(userId: string, status?: PositionStatus): Promise<readonly PositionRecord[]> {
    const rows = await userTransaction(this.db, userId, (tx) =>
      tx
        .select()
        .from(positions)
        .where(and(eq(positions.userId, userId), status ? eq(positions.status, status) : undefined))
        .orderBy(desc(positions.createdAt)),
    );
    return rows.map(toPosition);
  }

  async listSignals(userId: string, limit: number): Promise<readonly SignalRecord[]> {
    const rows = await userTransaction(this.db, userId, (tx) =>
      tx
        .select()
        .from(signals)
        .where(eq(signals.userId, userId))
        .orderBy(desc(signals.createdAt))
        .limit(limit),
    );
    return rows.map(toSignal);
  }

  async findSignal(userId: string, signalId: string): Promise<SignalRecord | undefined> {
    const [row] = await userTransaction(this.db, userId, (tx) =>
      tx
        .select()
        .from(signals)
        .where(and(eq(signals.userId, userId), eq(signals.signalId, signalId))),
    );
    return row ? toSignal(row) : undefined;
  }

  async listAudit(
    userId: string,
    filter: { source?: OrderSource; orderId?: string; limit: number },
  ): Promise<readonly AuditRecord[]> {
    const rows = await userTransaction(this.db, userId, (tx) =>
      tx
        .select()
        .from(executionAudit)
        .where(
          and(
            eq(executionAudit.userId, userId),
            filter.source ? eq(executionAudit.source, filter.source) : undefined,
            filter.orderId ? eq(executionAudit.orderId, filter.orderId) : undefined,
          ),
        )
        .orderBy(desc(executionAudit.id))
        .limit(filter.limit),
    );
    return rows.map(toAuditRecord);
  }
}
