import type { Decimal } from '../domain/decimal.ts';
import type { ExecutionStore } from './store-port.ts';
import type { SubmissionsInFlight } from './submissions-in-flight.ts';
import type { VenueErrorClass, VenuePort } from './venue-port.ts';

export interface VenueDirectory {
  get(venueId: string): VenuePort | undefined;
  all(): readonly VenuePort[];
}

/** Says whether a venue takes new orders now (closed while startup reconciliation has not passed). */
export interface TradingGate {
  /** Why new orders for this venue are refused, or undefined when they are accepted. */
  blockedReason(venueId: string): string | undefined;
}

/** What the execution use cases need from the outside world; wired in src/main.ts. */
export interface ExecutionDeps {
  readonly store: ExecutionStore;
  readonly venues: VenueDirectory;
  readonly newId: () => string;
  readonly now: () => Date;
  /** Price protection for market orders, e.g. 0.02: never fill more than 2% through the reference price. */
  readonly marketSlippage: Decimal;
  /**
   * How long after its last change an order may still be sent (absent: no limit). The reconciler
   * concludes "never seen" from a lookup only after its settle window, so a send must expire at the
   * venue well inside it: half of it, the other half covering the clock difference with the venue.
   */
  readonly submitWindowMs?: number;
  /** Submissions under way in this process: the reconciler leaves their orders alone until recorded. */
  readonly submissions: SubmissionsInFlight;
  readonly tradingGate?: TradingGate;
  /** Told of every submit the venue did not accept (for the /metrics counter). */
  readonly onVenueError?: (venueId: string, errorClass: VenueErrorClass) => void;
}
