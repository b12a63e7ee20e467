import type { FastifyBaseLogger } from 'fastify';
import type { ExchangeAccountDeps } from '../execution/exchange-accounts.ts';
import type { ExecutionDeps } from '../execution/execution-deps.ts';
import type { IdentityPort } from '../execution/identity-port.ts';
import type { ReadPort } from '../execution/read-port.ts';

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
  readonly health: () => Promise<HealthReport>;
  readonly version: string;
  readonly logger?: FastifyBaseLogger | false;
  /** Live exchange accounts (encrypted keys, ccxt venues); absent: the routes answer 503. */
  readonly exchangeAccounts?: ExchangeAccountDeps;
}
