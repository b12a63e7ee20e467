/**
 * Why an attempt was SKIPPED or FAILED. One list for the whole product: audit rows, API responses and
 * metrics all use these codes.
 */
export const REASON_CODES = [
  // preflight (market rules)
  'UNKNOWN_SYMBOL',
  'SYMBOL_NOT_TRADING',
  'INVALID_QUANTITY',
  'INVALID_PRICE',
  'BELOW_MIN_NOTIONAL',
  'ABOVE_MAX_NOTIONAL',
  'PRICE_OUT_OF_BAND',
  'LEVERAGE_OUT_OF_RANGE',
  'INSUFFICIENT_BALANCE',
  'NO_MARKET_PRICE',
  'MAX_NUM_ORDERS',
  'INVALID_ORDER',
  // account state
  'ACCOUNT_NOT_FOUND',
  'TRADING_HALTED',
  'REDUCE_ONLY_MODE',
  'NO_POSITION_TO_REDUCE',
  // risk (account rules, risk-rules.ts)
  'MAX_ORDER_NOTIONAL',
  'MAX_POSITION_NOTIONAL',
  'MAX_EXPOSURE',
  'BELOW_MIN_ORDER_NOTIONAL',
  'DAILY_LOSS_LIMIT',
  'MAX_DRAWDOWN',
  'STOP_LOSS_REQUIRED',
  'PRICE_DEVIATION',
  'ORDER_RATE_LIMIT',
  'MAX_OPEN_ORDERS',
  'DUPLICATE_ORDER',
  // venue outcome
  'EXCHANGE_ERROR',
  'OUTCOME_UNKNOWN',
  'ORDER_EXPIRED',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/**
 * A check's refusal. It is data, not an exception: the pipeline records it as a SKIPPED audit row and
 * answers with it. `message` tells the user what to do about it.
 */
export interface Denial {
  readonly kind: 'denial';
  readonly code: ReasonCode;
  readonly message: string;
  /** Figures that explain the denial (min notional, available and required balance, ...), as decimal strings. */
  readonly details?: Readonly<Record<string, string>>;
}

export function deny(code: ReasonCode, message: string, details?: Record<string, string>): Denial {
  return details ? { kind: 'denial', code, message, details } : { kind: 'denial', code, message };
}

export function isDenial(value: unknown): value is Denial {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'denial';
}
