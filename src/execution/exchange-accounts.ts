import { AppError } from '../domain/app-error.ts';
import type { Decimal } from '../domain/decimal.ts';
import type { MarketType } from '../domain/order-types.ts';
import type { VenuePort } from './venue-port.ts';

/** The ccxt exchanges a live account can use, and the market type each trades. */
export const LIVE_EXCHANGES = { binance: 'spot', binanceusdm: 'futures' } as const satisfies Record<
  string,
  MarketType
>;
export type LiveExchange = keyof typeof LIVE_EXCHANGES;

export interface ExchangeCredentials {
  readonly apiKey: string;
  readonly apiSecret: string;
}

/** Credentials as stored: opaque to everything but the key vault. */
export interface SealedCredentials {
  readonly masterKeyId: string;
  readonly wrappedDataKey: string;
  readonly ciphertext: string;
}

export interface KeyBinding {
  readonly userId: string;
  readonly keyId: string;
  readonly version: number;
}

/** Encrypts and decrypts exchange credentials under the master key (AES-256-GCM, envelope encryption). */
export interface KeyVault {
  seal(binding: KeyBinding, credentials: ExchangeCredentials): SealedCredentials;
  open(binding: KeyBinding, sealed: SealedCredentials): ExchangeCredentials;
}

export interface ExchangeAccountView {
  readonly accountId: string;
  readonly userId: string;
  readonly keyId: string;
  readonly exchange: LiveExchange;
  readonly venue: string;
  readonly marketType: MarketType;
  readonly label: string;
  readonly baseUrl?: string;
  readonly maskedKey: string;
  readonly version: number;
  readonly createdAt: Date;
}

export interface StoredExchangeKey extends ExchangeAccountView {
  readonly sealed: SealedCredentials;
}

export interface ExchangeAccountStore {
  createExchangeAccount(input: {
    readonly view: Omit<ExchangeAccountView, 'createdAt'>;
    readonly sealed: SealedCredentials;
    readonly balances: ReadonlyMap<string, Decimal>;
  }): Promise<void>;
  listExchangeAccounts(userId: string): Promise<readonly ExchangeAccountView[]>;
  /** Every stored key, across users: the venues to register at startup. */
  allExchangeKeys(): Promise<readonly StoredExchangeKey[]>;
  countOpenOrders(accountId: string): Promise<number>;
  /** Destroys the key (the credentials are gone); the account and its history stay. */
  deleteExchangeKey(userId: string, accountId: string): Promise<boolean>;
}

export interface ConnectedVenue {
  readonly venue: VenuePort;
  /** The account's balances at the venue: how a new live account's ledger is opened. */
  balances(): Promise<ReadonlyMap<string, Decimal>>;
  close(): Promise<void>;
}

export interface ExchangeAccountDeps {
  readonly store: ExchangeAccountStore;
  readonly vault: KeyVault;
  readonly newId: () => string;
  /** Builds and starts a live venue port for the credentials (validates them against the venue). */
  connect(spec: {
    readonly venueId: string;
    readonly exchange: LiveExchange;
    readonly baseUrl?: string;
    readonly credentials: ExchangeCredentials;
  }): Promise<ConnectedVenue>;
  /** Makes the venue usable for orders (venue map, order tracker, reconciler). */
  register(connected: ConnectedVenue): Promise<void>;
  unregister(venueId: string): Promise<void>;
}

/** Each live account has its own VenuePort: `<exchange>:<account id>`. */
export function liveVenueId(exchange: LiveExchange, accountId: string): string {
  return `${exchange}:${accountId}`;
}

/** Creates a live exchange account: checks the key at the venue, opens the ledger from its balances. */
export async function createExchangeAccount(
  deps: ExchangeAccountDeps,
  userId: string,
  input: {
    readonly exchange: LiveExchange;
    readonly baseUrl?: string;
    readonly credentials: ExchangeCredentials;
    readonly label?: string;
  },
): Promise<ExchangeAccountView> {
  const accountId = deps.newId();
  const keyId = deps.newId();
  const venueId = liveVenueId(input.exchange, accountId);
  let connected: ConnectedVenue;
  let balances: ReadonlyMap<string, Decimal>;
  try {
    connected = await deps.connect({
      venueId,
      exchange: input.exchange,
      ...(input.baseUrl !== undefined && { baseUrl: input.baseUrl }),
      credentials: input.credentials,
    });
  } catch (error) {
    throw new AppError(
      'VENUE_UNAVAILABLE',
      `Could not load markets from ${input.exchange}: ${error instanceof Error ? error.message : 'unknown error'}. Check base_url.`,
    );
  }
  try {
    balances = await connected.balances();
  } catch (error) {
    await connected.close();
    throw new AppError(
      'UNPROCESSABLE',
      `${input.exchange} refused the API key (${error instanceof Error ? error.message : 'unknown error'}). Check the key, the secret and their permissions.`,
    );
  }
  const marketType = LIVE_EXCHANGES[input.exchange];
  const version = 1;
  const view = {
    accountId,
    userId,
    keyId,
    exchange: input.exchange,
    venue: venueId,
    marketType,
    label: input.label ?? `${input.exchange} ${marketType}`,
    ...(input.baseUrl !== undefined && { baseUrl: input.baseUrl }),
    maskedKey: maskApiKey(input.credentials.apiKey),
    version,
  };
  const sealed = deps.vault.seal({ userId, keyId, version }, input.credentials);
  await deps.store.createExchangeAccount({ view, sealed, balances });
  await deps.register(connected);
  return { ...view, createdAt: new Date() };
}

/** Removes the key and the venue; refused while the account has working orders (cancel them first). */
export async function deleteExchangeAccount(
  deps: ExchangeAccountDeps,
  userId: string,
  accountId: string,
): Promise<void> {
  const account = (await deps.store.listExchangeAccounts(userId)).find((a) => a.accountId === accountId);
  if (!account) throw new AppError('NOT_FOUND', `Exchange account ${accountId} not found.`);
  const open = await deps.store.countOpenOrders(accountId);
  if (open > 0) {
    throw new AppError(
      'CONFLICT',
      `Exchange account ${accountId} has ${open} working order(s). Cancel them (or use the kill switch) before removing the key.`,
      { working_orders: open },
    );
  }
  await deps.unregister(account.venue);
  await deps.store.deleteExchangeKey(userId, accountId);
}

/** Opens every stored key and registers its venue; a key that fails is reported, the rest still start. */
export async function restoreExchangeAccounts(
  deps: ExchangeAccountDeps,
  onFailure: (venueId: string, message: string) => void,
): Promise<number> {
  let started = 0;
  for (const key of await deps.store.allExchangeKeys()) {
    try {
      const credentials = deps.vault.open(
        { userId: key.userId, keyId: key.keyId, version: key.version },
        key.sealed,
      );
      const connected = await deps.connect({
        venueId: key.venue,
        exchange: key.exchange,
        ...(key.baseUrl !== undefined && { baseUrl: key.baseUrl }),
        credentials,
      });
      await deps.register(connected);
      started += 1;
    } catch (error) {
      onFailure(key.venue, error instanceof Error ? error.message : 'unknown error');
    }
  }
  return started;
}

/** `abcd…wxyz`: enough to recognise a key, never enough to use it. */
export function maskApiKey(apiKey: string): string {
  return apiKey.length <= 12 ? '…' : `${apiKey.slice(0, 4)}…${apiKey.slice(-4)}`;
}
