import type { Decimal } from '../../domain/decimal.ts';
import type { VenueOrderRequest } from '../../execution/venue-port.ts';

/**
 * A working order the store still holds after a restart, handed back to the paper venue so it keeps
 * resting (and filling) where it was.
 */
export interface RestoredOrder extends VenueOrderRequest {
  readonly venueOrderId: string;
  /** Already filled before the restart; only the rest can still fill. */
  readonly filledQuantity: Decimal;
  /** A stop or take-profit that had already triggered and rests as a limit order. */
  readonly triggered?: boolean;
}
