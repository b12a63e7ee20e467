import type { AccountRecord, PositionRecord } from './store-port.ts';

/** Cross-user reads for the background monitors (not scoped to one user: workers act for everyone). */
export interface MonitorQueries {
  /** Live positions that carry a stop loss, take profit or trailing stop. */
  positionsWithExits(): Promise<readonly PositionRecord[]>;
  /** Accounts with something to value: a live position or a balance. */
  accountsToValue(): Promise<readonly AccountRecord[]>;
}
