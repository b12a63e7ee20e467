import type { Decimal } from '../../domain/decimal.ts';
import type { MarketType, Side } from '../../domain/order-types.ts';

export interface BookLevel {
  readonly price: Decimal;
  readonly quantity: Decimal;
}

/** A full snapshot of the visible book (best first on both sides). */
export interface BookSnapshotEvent {
  readonly kind: 'book';
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
  readonly timestamp: Date;
}

/** A trade printed on the market. `aggressor` is the taker's side. */
export interface TradeEvent {
  readonly kind: 'trade';
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly price: Decimal;
  readonly quantity: Decimal;
  readonly aggressor: Side;
  readonly timestamp: Date;
}

export type MarketEvent = BookSnapshotEvent | TradeEvent;

/** A source of market events: synthetic, replayed from recorded klines, or live. */
export interface MarketDataFeed {
  /** Subscribes; returns the unsubscribe function. */
  onEvent(listener: (event: MarketEvent) => void): () => void;
  start(): void;
  stop(): void;
}
