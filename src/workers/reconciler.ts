import type { Logger } from 'pino';
import type { PositionDifference } from '../domain/position-differences.ts';
import type { ExecutionDeps, TradingGate } from '../execution/execution-deps.ts';
import { adoptExternalOrder } from '../execution/adopt-external-order.ts';
import { compareBalances } from '../execution/compare-balances.ts';
import { comparePositions } from '../execution/compare-positions.ts';
import type { ReconcileClaims } from '../execution/reconcile-claims.ts';
import type { AccountRecord } from '../execution/store-port.ts';
import type { VenuePort } from '../execution/venue-port.ts';
import { reconcileOrder, type ReconcileSource } from '../execution/reconcile-order.ts';

export interface ReconcilerOptions {
  /** Between periodic passes. */
  readonly intervalMs: number;
  /** Receive window + clock tolerance: how long an unknown outcome must age before "not found" counts. */
  readonly settleMs: number;
  /** Between balance comparisons with each live venue. */
  readonly balanceIntervalMs: number;
  /**
   * Between re-reads of an order resting at the venue (OPEN, PARTIALLY_FILLED) after the startup pass:
   * the venue's stream and poller follow those, so this is a slow safety sweep. Default balanceIntervalMs.
   */
  readonly restingIntervalMs?: number;
  /** How long createFillgate waits for the startup pass before it serves with the late venues gated. */
  readonly startupWaitMs: number;
}

/**
 * Keeps our orders in line with the venues: at startup, before the venue takes any order (the trading
 * gate refuses orders for a venue until its startup pass has completed), and then periodically. It
 * resolves UNKNOWN and stuck PENDING_SUBMIT/SUBMITTED orders and picks up fills of working orders that
 * were missed while we were down, all through the execution layer's reconcileOrder.
 *
 * Several processes may share the database, each with its own reconciler over the same venues. Every
 * step claims what it works on first (one order; one account's adoption scan and comparisons), so exactly
 * one process looks an order up, resends it, adopts an external order or reports a difference; the others
 * skip it this pass.
 */
export class Reconciler implements TradingGate {
  private readonly reconciled = new Set<string>();
  /** Each account's position differences at its last comparison (reported once seen twice). */
  private readonly positionDifferences = new Map<string, readonly PositionDifference[]>();
  private readonly balancesCheckedAt = new Map<string, number>();
  /** Per venue: when each resting order was last looked up. */
  private readonly restingCheckedAt = new Map<string, Map<string, number>>();
  private readonly startedAt = new Date();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private startup: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: ExecutionDeps,
    private readonly source: ReconcileSource,
    private readonly logger: Logger,
    private readonly options: ReconcilerOptions,
    private readonly claims: ReconcileClaims,
  ) {}

  blockedReason(venueId: string): string | undefined {
    if (this.reconciled.has(venueId)) return undefined;
    return `Trading on ${venueId} is paused while reconciling with the venue after startup. Retry in a few seconds.`;
  }

  /** Starts the startup pass (retried until every venue has passed) and the periodic passes after it. */
  start(): void {
    if (this.startup) return;
    this.startup = (async () => {
      while (!this.stopped) {
        await this.pass();
        if (this.deps.venues.all().every((v) => this.reconciled.has(v.id))) break;
        await sleep(Math.min(this.options.intervalMs, 1_000));
      }
    })();
    this.timer = setInterval(() => {
      if (this.startup && this.deps.venues.all().every((v) => this.reconciled.has(v.id))) void this.pass();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Resolves once every venue passed its startup reconciliation. */
  async ready(): Promise<void> {
    await this.startup;
  }

  /** Waits for the startup pass, at most `startupWaitMs`. */
  async waitForStartup(): Promise<void> {
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.startup,
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, this.options.startupWaitMs);
        timeout.unref();
      }),
    ]);
    clearTimeout(timeout);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every venue; passes never overlap. */
  pass(): Promise<void> {
    this.running ??= this.runPass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runPass(): Promise<void> {
    for (const venue of this.deps.venues.all()) {
      if (this.stopped) return;
      await this.reconcileVenue(venue.id);
    }
  }

  /**
   * One venue's pass. The gate opens once the venue answered for every order we hold there; orders
   * still inside their receive window are waited on by later passes (new orders do not conflict with
   * them: every order has its own client order id).
   */
  async reconcileVenue(venueId: string): Promise<void> {
    try {
      const orders = await this.source.ordersToReconcile(venueId);
      let failures = 0;
      const sweepAfter = Date.now() - (this.options.restingIntervalMs ?? this.options.balanceIntervalMs);
      const checkedAt = new Map<string, number>();
      const previous = this.restingCheckedAt.get(venueId);
      this.restingCheckedAt.set(venueId, checkedAt);
      for (const order of orders) {
        if (this.stopped) return;
        // Resting orders cost a lookup each (weight 4 on spot): after startup, only in the slow sweep.
        if (order.status === 'OPEN' || order.status === 'PARTIALLY_FILLED') {
          const last = previous?.get(order.id) ?? 0;
          if (this.reconciled.has(venueId) && last > sweepAfter) {
            checkedAt.set(order.id, last);
            continue;
          }
          checkedAt.set(order.id, Date.now());
        }
        const step = await this.claims.tryWithClaim(`reconcile:order:${order.id}`, () =>
          reconcileOrder(this.deps, order, {
            settleMs: this.options.settleMs,
            lastPossibleSendAt: this.startedAt,
          }),
        );
        // Claimed by another process: it is answering for this order right now.
        if (!step.claimed) continue;
        const outcome = step.value;
        if (outcome.kind === 'lookup_failed') failures += 1;
        if (outcome.kind === 'lookup_failed' || outcome.kind === 'missing_at_venue') {
          this.logger.warn({ venue: venueId, orderId: order.id, outcome }, 'order not reconciled');
        } else if (outcome.kind === 'resent' || (outcome.kind === 'applied' && outcome.corrected)) {
          this.logger.info({ venue: venueId, orderId: order.id, outcome }, 'order reconciled');
        }
      }
      if (failures === 0) this.reconciled.add(venueId);
      await this.compareVenueBalances(venueId);
    } catch (error) {
      this.logger.error({ venue: venueId, err: error }, 'reconciliation pass failed');
    }
  }

  /**
   * Orders open at the venue that we hold no record of become EXTERNAL orders. Only when one account of
   * ours trades this market type on the venue: otherwise whose order it is cannot be told.
   */
  private async adoptExternalOrders(
    venue: VenuePort,
    account: AccountRecord,
    accounts: readonly AccountRecord[],
  ): Promise<void> {
    if (!venue.fetchOpenOrders) return;
    if (accounts.filter((a) => a.marketType === account.marketType).length !== 1) return;
    for (const snapshot of await venue.fetchOpenOrders(account.marketType)) {
      const adopted = await adoptExternalOrder(this.deps, account, snapshot);
      if (adopted) {
        this.logger.info(
          { venue: venue.id, orderId: adopted.id, clientOrderId: snapshot.clientOrderId },
          'external order adopted',
        );
      }
    }
  }

  /**
   * Adoption of external orders, and ledger and positions against the venue's, for live venues. One
   * account at a time, under its claim: two processes scanning at once would each pay the heavy open-orders
   * weight for the same answer.
   */
  private async compareVenueBalances(venueId: string): Promise<void> {
    const venue = this.deps.venues.get(venueId);
    if (!venue?.fetchBalances) return;
    // Account queries are heavy (weight 20 on spot): not on every pass.
    const now = Date.now();
    if (now - (this.balancesCheckedAt.get(venueId) ?? 0) < this.options.balanceIntervalMs) return;
    this.balancesCheckedAt.set(venueId, now);
    const accounts = await this.source.accountsOnVenue(venueId);
    for (const account of accounts) {
      if (this.stopped) return;
      await this.claims.tryWithClaim(`reconcile:account:${account.id}`, async () => {
        await this.adoptExternalOrders(venue, account, accounts);
        const balances = await venue.fetchBalances?.(account.marketType);
        if (balances) await compareBalances(this.deps, account, balances);
        // Like adoption: with several accounts of ours on one venue account, whose position it is cannot be told.
        const sole = accounts.filter((a) => a.marketType === account.marketType).length === 1;
        if (venue.fetchPositions && account.marketType === 'futures' && sole) {
          const positions = await venue.fetchPositions(account.marketType);
          const differences = await comparePositions(
            this.deps,
            account,
            account.marketType,
            positions,
            this.positionDifferences.get(account.id) ?? [],
          );
          this.positionDifferences.set(account.id, differences);
          if (differences.length > 0) {
            const symbols = differences.map((d) => d.symbol);
            this.logger.warn(
              { venue: venueId, accountId: account.id, symbols },
              'positions differ from the venue',
            );
          }
        }
      });
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
