/**
 * Every table that holds a user's data (all under row-level security). A new one belongs here and in
 * src/store/rls.sql; the catalog test in isolation.test.ts fails if the two disagree with the database.
 */
export const USER_OWNED_TABLES: readonly string[] = [
  'users',
  'api_tokens',
  'refresh_tokens',
  'exchange_accounts',
  'balances',
  'orders',
  'fills',
  'positions',
  'execution_audit',
  'order_events',
  'outbox',
  'idempotency_keys',
  'risk_limits',
  'equity_snapshots',
  'signals',
  'webhook_secrets',
  'exchange_keys',
];
