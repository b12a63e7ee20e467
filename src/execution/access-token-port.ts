import type { Principal } from './identity-port.ts';

/** Short-lived signed access tokens (JWT in the adapter). */
export interface AccessTokenPort {
  issue(principal: Principal): Promise<{ readonly token: string; readonly expiresInS: number }>;
  /** The principal the token was issued to; undefined for anything invalid, expired or forged. */
  verify(token: string): Promise<Principal | undefined>;
}
