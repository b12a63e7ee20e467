import { Decimal as DecimalJs } from 'decimal.js';

/**
 * Exact decimal arithmetic for prices, quantities and balances. A dedicated clone so no other module's
 * configuration can change our precision or rounding.
 */
export const Decimal = DecimalJs.clone({
  precision: 50,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -30,
  toExpPos: 40,
});
export type Decimal = InstanceType<typeof Decimal>;

export const ZERO: Decimal = new Decimal(0);
export const ONE: Decimal = new Decimal(1);

const DECIMAL_STRING = /^-?(?:\d+)(?:\.\d+)?$/;

/** Parses a decimal string from the edge; rejects exponents, NaN, Infinity, blanks and stray characters. */
export function parseDecimal(text: string): Decimal | undefined {
  const trimmed = text.trim();
  if (!DECIMAL_STRING.test(trimmed)) return undefined;
  return new Decimal(trimmed);
}

/** Accepts a decimal string, a Decimal, or a JSON number read by its shortest decimal form (0.1 -> "0.1"). */
export function toDecimal(value: string | number | Decimal): Decimal {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
    return new Decimal(String(value));
  }
  if (typeof value === 'string') {
    const parsed = parseDecimal(value);
    if (!parsed) throw new RangeError(`not a decimal: ${JSON.stringify(value)}`);
    return parsed;
  }
  return value;
}

/** Canonical string for storage and the API: no exponent, no trailing zeros. */
export function decimalString(value: Decimal): string {
  return value.toFixed();
}

/** Largest multiple of `step` that is <= value (for value >= 0). A zero step leaves the value unchanged. */
export function floorToStep(value: Decimal, step: Decimal): Decimal {
  if (step.isZero()) return value;
  return value.div(step).floor().mul(step);
}

/** Smallest multiple of `step` that is >= value. */
export function ceilToStep(value: Decimal, step: Decimal): Decimal {
  if (step.isZero()) return value;
  return value.div(step).ceil().mul(step);
}

/** Nearest multiple of `step` (half-even). */
export function roundToStep(value: Decimal, step: Decimal): Decimal {
  if (step.isZero()) return value;
  return value.div(step).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).mul(step);
}

export function isMultipleOf(value: Decimal, step: Decimal): boolean {
  if (step.isZero()) return true;
  return value.mod(step).isZero();
}

export function minDecimal(a: Decimal, b: Decimal): Decimal {
  return a.lessThan(b) ? a : b;
}

export function maxDecimal(a: Decimal, b: Decimal): Decimal {
  return a.greaterThan(b) ? a : b;
}
