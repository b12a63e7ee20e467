import type { FastifyBaseLogger } from 'fastify';
import type { AccessTokenPort } from '../execution/access-token-port.ts';
import type { ExchangeAccountDeps } from '../execution/exchange-accounts.ts';
import type { ExecutionDeps } from '../execution/execution-deps.ts';
import type { EventFeedPort } from '../execution/event-feed-port.ts';
import type { IdempotencyPort } from '../execution/idempotency-port.ts';
import type { IdentityPort } from '../execution/identity-port.ts';
import type { PnlReadPort } from '../execution/pnl-read-port.ts';
import type { ReadPort } from '../execution/read-port.ts';
import type { StreamOptions } from './stream-gateway.ts';

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly database: { readonly status: 'up' | 'down'; readonly kind: string };
  readonly venues: readonly { readonly venue: string; readonly status: string; readonly detail?: string }[];
}

/** Everything the HTTP adapter needs; built by src/main.ts (or a test). */
export interface AppDeps {
  readonly execution: ExecutionDeps;
  readonly read: ReadPort;
  readonly identity: IdentityPort;
  readonly pnl: PnlReadPort;
  readonly accessTokens: AccessTokenPort;
  readonly idempotency: IdempotencyPort;
  readonly events: EventFeedPort;
  readonly streamOptions?: StreamOptions;
  /** Requests per user (or per IP before sign-in) per minute. */
  readonly rateLimitPerMinute?: number;
  readonly health: () => Promise<HealthReport>;
  /** Told of every error that ends in a 500 (Sentry when SENTRY_DSN is set). */
  readonly reportError?: (error: unknown) => void;
  readonly version: string;
  readonly logger?: FastifyBaseLogger | false;
  /** Live exchange accounts (encrypted keys, ccxt venues); absent: the routes answer 503. */
  readonly exchangeAccounts?: ExchangeAccountDeps;
}
