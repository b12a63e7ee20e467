import type { Decimal } from '../domain/decimal.ts';
import type { MarketType } from '../domain/order-types.ts';
import type { RiskLimits } from '../domain/risk-limits.ts';

export type Role = 'user' | 'admin';
export type TokenScope = 'read' | 'trade' | 'admin';

export interface Principal {
  readonly userId: string;
  readonly role: Role;
  readonly scopes: readonly TokenScope[];
}

export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
}

export interface Credentials extends UserRecord {
  readonly passwordHash: string | undefined;
}

export interface ApiTokenRecord {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly TokenScope[];
  readonly createdAt: Date;
  readonly lastUsedAt: Date | undefined;
  readonly revokedAt: Date | undefined;
}

export interface NewRefreshToken {
  readonly id: string;
  readonly userId: string;
  readonly familyId: string;
  readonly tokenHash: string;
  readonly expiresAt: Date;
}

export type RefreshOutcome =
  | { readonly kind: 'rotated'; readonly userId: string; readonly familyId: string }
  /** Unknown, expired, revoked, or reused (a reuse revokes the whole family). */
  | { readonly kind: 'rejected' };

/** Users, API tokens and accounts: who may act, and on what. */
export interface IdentityPort {
  /** Resolves a bearer token (by its hash) to its principal; undefined when unknown or revoked. */
  authenticate(tokenHash: string): Promise<Principal | undefined>;
  countUsers(): Promise<number>;
  /** Stores (or replaces) the hash of the user's inbound-webhook secret. */
  setWebhookSecret(userId: string, secretHash: string, maxLagS: number): Promise<void>;
  webhookSecret(userId: string): Promise<{ secretHash: string; maxLagS: number } | undefined>;
  findUser(userId: string): Promise<UserRecord | undefined>;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  findCredentials(email: string): Promise<Credentials | undefined>;
  createApiToken(userId: string, token: NewApiToken): Promise<ApiTokenRecord>;
  listApiTokens(userId: string): Promise<readonly ApiTokenRecord[]>;
  /** False when the token is not the user's (or already revoked). */
  revokeApiToken(userId: string, tokenId: string, at: Date): Promise<boolean>;
  storeRefreshToken(token: NewRefreshToken): Promise<void>;
  /** Marks the refresh token used, once: a second use is a theft signal and revokes its family. */
  consumeRefreshToken(tokenHash: string, at: Date): Promise<RefreshOutcome>;
  /** Creates the user, its accounts (with opening balances: how paper accounts are funded) and its first
   * API token in one transaction. */
  provision(input: {
    readonly user: UserRecord & { readonly passwordHash?: string };
    readonly accounts: readonly NewAccount[];
    readonly token: NewApiToken;
  }): Promise<void>;
}

export interface NewAccount {
  readonly id: string;
  readonly venue: string;
  readonly marketType: MarketType;
  readonly label: string;
  readonly balances: ReadonlyMap<string, Decimal>;
  /** Limits to start with; without them the defaults apply. */
  readonly riskLimits?: RiskLimits;
}

export interface NewApiToken {
  readonly id: string;
  readonly name: string;
  readonly tokenHash: string;
  readonly scopes: readonly TokenScope[];
}
