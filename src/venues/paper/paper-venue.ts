import { setTimeout as delay } from 'node:timers/promises';
import type { Decimal } from '../../domain/decimal.ts';
import type { MarketRules } from '../../domain/market-rules.ts';
import type { MarketType } from '../../domain/order-types.ts';
import type {
  ExecutionReport,
  OrderRef,
  VenueCancelResult,
  VenueHealth,
  VenueOrderRequest,
  VenueOrderSnapshot,
  VenuePort,
  VenueSubmitResult,
} from '../../execution/venue-port.ts';
import type { MarketDataFeed, MarketEvent } from '../market-data/market-event.ts';
import { MatchingEngine, type RestoreSummary } from './matching-engine.ts';
import type { RestoredOrder } from './restored-order.ts';

export interface PaperVenueOptions {
  /** Default 'paper'. */
  readonly id?: string;
  readonly markets: readonly MarketRules[];
  readonly feed: MarketDataFeed;
  /** Default 0.001. */
  readonly makerFeeRate?: Decimal;
  /** Default 0.001. */
  readonly takerFeeRate?: Decimal;
  /** Simulated round trip on submit and cancel: the market keeps moving while the order travels. */
  readonly latencyMs?: number;
  /** Prefix of order and trade ids; random by default so they stay unique across restarts. */
  readonly instanceId?: string;
  /** Time of fills made on submit; default the wall clock. */
  readonly clock?: () => Date;
  /** Health turns `degraded` when no market event arrived for this long; default 30 s. */
  readonly staleAfterMs?: number;
}

/**
 * Paper trading as a venue like any other: orders match against the market a feed shows (synthetic,
 * replayed or live), with real slippage, partial fills, triggers and fees.
 *
 * It does not check balances: the execution layer reserves funds before it submits, exactly as it does
 * for a live venue, so paper and live share one code path for money.
 */
export class PaperVenue implements VenuePort {
  readonly id: string;
  private readonly engine: MatchingEngine;
  private readonly marketList: readonly MarketRules[];
  private readonly listeners = new Set<(report: ExecutionReport) => void>();
  private readonly latencyMs: number;
  private readonly staleAfterMs: number;
  private unsubscribe: (() => void) | undefined;
  private lastEventAt: number | undefined;

  constructor(options: PaperVenueOptions) {
    this.id = options.id ?? 'paper';
    this.marketList = [...options.markets];
    this.latencyMs = options.latencyMs ?? 0;
    this.staleAfterMs = options.staleAfterMs ?? 30_000;
    if (!(this.latencyMs >= 0)) throw new RangeError(`latencyMs must be >= 0: ${this.latencyMs}`);
    this.engine = new MatchingEngine({
      markets: this.marketList,
      ...(options.makerFeeRate && { makerFeeRate: options.makerFeeRate }),
      ...(options.takerFeeRate && { takerFeeRate: options.takerFeeRate }),
      ...(options.instanceId !== undefined && { instanceId: options.instanceId }),
      ...(options.clock && { clock: options.clock }),
    });
    this.unsubscribe = options.feed.onEvent((event) => this.onMarketEvent(event));
  }

  market(symbol: string, marketType: MarketType): MarketRules | undefined {
    return this.engine.market(symbol, marketType);
  }

  markets(): readonly MarketRules[] {
    return this.marketList;
  }

  markPrice(symbol: string, marketType: MarketType): Decimal | undefined {
    return this.engine.markPrice(symbol, marketType);
  }

  /** One flat rate pair for every market, as the venue was configured. */
  feeRates(_symbol: string, _marketType: MarketType): { readonly maker: Decimal; readonly taker: Decimal } {
    return this.engine.feeRates();
  }

  async submit(request: VenueOrderRequest): Promise<VenueSubmitResult> {
    await this.travel();
    if (!this.unsubscribe) {
      return {
        kind: 'rejected',
        code: 'VENUE_CLOSED',
        message: `Venue ${this.id} is closed.`,
        retryable: true,
      };
    }
    return this.engine.submit(request);
  }

  async cancel(ref: OrderRef): Promise<VenueCancelResult> {
    await this.travel();
    return this.engine.cancel(ref);
  }

  async fetchOrder(ref: OrderRef): Promise<VenueOrderSnapshot | undefined> {
    return this.engine.order(ref);
  }

  /** Working orders, oldest first (all accounts unless one is named). */
  openOrders(accountRef?: string): VenueOrderSnapshot[] {
    return this.engine.openOrders(accountRef);
  }

  onExecutionReport(listener: (report: ExecutionReport) => void): () => void {
    const entry = (report: ExecutionReport): void => listener(report);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** See `MatchingEngine.restore`: working orders the store holds, re-registered after a restart. */
  restore(orders: readonly RestoredOrder[]): RestoreSummary {
    return this.engine.restore(orders);
  }

  health(): VenueHealth {
    if (!this.unsubscribe) return { venue: this.id, status: 'down', detail: 'closed' };
    if (this.lastEventAt === undefined) {
      return { venue: this.id, status: 'degraded', detail: 'no market data received yet' };
    }
    const age = Date.now() - this.lastEventAt;
    if (age > this.staleAfterMs) {
      return { venue: this.id, status: 'degraded', detail: `no market data for ${Math.round(age / 1000)} s` };
    }
    return { venue: this.id, status: 'up' };
  }

  /** Stops listening to the feed. The feed itself belongs to whoever created it. */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private onMarketEvent(event: MarketEvent): void {
    this.lastEventAt = Date.now();
    const updates = this.engine.onMarketEvent(event);
    let failure: { readonly error: unknown } | undefined;
    for (const update of updates) {
      const report: ExecutionReport = {
        kind: 'execution_report',
        venue: this.id,
        accountRef: update.accountRef,
        order: update.order,
      };
      for (const listener of [...this.listeners]) {
        try {
          listener(report);
        } catch (error) {
          failure ??= { error };
        }
      }
    }
    // Every listener hears every report; a failing one is then made loud rather than swallowed.
    if (failure) throw failure.error;
  }

  private async travel(): Promise<void> {
    if (this.latencyMs > 0) await delay(this.latencyMs);
  }
}
