import { Decimal, decimalString, parseDecimal } from './decimal.ts';

/**
 * One account's risk limits. A limit that is `undefined` or `null` is off: its rule never denies.
 * Money limits are in the account's valuation asset (USDT); percentages are plain numbers (20 = 20%).
 */
export interface RiskLimits {
  /** Fat-finger guard: the most one order may be worth (quantity x price). */
  readonly maxOrderNotional?: Decimal | null;
  /** The most one symbol may be worth: |position + working orders + this order| at mark. */
  readonly maxPositionNotional?: Decimal | null;
  /** The most all symbols together may be worth: positions + working orders + this order. */
  readonly maxTotalExposure?: Decimal | null;
  /** Dust guard: the least one order must be worth. */
  readonly minOrderNotional?: Decimal | null;
  /** The most the account may lose today (realized + unrealized - fees since 00:00 UTC); positive. */
  readonly dailyLossLimit?: Decimal | null;
  /** The most equity may fall below its peak, in percent (20 = 20%). */
  readonly maxDrawdownPct?: Decimal | null;
  /** Orders that open a position must carry a stop loss. */
  readonly requireStopLoss?: boolean | null;
  /** The furthest a limit price may trade through the mark (or its stop price), in percent. */
  readonly maxPriceDeviationPct?: Decimal | null;
  /** The least time between two accepted orders of the account. */
  readonly minOrderIntervalMs?: number | null;
  /** The most orders the account may place in any 60 seconds. */
  readonly maxOrdersPerMinute?: number | null;
  /** The most working orders the account may have at once. */
  readonly maxOpenOrders?: number | null;
  /** The same symbol, side, quantity and price again within this many seconds is a duplicate. */
  readonly duplicateWindowS?: number | null;
}

/**
 * Defaults for a new account, sized for a 10,000 USDT paper account run by someone who trades actively
 * and wants a mistake to cost little. Every figure can be changed or switched off per account.
 */
export const DEFAULT_RISK_LIMITS: Readonly<Required<RiskLimits>> = Object.freeze({
  // 2.5x equity: room for a leveraged futures entry in one order, while an extra zero typed into the
  // size (100,000+) is refused.
  maxOrderNotional: new Decimal(25000),
  // 3x equity per symbol: a full fat-finger-sized order fits with room to add; no single coin can take
  // the account far past its own size.
  maxPositionNotional: new Decimal(30000),
  // 5x equity across all symbols: at that exposure a 1% adverse move across the book already costs the
  // whole daily loss budget, so more than this is rarely deliberate.
  maxTotalExposure: new Decimal(50000),
  // The lowest NOTIONAL floor on Binance's USDT spot pairs: anything smaller is refused live, so paper
  // refuses it too (DCA slices that small are almost always a misconfigured bot).
  minOrderNotional: new Decimal(5),
  // 5% of equity per day: a bad day is survivable and the account stops adding risk before tilt does.
  dailyLossLimit: new Decimal(500),
  // 20% below the equity peak: the classic point to stop and review a strategy.
  maxDrawdownPct: new Decimal(20),
  // Off: many strategies (DCA, grid) manage exits without a per-order stop; turn on for discretionary use.
  requireStopLoss: false,
  // 5% through the market: a limit buy priced 5% above the mark (or a sell 5% below) is almost always a
  // typo that would fill at once at a bad price. Resting orders away from the market are not affected.
  maxPriceDeviationPct: new Decimal(5),
  // 10 orders per second at most: stops a bot stuck in a loop within one second, above Binance spot's
  // sustained 50 orders per 10 seconds. Bots placing many orders at once must pace them >= 100 ms apart.
  minOrderIntervalMs: 100,
  // 2 per second sustained: ample for grids and DCA, and a runaway loop is stopped within a minute.
  maxOrdersPerMinute: 120,
  // Binance's MAX_NUM_ORDERS per symbol (200), applied to the whole account: a 50-level grid on 4 symbols.
  maxOpenOrders: 200,
  // 5 s: catches double clicks and webhooks (TradingView) delivered twice; a deliberate repeat waits 5 s.
  duplicateWindowS: 5,
});

/** The API's names for the limits (snake_case, as in the JSON bodies and responses). */
export const RISK_LIMIT_FIELDS = {
  max_order_notional: 'maxOrderNotional',
  max_position_notional: 'maxPositionNotional',
  max_total_exposure: 'maxTotalExposure',
  min_order_notional: 'minOrderNotional',
  daily_loss_limit: 'dailyLossLimit',
  max_drawdown_pct: 'maxDrawdownPct',
  require_stop_loss: 'requireStopLoss',
  max_price_deviation_pct: 'maxPriceDeviationPct',
  min_order_interval_ms: 'minOrderIntervalMs',
  max_orders_per_minute: 'maxOrdersPerMinute',
  max_open_orders: 'maxOpenOrders',
  duplicate_window_s: 'duplicateWindowS',
} as const satisfies Record<string, keyof RiskLimits>;
export type RiskLimitField = keyof typeof RISK_LIMIT_FIELDS;

type DecimalKey = {
  [K in keyof RiskLimits]-?: NonNullable<RiskLimits[K]> extends Decimal ? K : never;
}[keyof RiskLimits];
type IntegerKey = {
  [K in keyof RiskLimits]-?: NonNullable<RiskLimits[K]> extends number ? K : never;
}[keyof RiskLimits];

interface DecimalSpec {
  readonly type: 'decimal';
  /** Inclusive upper bound, if any; every decimal limit must be > 0. */
  readonly max?: Decimal;
}
interface IntegerSpec {
  readonly type: 'integer';
  readonly min: number;
  readonly max: number;
}
interface BooleanSpec {
  readonly type: 'boolean';
}

const SPECS: { readonly [F in RiskLimitField]: DecimalSpec | IntegerSpec | BooleanSpec } = {
  max_order_notional: { type: 'decimal' },
  max_position_notional: { type: 'decimal' },
  max_total_exposure: { type: 'decimal' },
  min_order_notional: { type: 'decimal' },
  daily_loss_limit: { type: 'decimal' },
  max_drawdown_pct: { type: 'decimal', max: new Decimal(100) },
  require_stop_loss: { type: 'boolean' },
  max_price_deviation_pct: { type: 'decimal', max: new Decimal(100) },
  min_order_interval_ms: { type: 'integer', min: 1, max: 3_600_000 },
  max_orders_per_minute: { type: 'integer', min: 1, max: 100_000 },
  max_open_orders: { type: 'integer', min: 1, max: 100_000 },
  duplicate_window_s: { type: 'integer', min: 1, max: 86_400 },
};

/** A change to some limits: a field that is absent stays as it is; `null` switches the limit off. */
export type RiskLimitsPatch = { -readonly [K in keyof RiskLimits]?: RiskLimits[K] };

export interface RiskLimitFieldError {
  /** The API name, e.g. `max_order_notional`; `body` when the body itself is wrong. */
  readonly field: string;
  readonly message: string;
}

export type RiskLimitsPatchResult =
  | { readonly kind: 'risk_limits_patch'; readonly patch: RiskLimitsPatch }
  | { readonly kind: 'invalid_risk_limits'; readonly errors: readonly RiskLimitFieldError[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isField(key: string): key is RiskLimitField {
  return Object.prototype.hasOwnProperty.call(RISK_LIMIT_FIELDS, key);
}

function parseDecimalValue(field: string, value: unknown, spec: DecimalSpec): Decimal | RiskLimitFieldError {
  let parsed: Decimal | undefined;
  if (typeof value === 'string') parsed = parseDecimal(value);
  else if (typeof value === 'number' && Number.isFinite(value)) parsed = parseDecimal(String(value));
  if (parsed === undefined) {
    return {
      field,
      message: `${field} must be a decimal string such as "25000" or "2.5", or null to switch it off; got ${JSON.stringify(value)}.`,
    };
  }
  if (!parsed.isPositive() || parsed.isZero()) {
    return {
      field,
      message: `${field} must be greater than 0; got ${decimalString(parsed)}. Use null to switch the limit off.`,
    };
  }
  if (spec.max !== undefined && parsed.greaterThan(spec.max)) {
    return {
      field,
      message: `${field} must be at most ${decimalString(spec.max)}; got ${decimalString(parsed)}. Use null to switch the limit off.`,
    };
  }
  return parsed;
}

function parseIntegerValue(field: string, value: unknown, spec: IntegerSpec): number | RiskLimitFieldError {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) {
    return {
      field,
      message: `${field} must be a whole number from ${spec.min} to ${spec.max}, or null to switch it off; got ${JSON.stringify(value)}.`,
    };
  }
  return value;
}

/**
 * Reads the body of `PUT .../risk-limits`: any subset of the API fields (snake_case), each a value or
 * `null` to switch that limit off (`require_stop_loss: null` means false). Decimals are decimal strings
 * (JSON numbers are read by their shortest decimal form, as for orders), and must be > 0; counts and
 * durations are whole numbers. Unknown fields are errors, so a typo never silently leaves a limit as it
 * was. Every problem is reported at once; nothing is applied unless the whole body is valid. Check the
 * merged result with `validateRiskLimits` (cross-field rules) before storing it.
 */
export function parseRiskLimitsPatch(input: unknown): RiskLimitsPatchResult {
  if (!isRecord(input)) {
    return {
      kind: 'invalid_risk_limits',
      errors: [
        {
          field: 'body',
          message: 'Send a JSON object with the limits to change, e.g. {"max_order_notional": "25000"}.',
        },
      ],
    };
  }
  const errors: RiskLimitFieldError[] = [];
  const patch: RiskLimitsPatch = {};
  for (const [field, value] of Object.entries(input)) {
    if (!isField(field)) {
      errors.push({
        field,
        message: `Unknown risk limit ${field}. Known limits: ${Object.keys(RISK_LIMIT_FIELDS).join(', ')}.`,
      });
      continue;
    }
    const key = RISK_LIMIT_FIELDS[field];
    if (value === null) {
      if (key === 'requireStopLoss') patch.requireStopLoss = false;
      else patch[key] = null;
      continue;
    }
    const spec = SPECS[field];
    if (spec.type === 'boolean') {
      if (typeof value === 'boolean') patch.requireStopLoss = value;
      else errors.push({ field, message: `${field} must be true or false; got ${JSON.stringify(value)}.` });
    } else if (spec.type === 'integer') {
      const parsed = parseIntegerValue(field, value, spec);
      if (typeof parsed === 'number') patch[key as IntegerKey] = parsed;
      else errors.push(parsed);
    } else {
      const parsed = parseDecimalValue(field, value, spec);
      if (Decimal.isDecimal(parsed)) patch[key as DecimalKey] = parsed;
      else errors.push(parsed);
    }
  }
  return errors.length > 0 ? { kind: 'invalid_risk_limits', errors } : { kind: 'risk_limits_patch', patch };
}

/** The limits after a patch: absent fields keep their value, `null` switches a limit off. */
export function applyRiskLimitsPatch(current: RiskLimits, patch: RiskLimitsPatch): RiskLimits {
  return { ...current, ...patch };
}

/** Cross-field rules a merged set of limits must satisfy; an empty list means it may be stored. */
export function validateRiskLimits(limits: RiskLimits): readonly RiskLimitFieldError[] {
  const errors: RiskLimitFieldError[] = [];
  const { minOrderNotional: min, maxOrderNotional: max } = limits;
  if (min != null && max != null && min.greaterThan(max)) {
    errors.push({
      field: 'min_order_notional',
      message: `min_order_notional ${decimalString(min)} is above max_order_notional ${decimalString(max)}, so no order could pass. Lower min_order_notional or raise max_order_notional.`,
    });
  }
  return errors;
}

/** The API view of a set of limits: every field present, decimals as strings, `null` for a limit that is off. */
export function riskLimitsToJson(
  limits: RiskLimits,
): Readonly<Record<RiskLimitField, string | number | boolean | null>> {
  const out = {} as Record<RiskLimitField, string | number | boolean | null>;
  for (const field of Object.keys(RISK_LIMIT_FIELDS) as RiskLimitField[]) {
    const value = limits[RISK_LIMIT_FIELDS[field]];
    if (field === 'require_stop_loss') out[field] = value === true;
    else if (value == null) out[field] = null;
    else out[field] = Decimal.isDecimal(value) ? decimalString(value) : (value as number | boolean);
  }
  return out;
}

/** Every limit off: for accounts whose owner takes risk control elsewhere, and for tests of other behaviour. */
export const NO_RISK_LIMITS: RiskLimits = Object.freeze({ requireStopLoss: false });
