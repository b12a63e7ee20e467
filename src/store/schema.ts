import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/*
 * Money and quantities are NUMERIC (strings through the driver, Decimal in code). Every user-owned table
 * carries user_id so queries are scoped by it and row-level security can key on it.
 */

const money = (name: string) => numeric(name);
const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

export const users = pgTable('users', {
  id: uuid('id').primaryKey(),
  email: text('email').notNull().unique(),
  role: text('role').notNull().default('user'),
  passwordHash: text('password_hash'),
  /** Last per-user outbox sequence number handed out. */
  eventSeq: bigint('event_seq', { mode: 'number' }).notNull().default(0),
  /** Hash of the newest execution_audit row of this user (the head of the per-user chain). */
  auditHead: text('audit_head').notNull().default(''),
  createdAt: createdAt(),
});

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('api_tokens_hash_uq').on(t.tokenHash), index('api_tokens_user_idx').on(t.userId)],
);

/** Rotating refresh tokens, stored as SHA-256. A reused (already rotated) token revokes its whole family. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_uq').on(t.tokenHash),
    index('refresh_tokens_user_idx').on(t.userId),
  ],
);

export const exchangeAccounts = pgTable(
  'exchange_accounts',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    venue: text('venue').notNull(),
    marketType: text('market_type').notNull(),
    label: text('label').notNull(),
    testnet: boolean('testnet').notNull().default(false),
    tradingState: text('trading_state').notNull().default('ACTIVE'),
    /** Why the account is not ACTIVE (reason code), and whether the next UTC day lifts it. */
    haltReason: text('halt_reason'),
    haltedAt: timestamp('halted_at', { withTimezone: true, mode: 'date' }),
    resumeNextDay: boolean('resume_next_day').notNull().default(false),
    /** Highest equity seen (quote asset), for the drawdown limit. */
    equityPeak: money('equity_peak'),
    createdAt: createdAt(),
  },
  (t) => [index('exchange_accounts_user_idx').on(t.userId)],
);

/**
 * An exchange account's API key, encrypted at rest (see exchange-key-cipher.ts): the credentials under a
 * per-key data key, the data key wrapped by the master key. Nothing here is readable without the master key.
 */
export const exchangeKeys = pgTable(
  'exchange_keys',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => exchangeAccounts.id, { onDelete: 'cascade' }),
    /** ccxt exchange: binance (spot) or binanceusdm (USD-M). */
    exchange: text('exchange').notNull(),
    baseUrl: text('base_url'),
    version: integer('version').notNull().default(1),
    masterKeyId: text('master_key_id').notNull(),
    wrappedDataKey: text('wrapped_data_key').notNull(),
    ciphertext: text('ciphertext').notNull(),
    maskedKey: text('masked_key').notNull(),
    createdAt: createdAt(),
    rotatedAt: timestamp('rotated_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('exchange_keys_account_idx').on(t.accountId),
    index('exchange_keys_user_idx').on(t.userId),
  ],
);

export const balances = pgTable(
  'balances',
  {
    accountId: uuid('account_id')
      .notNull()
      .references(() => exchangeAccounts.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    asset: text('asset').notNull(),
    total: money('total').notNull().default('0'),
    reserved: money('reserved').notNull().default('0'),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.asset] }),
    index('balances_user_idx').on(t.userId),
    check('balances_reserved_nonneg', sql`${t.reserved} >= 0`),
  ],
);

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => exchangeAccounts.id),
    venue: text('venue').notNull(),
    clientOrderId: text('client_order_id').notNull(),
    venueOrderId: text('venue_order_id'),
    source: text('source').notNull(),
    symbol: text('symbol').notNull(),
    marketType: text('market_type').notNull(),
    side: text('side').notNull(),
    type: text('type').notNull(),
    timeInForce: text('time_in_force').notNull(),
    quantity: money('quantity').notNull(),
    price: money('price'),
    stopPrice: money('stop_price'),
    protectionPrice: money('protection_price'),
    /** Exits to attach to the position this order opens. */
    stopLoss: money('stop_loss'),
    takeProfit: money('take_profit'),
    leverage: integer('leverage').notNull().default(1),
    reduceOnly: boolean('reduce_only').notNull().default(false),
    status: text('status').notNull(),
    filledQuantity: money('filled_quantity').notNull().default('0'),
    averagePrice: money('average_price'),
    fees: money('fees').notNull().default('0'),
    reserveAsset: text('reserve_asset').notNull(),
    /** What is still reserved for this order in reserve_asset; zero once final. */
    reservedRemaining: money('reserved_remaining').notNull().default('0'),
    requestHash: text('request_hash').notNull(),
    reasonCode: text('reason_code'),
    message: text('message'),
    botId: uuid('bot_id'),
    copySetupId: uuid('copy_setup_id'),
    signalId: text('signal_id'),
    positionId: uuid('position_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('orders_account_client_uq').on(t.accountId, t.clientOrderId),
    index('orders_user_created_idx').on(t.userId, t.createdAt),
    index('orders_status_idx').on(t.status),
  ],
);

export const fills = pgTable(
  'fills',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => exchangeAccounts.id),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id),
    venueTradeId: text('venue_trade_id').notNull(),
    symbol: text('symbol').notNull(),
    side: text('side').notNull(),
    price: money('price').notNull(),
    quantity: money('quantity').notNull(),
    fee: money('fee').notNull(),
    feeAsset: text('fee_asset').notNull(),
    feeInQuote: money('fee_in_quote').notNull(),
    liquidity: text('liquidity').notNull(),
    realizedPnl: money('realized_pnl').notNull().default('0'),
    executedAt: timestamp('executed_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('fills_account_trade_uq').on(t.accountId, t.venueTradeId),
    index('fills_order_idx').on(t.orderId),
    index('fills_user_idx').on(t.userId, t.executedAt),
  ],
);

export const positions = pgTable(
  'positions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => exchangeAccounts.id),
    symbol: text('symbol').notNull(),
    marketType: text('market_type').notNull(),
    /** long | short (spot positions are always long inventory). */
    side: text('side').notNull(),
    status: text('status').notNull(),
    quantity: money('quantity').notNull().default('0'),
    entryPrice: money('entry_price').notNull().default('0'),
    costBasis: money('cost_basis').notNull().default('0'),
    leverage: integer('leverage').notNull().default(1),
    /** Isolated margin held for a futures position (part of the quote balance's reserved amount). */
    margin: money('margin').notNull().default('0'),
    liquidationPrice: money('liquidation_price'),
    realizedPnl: money('realized_pnl').notNull().default('0'),
    fees: money('fees').notNull().default('0'),
    stopLoss: money('stop_loss'),
    takeProfit: money('take_profit'),
    /** Trailing stop distance as a fraction (0.02 = 2%) and the best price seen since it was set. */
    trailingStopPct: money('trailing_stop_pct'),
    trailingAnchor: money('trailing_anchor'),
    signalId: text('signal_id'),
    botId: uuid('bot_id'),
    openedAt: timestamp('opened_at', { withTimezone: true, mode: 'date' }),
    closedAt: timestamp('closed_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('positions_user_idx').on(t.userId),
    uniqueIndex('positions_one_live_per_symbol_uq')
      .on(t.accountId, t.symbol, t.marketType)
      .where(sql`status NOT IN ('CLOSED', 'FAILED')`),
  ],
);

export const executionAudit = pgTable(
  'execution_audit',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    accountId: uuid('account_id'),
    orderId: uuid('order_id'),
    source: text('source').notNull(),
    status: text('status').notNull(),
    reasonCode: text('reason_code'),
    message: text('message').notNull(),
    symbol: text('symbol'),
    side: text('side'),
    minNotional: money('min_notional'),
    availableBalance: money('available_balance'),
    requiredBalance: money('required_balance'),
    requestPayload: jsonb('request_payload').notNull(),
    venueResponse: jsonb('venue_response'),
    exchangeOrderId: text('exchange_order_id'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('execution_audit_user_idx').on(t.userId, t.id),
    index('execution_audit_user_source_idx').on(t.userId, t.source, t.id),
    index('execution_audit_order_idx').on(t.orderId),
  ],
);

export const orderEvents = pgTable(
  'order_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    kind: text('kind').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    attempt: integer('attempt').notNull().default(0),
    detail: jsonb('detail'),
    createdAt: createdAt(),
  },
  (t) => [index('order_events_order_idx').on(t.orderId, t.id)],
);

export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    topic: text('topic').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: createdAt(),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('outbox_user_seq_uq').on(t.userId, t.seq),
    index('outbox_unpublished_idx')
      .on(t.id)
      .where(sql`published_at IS NULL`),
  ],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    /** in_flight until the first response is stored. */
    state: text('state').notNull(),
    responseStatus: integer('response_status'),
    responseBody: text('response_body'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);

export const riskLimits = pgTable('risk_limits', {
  accountId: uuid('account_id')
    .primaryKey()
    .references(() => exchangeAccounts.id),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id),
  maxOrderNotional: money('max_order_notional'),
  maxPositionNotional: money('max_position_notional'),
  maxTotalExposure: money('max_total_exposure'),
  minOrderNotional: money('min_order_notional'),
  dailyLossLimit: money('daily_loss_limit'),
  maxDrawdownPct: money('max_drawdown_pct'),
  requireStopLoss: boolean('require_stop_loss').notNull().default(false),
  maxPriceDeviationPct: money('max_price_deviation_pct'),
  minOrderIntervalMs: integer('min_order_interval_ms'),
  maxOrdersPerMinute: integer('max_orders_per_minute'),
  maxOpenOrders: integer('max_open_orders'),
  duplicateWindowS: integer('duplicate_window_s'),
  updatedAt: updatedAt(),
});

export const equitySnapshots = pgTable(
  'equity_snapshots',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => exchangeAccounts.id),
    equity: money('equity').notNull(),
    realizedPnl: money('realized_pnl').notNull(),
    unrealizedPnl: money('unrealized_pnl').notNull(),
    takenAt: timestamp('taken_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('equity_snapshots_account_idx').on(t.accountId, t.takenAt)],
);

export const signals = pgTable(
  'signals',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    /** The sender's id: a signal id is processed once per user. */
    signalId: text('signal_id').notNull(),
    accountId: uuid('account_id'),
    symbol: text('symbol').notNull(),
    side: text('side').notNull(),
    decision: text('decision').notNull(),
    status: text('status').notNull(),
    stopLoss: money('stop_loss'),
    takeProfit: money('take_profit'),
    sizing: jsonb('sizing'),
    positionId: uuid('position_id'),
    orderId: uuid('order_id'),
    reasonCode: text('reason_code'),
    message: text('message'),
    source: text('source').notNull().default('api'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('signals_user_signal_uq').on(t.userId, t.signalId),
    index('signals_position_idx').on(t.positionId),
  ],
);

export const webhookSecrets = pgTable('webhook_secrets', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id),
  /** SHA-256 of the secret; the secret itself is shown once. */
  secretHash: text('secret_hash').notNull(),
  maxLagS: integer('max_lag_s').notNull().default(60),
  createdAt: createdAt(),
});
