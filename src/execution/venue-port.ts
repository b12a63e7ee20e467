import type { Decimal } from '../domain/decimal.ts';
import type { MarketRules } from '../domain/market-rules.ts';
import type { Liquidity, MarketType, OrderType, Side, TimeInForce } from '../domain/order-types.ts';
import type { PositionSide } from '../domain/position-math.ts';

/** What the execution layer asks a venue to do. Quantities are already rounded to the market's rules. */
export interface VenueOrderRequest {
  /** The venue-side account (paper: our account id; live: the exchange account's key id). */
  readonly accountRef: string;
  /** Deterministic, at most 36 characters, `[A-Za-z0-9_-]`. */
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly side: Side;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly quantity: Decimal;
  /** Limit price (limit, stop_limit, and take_profit when it is a limit). */
  readonly price?: Decimal;
  /** Trigger price (stop_market, stop_limit, take_profit). */
  readonly stopPrice?: Decimal;
  /**
   * Worst price a market order (or a triggered stop-market) may fill at. The venue stops walking the
   * book there; what is left is expired. Bounds the cost the execution layer reserved for.
   */
  readonly protectionPrice?: Decimal;
  readonly reduceOnly: boolean;
  /** USD-M leverage (integer); ignored by spot. */
  readonly leverage?: number;
  /**
   * The venue must refuse this request after this instant (our clock): a venue with a receive window signs
   * it to expire then, or does not send it at all once it has passed. The reconciler takes "not found" as
   * proof of absence only after it, so a late send can never meet a resend. Absent: no deadline.
   */
  readonly sendBy?: Date;
}

/** The venue's status vocabulary (Binance's). */
export type VenueOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'REJECTED';

export interface VenueFill {
  /** Unique per venue and account: fills are applied exactly once by this id. */
  readonly tradeId: string;
  readonly price: Decimal;
  readonly quantity: Decimal;
  /** Fee charged, in `feeAsset` (paper: the quote asset). */
  readonly fee: Decimal;
  readonly feeAsset: string;
  readonly liquidity: Liquidity;
  readonly timestamp: Date;
}

/** The venue's view of one order: everything known so far, including every fill. */
export interface VenueOrderSnapshot {
  readonly venueOrderId: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly status: VenueOrderStatus;
  /** Whether a trigger order has triggered (stop / take-profit). */
  readonly triggered: boolean;
  readonly filledQuantity: Decimal;
  /** Every fill of the order so far, oldest first. */
  readonly fills: readonly VenueFill[];
  /** The venue's own payload, kept for the audit. */
  readonly raw?: unknown;
  /** What was ordered, as the venue states it: needed to adopt an order we did not place. */
  readonly detail?: VenueOrderDetail;
}

export interface VenueOrderDetail {
  readonly side: Side;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly quantity: Decimal;
  readonly price?: Decimal;
  readonly stopPrice?: Decimal;
  readonly leverage?: number;
  readonly reduceOnly: boolean;
}

export type VenueSubmitResult =
  | { readonly kind: 'accepted'; readonly order: VenueOrderSnapshot }
  /** Definitely not placed: safe to record as REJECTED (and, for retryable ones, to retry). */
  | {
      readonly kind: 'rejected';
      readonly code: string;
      readonly message: string;
      readonly retryable: boolean;
      readonly raw?: unknown;
    }
  /** May or may not have been placed: the order becomes UNKNOWN until the venue's evidence resolves it. */
  | { readonly kind: 'unknown'; readonly message: string; readonly raw?: unknown };

export type VenueCancelResult =
  | { readonly kind: 'canceled'; readonly order: VenueOrderSnapshot }
  /** The order was already final at the venue (filled, expired...): here is its final state. */
  | { readonly kind: 'already_final'; readonly order: VenueOrderSnapshot }
  | { readonly kind: 'not_found'; readonly message: string }
  | { readonly kind: 'unknown'; readonly message: string };

/** A change the venue reports on its own (a resting order filled, a stop triggered, an order expired). */
export interface ExecutionReport {
  readonly kind: 'execution_report';
  readonly venue: string;
  readonly accountRef: string;
  readonly order: VenueOrderSnapshot;
}

export interface VenueHealth {
  readonly venue: string;
  readonly status: 'up' | 'degraded' | 'down';
  readonly detail?: string;
  /** The circuit breaker's state, for venues that have one (the paper venue does not). */
  readonly breaker?: 'closed' | 'half-open' | 'open';
}

/** How a failed submit is classified: the three answers that decide what happens to the order. */
export type VenueErrorClass = 'definitely_rejected' | 'retryable' | 'outcome_unknown';

/** An open position as the venue holds it (USD-M). */
export interface VenuePosition {
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly side: PositionSide;
  /** Absolute size in the base asset. */
  readonly quantity: Decimal;
  /** The venue's own payload, kept for the audit. */
  readonly raw?: unknown;
}

export interface OrderRef {
  readonly accountRef: string;
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly clientOrderId: string;
}

/**
 * One adapter per venue (paper, ccxt binance, ccxt binanceusdm). Paper trading is just another VenuePort:
 * the execution layer never asks which one it holds.
 */
export interface VenuePort {
  readonly id: string;
  /** The instrument's rules, or undefined when the venue does not list it. */
  market(symbol: string, marketType: MarketType): MarketRules | undefined;
  markets(): readonly MarketRules[];
  /** Reference price for bands, sizing and reservations (mark for USD-M, last/mid for spot). */
  markPrice(symbol: string, marketType: MarketType): Decimal | undefined;
  /** The account's fee rates for the instrument (reservations must cover the taker fee). */
  feeRates(symbol: string, marketType: MarketType): { readonly maker: Decimal; readonly taker: Decimal };
  submit(request: VenueOrderRequest): Promise<VenueSubmitResult>;
  cancel(ref: OrderRef): Promise<VenueCancelResult>;
  /** Looks the order up by client order id: the only way to resolve an UNKNOWN outcome. */
  fetchOrder(ref: OrderRef): Promise<VenueOrderSnapshot | undefined>;
  /** Reports changes the venue makes on its own. Returns the unsubscribe function. */
  onExecutionReport(listener: (report: ExecutionReport) => void): () => void;
  health(): VenueHealth;
  /**
   * The account's balances as the venue holds them (live venues; the paper venue's ledger is ours).
   * Total per asset: spot free + locked, USD-M wallet balance.
   */
  fetchBalances?(marketType: MarketType): Promise<ReadonlyMap<string, Decimal>>;
  /** Every order open at the venue for the account, ours or not (live venues: to adopt unknown ones). */
  fetchOpenOrders?(marketType: MarketType): Promise<readonly VenueOrderSnapshot[]>;
  /**
   * The account's open positions as the venue holds them (live USD-M venues). Optional like
   * fetchBalances: the paper venue's positions are our own records, there is nothing to compare.
   */
  fetchPositions?(marketType: MarketType): Promise<readonly VenuePosition[]>;
}
