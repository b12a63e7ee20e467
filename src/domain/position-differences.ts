import type { Decimal } from './decimal.ts';
import type { PositionSide } from './position-math.ts';

/** An open position as one side (our records or the venue) holds it. */
export interface HeldPosition {
  readonly symbol: string;
  readonly side: PositionSide;
  /** Absolute size; zero means flat. */
  readonly quantity: Decimal;
}

/** One symbol where our records and the venue disagree; `undefined` means that side is flat. */
export interface PositionDifference {
  readonly symbol: string;
  readonly ours?: { readonly side: PositionSide; readonly quantity: Decimal };
  readonly venue?: { readonly side: PositionSide; readonly quantity: Decimal };
}

/**
 * Every symbol whose open position differs between our records and the venue's, in side or quantity,
 * sorted by symbol. One position per symbol on each side (USD-M one-way mode; our records keep one live
 * position per symbol); flat positions on both sides are not compared.
 */
export function positionDifferences(
  ours: readonly HeldPosition[],
  venue: readonly HeldPosition[],
): PositionDifference[] {
  const open = (positions: readonly HeldPosition[]) =>
    new Map(positions.filter((p) => !p.quantity.isZero()).map((p) => [p.symbol, p]));
  const mine = open(ours);
  const theirs = open(venue);
  const symbols = [...new Set([...mine.keys(), ...theirs.keys()])].sort();
  const differences: PositionDifference[] = [];
  for (const symbol of symbols) {
    const a = mine.get(symbol);
    const b = theirs.get(symbol);
    if (a && b && a.side === b.side && a.quantity.equals(b.quantity)) continue;
    differences.push({
      symbol,
      ...(a && { ours: { side: a.side, quantity: a.quantity } }),
      ...(b && { venue: { side: b.side, quantity: b.quantity } }),
    });
  }
  return differences;
}
