/** Stored first responses for `Idempotency-Key` (Stripe semantics). */
export type IdempotencyClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'in_flight' }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'completed'; readonly status: number; readonly body: string };

export interface IdempotencyPort {
  /** Claims the key for this request, or says why not; an expired key is claimed afresh. */
  claim(
    userId: string,
    key: string,
    requestHash: string,
    now: Date,
    ttlMs: number,
  ): Promise<IdempotencyClaim>;
  /** Stores the first response; later requests with the key replay it. */
  complete(userId: string, key: string, status: number, body: string): Promise<void>;
  /** Forgets an in-flight claim whose request failed on our side, so the client can retry. */
  release(userId: string, key: string): Promise<void>;
}
