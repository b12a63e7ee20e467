export type Claimed<T> = { readonly claimed: true; readonly value: T } | { readonly claimed: false };

/**
 * Exclusive claims on reconciliation work, across every process that shares the database. A
 * reconciliation step (one order, or one account's adoption scan and comparisons) runs only under its
 * claim, so two processes never look up, resend, adopt or report the same thing at once. A claim ends
 * when its work ends, and with the process that held it (a crashed holder never blocks the others).
 */
export interface ReconcileClaims {
  /** Runs `work` holding `key`; `{ claimed: false }` without running it when someone else holds it. */
  tryWithClaim<T>(key: string, work: () => Promise<T>): Promise<Claimed<T>>;
}
