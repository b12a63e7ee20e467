import { and, asc, desc, eq, gte, inArray, isNotNull, notInArray, or, sql } from 'drizzle-orm';
import { Decimal } from '../domain/decimal.ts';
import type { Side } from '../domain/order-types.ts';
import type { RiskLimits } from '../domain/risk-limits.ts';
import { FINAL_ORDER_STATUSES } from '../domain/order-status.ts';
import type { MarketType } from '../domain/order-types.ts';
import { auditHash } from '../execution/audit-chain.ts';
import type { MonitorQueries } from '../execution/monitor-port.ts';
import type { ReconcileSource } from '../execution/reconcile-order.ts';
import type { OrderLocation, OrderLocator } from '../execution/record-execution-report.ts';
import type {
  AccountRecord,
  AuditInput,
  AuditRecord,
  BalanceRecord,
  ExecutionStore,
  FillRecord,
  OrderEventInput,
  OrderPatch,
  OrderRecord,
  PositionRecord,
  RecentOrderRecord,
  SignalPatch,
  SignalRecord,
  TradingState,
  UnitOfWork,
} from '../execution/store-port.ts';
import type { Database, Transaction } from './database.ts';
import { systemTransaction, userTransaction } from './scoped-transaction.ts';
import {
  fromOrder,
  fromPosition,
  num,
  optNum,
  toAccount,
  toAuditRecord,
  toBalance,
  toOrder,
  optDec,
  toPosition,
  toRiskLimits,
  toSignal,
  fromRiskLimits,
} from './row-mappers.ts';
import {
  balances,
  equitySnapshots,
  executionAudit,
  exchangeAccounts,
  fills,
  orderEvents,
  orders,
  positions,
  riskLimits,
  signals,
  users,
} from './schema.ts';

/** An audit row as stored, less its chain hashes; the hash covers exactly these fields. */
export function auditRow(userId: string, entry: AuditInput, createdAt: Date) {
  return {
    userId,
    accountId: entry.accountId ?? null,
    orderId: entry.orderId ?? null,
    source: entry.source,
    status: entry.status,
    reasonCode: entry.reasonCode ?? null,
    message: entry.message,
    symbol: entry.symbol ?? null,
    side: entry.side ?? null,
    minNotional: optNum(entry.minNotional),
    availableBalance: optNum(entry.availableBalance),
    requiredBalance: optNum(entry.requiredBalance),
    requestPayload: entry.requestPayload ?? null,
    venueResponse: entry.venueResponse ?? null,
    exchangeOrderId: entry.exchangeOrderId ?? null,
    createdAt,
  };
}

class DrizzleUnitOfWork implements UnitOfWork {
  private readonly events: { topic: string; payload: unknown }[] = [];
  /** The chain head after this transaction's audit rows; written to the user's row by flush(). */
  private auditHead: string | undefined;

  constructor(
    private readonly tx: Transaction,
    readonly userId: string,
    private readonly now: () => Date,
  ) {}

  async lockAccount(accountId: string): Promise<AccountRecord | undefined> {
    const [row] = await this.tx
      .select()
      .from(exchangeAccounts)
      .where(and(eq(exchangeAccounts.id, accountId), eq(exchangeAccounts.userId, this.userId)))
      .for('update');
    return row ? toAccount(row) : undefined;
  }

  async balances(accountId: string): Promise<readonly BalanceRecord[]> {
    const rows = await this.tx
      .select()
      .from(balances)
      .where(and(eq(balances.accountId, accountId), eq(balances.userId, this.userId)));
    return rows.map(toBalance);
  }

  async adjustBalance(
    accountId: string,
    asset: string,
    deltaTotal: Decimal,
    deltaReserved: Decimal,
  ): Promise<void> {
    if (deltaTotal.isZero() && deltaReserved.isZero()) return;
    // Update first: an INSERT ... ON CONFLICT would check the constraints on the delta row itself.
    const updated = await this.tx
      .update(balances)
      .set({
        total: sql`${balances.total} + ${num(deltaTotal)}::numeric`,
        reserved: sql`${balances.reserved} + ${num(deltaReserved)}::numeric`,
        updatedAt: sql`now()`,
      })
      .where(
        and(eq(balances.accountId, accountId), eq(balances.asset, asset), eq(balances.userId, this.userId)),
      )
      .returning({ asset: balances.asset });
    if (updated.length === 0) {
      await this.tx.insert(balances).values({
        accountId,
        userId: this.userId,
        asset,
        total: num(deltaTotal),
        reserved: num(deltaReserved),
      });
    }
  }

  async findOrderByClientId(accountId: string, clientOrderId: string): Promise<OrderRecord | undefined> {
    const [row] = await this.tx
      .select()
      .from(orders)
      .where(
        and(
          eq(orders.accountId, accountId),
          eq(orders.clientOrderId, clientOrderId),
          eq(orders.userId, this.userId),
        ),
      );
    return row ? toOrder(row) : undefined;
  }

  async lockOrder(orderId: string): Promise<OrderRecord | undefined> {
    const [row] = await this.tx
      .select()
      .from(orders)
      .where(and(eq(orders.id, orderId), eq(orders.userId, this.userId)))
      .for('update');
    return row ? toOrder(row) : undefined;
  }

  async insertOrder(order: OrderRecord): Promise<void> {
    await this.tx.insert(orders).values(fromOrder(order));
  }

  async insertOrderIfAbsent(order: OrderRecord): Promise<boolean> {
    const inserted = await this.tx
      .insert(orders)
      .values(fromOrder(order))
      .onConflictDoNothing({ target: [orders.accountId, orders.clientOrderId] })
      .returning({ id: orders.id });
    return inserted.length > 0;
  }

  async updateOrder(orderId: string, patch: OrderPatch): Promise<void> {
    const set: Partial<typeof orders.$inferInsert> = { updatedAt: this.now() };
    if ('venueOrderId' in patch) set.venueOrderId = patch.venueOrderId ?? null;
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.filledQuantity !== undefined) set.filledQuantity = num(patch.filledQuantity);
    if ('averagePrice' in patch) set.averagePrice = optNum(patch.averagePrice);
    if (patch.fees !== undefined) set.fees = num(patch.fees);
    if (patch.reservedRemaining !== undefined) set.reservedRemaining = num(patch.reservedRemaining);
    if ('reasonCode' in patch) set.reasonCode = patch.reasonCode ?? null;
    if ('message' in patch) set.message = patch.message ?? null;
    if ('positionId' in patch) set.positionId = patch.positionId ?? null;
    await this.tx
      .update(orders)
      .set(set)
      .where(and(eq(orders.id, orderId), eq(orders.userId, this.userId)));
  }

  async countWorkingOrders(accountId: string, symbol: string, marketType: MarketType): Promise<number> {
    const [row] = await this.tx
      .select({ n: sql<number>`count(*)::int` })
      .from(orders)
      .where(
        and(
          eq(orders.accountId, accountId),
          eq(orders.symbol, symbol),
          eq(orders.marketType, marketType),
          notInArray(orders.status, [...FINAL_ORDER_STATUSES]),
        ),
      );
    return Number(row?.n ?? 0);
  }

  async insertFill(fill: FillRecord): Promise<boolean> {
    const inserted = await this.tx
      .insert(fills)
      .values({
        id: fill.id,
        userId: fill.userId,
        accountId: fill.accountId,
        orderId: fill.orderId,
        venueTradeId: fill.venueTradeId,
        symbol: fill.symbol,
        side: fill.side,
        price: num(fill.price),
        quantity: num(fill.quantity),
        fee: num(fill.fee),
        feeAsset: fill.feeAsset,
        feeInQuote: num(fill.feeInQuote),
        liquidity: fill.liquidity,
        realizedPnl: num(fill.realizedPnl),
        executedAt: fill.executedAt,
      })
      .onConflictDoNothing({ target: [fills.accountId, fills.venueTradeId] })
      .returning({ id: fills.id });
    return inserted.length > 0;
  }

  async lockLivePosition(
    accountId: string,
    symbol: string,
    marketType: MarketType,
  ): Promise<PositionRecord | undefined> {
    const [row] = await this.tx
      .select()
      .from(positions)
      .where(
        and(
          eq(positions.accountId, accountId),
          eq(positions.userId, this.userId),
          eq(positions.symbol, symbol),
          eq(positions.marketType, marketType),
          notInArray(positions.status, ['CLOSED', 'FAILED']),
        ),
      )
      .for('update');
    return row ? toPosition(row) : undefined;
  }

  async lockPosition(positionId: string): Promise<PositionRecord | undefined> {
    const [row] = await this.tx
      .select()
      .from(positions)
      .where(and(eq(positions.id, positionId), eq(positions.userId, this.userId)))
      .for('update');
    return row ? toPosition(row) : undefined;
  }

  async savePosition(position: PositionRecord): Promise<void> {
    const values = fromPosition(position);
    const { id: _id, userId: _userId, createdAt: _createdAt, ...update } = values;
    await this.tx.insert(positions).values(values).onConflictDoUpdate({ target: positions.id, set: update });
  }

  async appendOrderEvent(event: OrderEventInput): Promise<void> {
    await this.tx.insert(orderEvents).values({
      orderId: event.orderId,
      userId: this.userId,
      kind: event.kind,
      fromStatus: event.fromStatus ?? null,
      toStatus: event.toStatus,
      attempt: event.attempt ?? 0,
      detail: event.detail ?? null,
    });
  }

  async riskLimits(accountId: string): Promise<RiskLimits | undefined> {
    const [row] = await this.tx
      .select()
      .from(riskLimits)
      .where(and(eq(riskLimits.accountId, accountId), eq(riskLimits.userId, this.userId)));
    return row ? toRiskLimits(row) : undefined;
  }

  async livePositions(accountId: string): Promise<readonly PositionRecord[]> {
    const rows = await this.tx
      .select()
      .from(positions)
      .where(
        and(
          eq(positions.accountId, accountId),
          eq(positions.userId, this.userId),
          notInArray(positions.status, ['CLOSED', 'FAILED']),
        ),
      );
    return rows.map(toPosition);
  }

  async workingOrders(accountId: string): Promise<readonly OrderRecord[]> {
    const rows = await this.tx
      .select()
      .from(orders)
      .where(
        and(
          eq(orders.accountId, accountId),
          eq(orders.userId, this.userId),
          notInArray(orders.status, [...FINAL_ORDER_STATUSES]),
        ),
      );
    return rows.map(toOrder);
  }

  async recentOrders(accountId: string, since: Date): Promise<readonly RecentOrderRecord[]> {
    const rows = await this.tx
      .select({
        at: orders.createdAt,
        symbol: orders.symbol,
        side: orders.side,
        quantity: orders.quantity,
        price: orders.price,
      })
      .from(orders)
      .where(
        and(eq(orders.accountId, accountId), eq(orders.userId, this.userId), gte(orders.createdAt, since)),
      );
    return rows.map((r) => ({
      at: r.at,
      symbol: r.symbol,
      side: r.side as Side,
      quantity: new Decimal(r.quantity),
      price: optDec(r.price),
    }));
  }

  async fillTotalsSince(accountId: string, since: Date): Promise<{ realizedPnl: Decimal; fees: Decimal }> {
    const [row] = await this.tx
      .select({
        realized: sql<string>`coalesce(sum(${fills.realizedPnl}), 0)::text`,
        fees: sql<string>`coalesce(sum(${fills.fee}), 0)::text`,
      })
      .from(fills)
      .where(
        and(eq(fills.accountId, accountId), eq(fills.userId, this.userId), gte(fills.executedAt, since)),
      );
    return { realizedPnl: new Decimal(row?.realized ?? '0'), fees: new Decimal(row?.fees ?? '0') };
  }

  async setTradingState(
    accountId: string,
    state: TradingState,
    reason: string | undefined,
    resumeNextDay: boolean,
  ): Promise<void> {
    await this.tx
      .update(exchangeAccounts)
      .set({
        tradingState: state,
        haltReason: reason ?? null,
        haltedAt: state === 'ACTIVE' ? null : this.now(),
        resumeNextDay,
      })
      .where(and(eq(exchangeAccounts.id, accountId), eq(exchangeAccounts.userId, this.userId)));
  }

  async setEquityPeak(accountId: string, peak: Decimal): Promise<void> {
    await this.tx
      .update(exchangeAccounts)
      .set({ equityPeak: num(peak) })
      .where(and(eq(exchangeAccounts.id, accountId), eq(exchangeAccounts.userId, this.userId)));
  }

  async saveRiskLimits(accountId: string, limits: RiskLimits): Promise<void> {
    const values = fromRiskLimits(accountId, this.userId, limits);
    const { accountId: _a, userId: _u, ...update } = values;
    await this.tx
      .insert(riskLimits)
      .values(values)
      .onConflictDoUpdate({ target: riskLimits.accountId, set: update });
  }

  async insertSignal(signal: SignalRecord): Promise<boolean> {
    const inserted = await this.tx
      .insert(signals)
      .values({
        id: signal.id,
        userId: this.userId,
        signalId: signal.signalId,
        accountId: signal.accountId ?? null,
        symbol: signal.symbol,
        side: signal.side,
        decision: signal.decision,
        status: signal.status,
        stopLoss: optNum(signal.stopLoss),
        takeProfit: optNum(signal.takeProfit),
        sizing: signal.sizing ?? null,
        source: signal.source,
        message: signal.message ?? null,
        createdAt: signal.createdAt,
        updatedAt: signal.createdAt,
      })
      .onConflictDoNothing({ target: [signals.userId, signals.signalId] })
      .returning({ id: signals.id });
    return inserted.length > 0;
  }

  async findSignal(signalId: string): Promise<SignalRecord | undefined> {
    const [row] = await this.tx
      .select()
      .from(signals)
      .where(and(eq(signals.userId, this.userId), eq(signals.signalId, signalId)));
    return row ? toSignal(row) : undefined;
  }

  async updateSignal(id: string, patch: SignalPatch): Promise<void> {
    const set: Partial<typeof signals.$inferInsert> = { updatedAt: this.now() };
    if (patch.status !== undefined) set.status = patch.status;
    if ('positionId' in patch) set.positionId = patch.positionId ?? null;
    if ('orderId' in patch) set.orderId = patch.orderId ?? null;
    if ('reasonCode' in patch) set.reasonCode = patch.reasonCode ?? null;
    if ('message' in patch) set.message = patch.message ?? null;
    if ('accountId' in patch) set.accountId = patch.accountId ?? null;
    if ('stopLoss' in patch) set.stopLoss = optNum(patch.stopLoss);
    if ('takeProfit' in patch) set.takeProfit = optNum(patch.takeProfit);
    await this.tx
      .update(signals)
      .set(set)
      .where(and(eq(signals.id, id), eq(signals.userId, this.userId)));
  }

  async closeSignalsOfPosition(positionId: string): Promise<void> {
    await this.tx
      .update(signals)
      .set({ status: 'closed', updatedAt: this.now() })
      .where(
        and(
          eq(signals.userId, this.userId),
          eq(signals.positionId, positionId),
          eq(signals.status, 'in_position'),
        ),
      );
  }

  async recordEquity(
    accountId: string,
    equity: Decimal,
    realizedPnl: Decimal,
    unrealizedPnl: Decimal,
  ): Promise<void> {
    await this.tx.insert(equitySnapshots).values({
      userId: this.userId,
      accountId,
      equity: num(equity),
      realizedPnl: num(realizedPnl),
      unrealizedPnl: num(unrealizedPnl),
      takenAt: this.now(),
    });
  }

  async latestAudit(
    accountId: string,
    reasonCode: string,
    subject: Readonly<Record<string, string>>,
  ): Promise<AuditRecord | undefined> {
    const [row] = await this.tx
      .select()
      .from(executionAudit)
      .where(
        and(
          eq(executionAudit.userId, this.userId),
          eq(executionAudit.accountId, accountId),
          eq(executionAudit.reasonCode, reasonCode),
          sql`${executionAudit.requestPayload} @> ${JSON.stringify(subject)}::jsonb`,
        ),
      )
      .orderBy(desc(executionAudit.id))
      .limit(1);
    return row ? toAuditRecord(row) : undefined;
  }

  async appendAudit(entry: AuditInput): Promise<AuditRecord> {
    let prevHash = this.auditHead;
    if (prevHash === undefined) {
      const [head] = await this.tx
        .select({ auditHead: users.auditHead })
        .from(users)
        .where(eq(users.id, this.userId))
        // NO KEY UPDATE: rows inserted by a concurrent transaction of another account of this user hold
        // KEY SHARE on the user row (foreign keys); FOR UPDATE would conflict with it and two such
        // transactions deadlock. Only non-key columns of the user row are written.
        .for('no key update');
      prevHash = head?.auditHead ?? '';
    }
    const createdAt = this.now();
    const row = auditRow(this.userId, entry, createdAt);
    const hash = auditHash(prevHash, row);
    const [inserted] = await this.tx
      .insert(executionAudit)
      .values({
        ...row,
        prevHash,
        hash,
      })
      .returning({ id: executionAudit.id });
    this.auditHead = hash;
    return { ...entry, id: inserted!.id, userId: this.userId, prevHash, hash, createdAt };
  }

  async publish(topic: string, payload: unknown): Promise<void> {
    this.events.push({ topic, payload: payload ?? null });
  }

  /**
   * One statement for everything the transaction published or chained: the user's sequence and audit
   * head move once, and the outbox rows take consecutive numbers from it.
   */
  async flush(): Promise<void> {
    const count = this.events.length;
    const head = this.auditHead === undefined ? sql`` : sql`, audit_head = ${this.auditHead}`;
    if (count === 0) {
      if (this.auditHead !== undefined) {
        await this.tx.execute(sql`UPDATE users SET audit_head = ${this.auditHead} WHERE id = ${this.userId}`);
      }
      return;
    }
    await this.tx.execute(sql`
      WITH bumped AS (
        UPDATE users SET event_seq = event_seq + ${count}${head} WHERE id = ${this.userId} RETURNING event_seq
      )
      INSERT INTO outbox (user_id, seq, topic, payload)
      SELECT ${this.userId}, bumped.event_seq - ${count} + e.ord, e.item->>'topic', e.item->'payload'
      FROM bumped, jsonb_array_elements(${JSON.stringify(this.events)}::jsonb) WITH ORDINALITY AS e(item, ord)`);
  }
}

/** The execution layer's store on Drizzle: one code path for PostgreSQL and PGlite. */
export class DrizzleExecutionStore implements ExecutionStore, OrderLocator, MonitorQueries, ReconcileSource {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  transaction<T>(userId: string, work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    return userTransaction(this.db, userId, async (tx) => {
      const uow = new DrizzleUnitOfWork(tx, userId, this.now);
      const result = await work(uow);
      await uow.flush();
      return result;
    });
  }

  /** Cross-user by nature (a venue report names an account, not a user): the system path. */
  async locateOrder(
    venue: string,
    accountId: string,
    clientOrderId: string,
  ): Promise<OrderLocation | undefined> {
    const [row] = await systemTransaction(this.db, (tx) =>
      tx
        .select({ userId: orders.userId, accountId: orders.accountId, orderId: orders.id })
        .from(orders)
        .where(
          and(
            eq(orders.venue, venue),
            eq(orders.accountId, accountId),
            eq(orders.clientOrderId, clientOrderId),
          ),
        ),
    );
    return row;
  }

  /** Cross-user by nature (the position monitor acts for everyone): the documented system path. */
  async positionsWithExits(): Promise<readonly PositionRecord[]> {
    const rows = await systemTransaction(this.db, (tx) =>
      tx
        .select()
        .from(positions)
        .where(
          and(
            inArray(positions.status, ['OPEN', 'MONITORING']),
            or(
              isNotNull(positions.stopLoss),
              isNotNull(positions.takeProfit),
              isNotNull(positions.trailingStopPct),
            ),
          ),
        ),
    );
    return rows.map(toPosition);
  }

  async accountsToValue(): Promise<readonly AccountRecord[]> {
    const rows = await systemTransaction(this.db, (tx) => tx.select().from(exchangeAccounts));
    return rows.map(toAccount);
  }

  async accountsOnVenue(venue: string): Promise<readonly AccountRecord[]> {
    const rows = await systemTransaction(this.db, (tx) =>
      tx.select().from(exchangeAccounts).where(eq(exchangeAccounts.venue, venue)),
    );
    return rows.map(toAccount);
  }

  /** Every non-final order of a venue, across users, oldest first: the reconciler's work list. */
  async ordersToReconcile(venue: string): Promise<readonly OrderRecord[]> {
    const rows = await systemTransaction(this.db, (tx) =>
      tx
        .select()
        .from(orders)
        .where(and(eq(orders.venue, venue), notInArray(orders.status, [...FINAL_ORDER_STATUSES])))
        .orderBy(orders.createdAt),
    );
    return rows.map(toOrder);
  }

  /** Orders that may still trade at a venue (for restoring a paper venue's book after a restart). */
  async workingOrders(venue: string): Promise<readonly OrderRecord[]> {
    const rows = await systemTransaction(this.db, (tx) =>
      tx
        .select()
        .from(orders)
        .where(
          and(
            eq(orders.venue, venue),
            inArray(orders.status, ['OPEN', 'PARTIALLY_FILLED', 'CANCEL_PENDING', 'SUBMITTED']),
          ),
        ),
    );
    return rows.map(toOrder);
  }

  /**
   * Recomputes a user's audit hash chain from the stored rows. A changed, inserted or removed row breaks
   * it at that row.
   */
  async verifyAuditChain(
    userId: string,
  ): Promise<{ ok: true; rows: number } | { ok: false; brokenAt: number }> {
    const rows = await userTransaction(this.db, userId, (tx) =>
      tx
        .select()
        .from(executionAudit)
        .where(eq(executionAudit.userId, userId))
        .orderBy(asc(executionAudit.id)),
    );
    let prev = '';
    for (const row of rows) {
      const record = toAuditRecord(row);
      if (row.prevHash !== prev || auditHash(prev, auditRow(userId, record, record.createdAt)) !== row.hash) {
        return { ok: false, brokenAt: row.id };
      }
      prev = row.hash;
    }
    return { ok: true, rows: rows.length };
  }
}
