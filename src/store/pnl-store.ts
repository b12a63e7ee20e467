import { and, asc, eq, gte, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { Decimal } from '../domain/decimal.ts';
import type { MarketType } from '../domain/order-types.ts';
import type { TradeTotals } from '../domain/pnl-stats.ts';
import type {
  DailyPnlRow,
  EquityPoint,
  ExportScope,
  FillTotals,
  LivePosition,
  PnlReadPort,
  PnlScope,
  SymbolPnlRow,
} from '../execution/pnl-read-port.ts';
import type { AuditRecord, FillRecord, OrderRecord } from '../execution/store-port.ts';
import type { Database } from './database.ts';
import { userTransaction } from './scoped-transaction.ts';
import { toAuditRecord, toFill, toOrder, toPosition } from './row-mappers.ts';
import { equitySnapshots, exchangeAccounts, executionAudit, fills, orders, positions } from './schema.ts';

/** Rows per page of an export or an equity series, unless the store is given another size. */
export const PAGE_SIZE = 1_000;

/** NUMERIC sums cast to text so both drivers hand them over exactly. */
const sumText = (expression: SQL | PgColumn) => sql<string>`coalesce(sum(${expression}), 0)::text`;
const countInt = () => sql<number>`count(*)::int`;

/** The UTC day of a fill, as text (no Date round trip, so no local time zone can shift it). */
const fillDay = sql<string>`to_char(date_trunc('day', ${fills.executedAt} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`;

/** A closed position's result: realized PnL less fees. */
const positionResult = sql`(${positions.realizedPnl} - ${positions.fees})`;

/**
 * Where the last page ended. The timestamp travels as PostgreSQL's own text so microseconds survive (a JS
 * Date keeps milliseconds only, and a cursor that rounds would skip or repeat rows).
 */
interface Cursor<Id> {
  readonly at: string;
  readonly id: Id;
}

function inRange(column: PgColumn, scope: PnlScope): SQL[] {
  const conditions: SQL[] = [];
  if (scope.from) conditions.push(gte(column, scope.from));
  if (scope.to) conditions.push(lte(column, scope.to));
  return conditions;
}

function after(
  at: PgColumn,
  id: PgColumn,
  cursor: Cursor<string | number> | undefined,
  idType: 'uuid' | 'bigint',
) {
  if (!cursor) return undefined;
  return idType === 'uuid'
    ? sql`(${at}, ${id}) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)`
    : sql`(${at}, ${id}) > (${cursor.at}::timestamptz, ${cursor.id}::bigint)`;
}

/** Fetches page after page until one comes back short. */
async function* pages<Row, Id extends string | number>(
  pageSize: number,
  fetch: (
    cursor: Cursor<Id> | undefined,
  ) => Promise<readonly { readonly value: Row; readonly cursor: Cursor<Id> }[]>,
): AsyncGenerator<readonly Row[]> {
  let cursor: Cursor<Id> | undefined;
  for (;;) {
    const rows = await fetch(cursor);
    if (rows.length > 0) yield rows.map((row) => row.value);
    const last = rows[rows.length - 1];
    if (rows.length < pageSize || !last) return;
    cursor = last.cursor;
  }
}

function toFillTotals(row: { realized: string; fees: string; fills: number; volume: string } | undefined) {
  return {
    realizedPnl: new Decimal(row?.realized ?? '0'),
    fees: new Decimal(row?.fees ?? '0'),
    fills: row?.fills ?? 0,
    volume: new Decimal(row?.volume ?? '0'),
  } satisfies FillTotals;
}

export class DrizzlePnlStore implements PnlReadPort {
  private readonly pageSize: number;

  constructor(
    private readonly db: Database,
    options: { readonly pageSize?: number } = {},
  ) {
    this.pageSize = options.pageSize ?? PAGE_SIZE;
  }

  private fillConditions(userId: string, scope: PnlScope): SQL | undefined {
    return and(
      eq(fills.userId, userId),
      scope.accountId ? eq(fills.accountId, scope.accountId) : undefined,
      ...inRange(fills.executedAt, scope),
    );
  }

  private readonly fillSums = {
    realized: sumText(fills.realizedPnl),
    fees: sumText(fills.feeInQuote),
    fills: countInt(),
    volume: sumText(sql`${fills.price} * ${fills.quantity}`),
  };

  async fillTotals(userId: string, scope: PnlScope): Promise<FillTotals> {
    const [row] = await userTransaction(this.db, userId, (tx) =>
      tx.select(this.fillSums).from(fills).where(this.fillConditions(userId, scope)),
    );
    return toFillTotals(row);
  }

  async dailyPnl(userId: string, scope: PnlScope): Promise<readonly DailyPnlRow[]> {
    const rows = await userTransaction(this.db, userId, (tx) =>
      tx
        .select({ day: fillDay, ...this.fillSums })
        .from(fills)
        .where(this.fillConditions(userId, scope))
        .groupBy(fillDay)
        .orderBy(fillDay),
    );
    return rows.map((row) => ({ day: row.day, ...toFillTotals(row) }));
  }

  async symbolPnl(userId: string, scope: PnlScope): Promise<readonly SymbolPnlRow[]> {
    const rows = await userTransaction(this.db, userId, (tx) =>
      tx
        .select({ symbol: fills.symbol, marketType: exchangeAccounts.marketType, ...this.fillSums })
        .from(fills)
        .innerJoin(exchangeAccounts, eq(exchangeAccounts.id, fills.accountId))
        .where(this.fillConditions(userId, scope))
        .groupBy(fills.symbol, exchangeAccounts.marketType)
        .orderBy(fills.symbol, exchangeAccounts.marketType),
    );
    return rows.map((row) => ({
      symbol: row.symbol,
      marketType: row.marketType as MarketType,
      ...toFillTotals(row),
    }));
  }

  async closedTradeTotals(userId: string, scope: PnlScope): Promise<TradeTotals> {
    const [row] = await userTransaction(this.db, userId, (tx) =>
      tx
        .select({
          count: countInt(),
          wins: sql<number>`(count(*) FILTER (WHERE ${positionResult} > 0))::int`,
          losses: sql<number>`(count(*) FILTER (WHERE ${positionResult} < 0))::int`,
          grossProfit: sql<string>`coalesce(sum(${positionResult}) FILTER (WHERE ${positionResult} > 0), 0)::text`,
          grossLoss: sql<string>`coalesce(sum(-${positionResult}) FILTER (WHERE ${positionResult} < 0), 0)::text`,
          largestWin: sql<string | null>`(max(${positionResult}) FILTER (WHERE ${positionResult} > 0))::text`,
          largestLoss: sql<
            string | null
          >`(min(${positionResult}) FILTER (WHERE ${positionResult} < 0))::text`,
        })
        .from(positions)
        .where(
          and(
            eq(positions.userId, userId),
            eq(positions.status, 'CLOSED'),
            scope.accountId ? eq(positions.accountId, scope.accountId) : undefined,
            ...inRange(positions.closedAt, scope),
          ),
        ),
    );
    return {
      count: row?.count ?? 0,
      wins: row?.wins ?? 0,
      losses: row?.losses ?? 0,
      grossProfit: new Decimal(row?.grossProfit ?? '0'),
      grossLoss: new Decimal(row?.grossLoss ?? '0'),
      largestWin: row?.largestWin ? new Decimal(row.largestWin) : undefined,
      largestLoss: row?.largestLoss ? new Decimal(row.largestLoss) : undefined,
    };
  }

  async livePositions(userId: string, accountId?: string): Promise<readonly LivePosition[]> {
    const rows = await userTransaction(this.db, userId, (tx) =>
      tx
        .select({ position: positions, venue: exchangeAccounts.venue })
        .from(positions)
        .innerJoin(exchangeAccounts, eq(exchangeAccounts.id, positions.accountId))
        .where(
          and(
            eq(positions.userId, userId),
            notInArray(positions.status, ['CLOSED', 'FAILED']),
            accountId ? eq(positions.accountId, accountId) : undefined,
          ),
        )
        .orderBy(asc(positions.symbol), asc(positions.marketType)),
    );
    return rows.map((row) => ({ ...toPosition(row.position), venue: row.venue }));
  }

  equitySnapshots(userId: string, scope: PnlScope): AsyncIterable<readonly EquityPoint[]> {
    return pages<EquityPoint, number>(this.pageSize, async (cursor) => {
      const rows = await userTransaction(this.db, userId, (tx) =>
        tx
          .select({
            accountId: equitySnapshots.accountId,
            equity: equitySnapshots.equity,
            takenAt: equitySnapshots.takenAt,
            id: equitySnapshots.id,
            at: sql<string>`${equitySnapshots.takenAt}::text`,
          })
          .from(equitySnapshots)
          .where(
            and(
              eq(equitySnapshots.userId, userId),
              scope.accountId ? eq(equitySnapshots.accountId, scope.accountId) : undefined,
              ...inRange(equitySnapshots.takenAt, scope),
              after(equitySnapshots.takenAt, equitySnapshots.id, cursor, 'bigint'),
            ),
          )
          .orderBy(asc(equitySnapshots.takenAt), asc(equitySnapshots.id))
          .limit(this.pageSize),
      );
      return rows.map((row) => ({
        value: { accountId: row.accountId, equity: new Decimal(row.equity), takenAt: row.takenAt },
        cursor: { at: row.at, id: row.id },
      }));
    });
  }

  exportOrders(userId: string, scope: ExportScope): AsyncIterable<readonly OrderRecord[]> {
    return pages<OrderRecord, string>(this.pageSize, async (cursor) => {
      const rows = await userTransaction(this.db, userId, (tx) =>
        tx
          .select({ order: orders, at: sql<string>`${orders.createdAt}::text` })
          .from(orders)
          .where(
            and(
              eq(orders.userId, userId),
              scope.accountId ? eq(orders.accountId, scope.accountId) : undefined,
              ...inRange(orders.createdAt, scope),
              after(orders.createdAt, orders.id, cursor, 'uuid'),
            ),
          )
          .orderBy(asc(orders.createdAt), asc(orders.id))
          .limit(this.pageSize),
      );
      return rows.map((row) => ({ value: toOrder(row.order), cursor: { at: row.at, id: row.order.id } }));
    });
  }

  exportFills(userId: string, scope: ExportScope): AsyncIterable<readonly FillRecord[]> {
    return pages<FillRecord, string>(this.pageSize, async (cursor) => {
      const rows = await userTransaction(this.db, userId, (tx) =>
        tx
          .select({ fill: fills, at: sql<string>`${fills.executedAt}::text` })
          .from(fills)
          .where(and(this.fillConditions(userId, scope), after(fills.executedAt, fills.id, cursor, 'uuid')))
          .orderBy(asc(fills.executedAt), asc(fills.id))
          .limit(this.pageSize),
      );
      return rows.map((row) => ({ value: toFill(row.fill), cursor: { at: row.at, id: row.fill.id } }));
    });
  }

  exportAudit(userId: string, scope: ExportScope): AsyncIterable<readonly AuditRecord[]> {
    // The chain's order is the id order; the range only selects which links are shown.
    return pages<AuditRecord, number>(this.pageSize, async (cursor) => {
      const rows = await userTransaction(this.db, userId, (tx) =>
        tx
          .select()
          .from(executionAudit)
          .where(
            and(
              eq(executionAudit.userId, userId),
              scope.accountId ? eq(executionAudit.accountId, scope.accountId) : undefined,
              ...inRange(executionAudit.createdAt, scope),
              cursor ? sql`${executionAudit.id} > ${cursor.id}` : undefined,
            ),
          )
          .orderBy(asc(executionAudit.id))
          .limit(this.pageSize),
      );
      return rows.map((row) => ({ value: toAuditRecord(row), cursor: { at: '', id: row.id } }));
    });
  }
}
