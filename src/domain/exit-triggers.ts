import type { Decimal } from './decimal.ts';
import type { PositionSide } from './position-math.ts';

export type ExitReason = 'stop_loss' | 'take_profit' | 'trailing_stop';

export interface ExitLevels {
  readonly side: PositionSide;
  readonly stopLoss?: Decimal;
  readonly takeProfit?: Decimal;
  /** Trailing distance as a fraction of price (0.02 = 2%). */
  readonly trailingStopPct?: Decimal;
  /** Best price seen since the trailing stop was set: highest for a long, lowest for a short. */
  readonly trailingAnchor?: Decimal;
}

/** The best price so far, moved by `mark` when it improves on it (only with a trailing stop). */
export function advanceTrailingAnchor(levels: ExitLevels, mark: Decimal): Decimal | undefined {
  if (!levels.trailingStopPct) return undefined;
  const anchor = levels.trailingAnchor;
  if (!anchor) return mark;
  if (levels.side === 'long') return mark.greaterThan(anchor) ? mark : anchor;
  return mark.lessThan(anchor) ? mark : anchor;
}

/**
 * Which exit, if any, the mark has reached. The stop loss wins when several are reached at once: the
 * conservative reading of a price that gapped through more than one level.
 */
export function exitTrigger(levels: ExitLevels, mark: Decimal): ExitReason | undefined {
  const long = levels.side === 'long';
  if (
    levels.stopLoss &&
    (long ? mark.lessThanOrEqualTo(levels.stopLoss) : mark.greaterThanOrEqualTo(levels.stopLoss))
  ) {
    return 'stop_loss';
  }
  const anchor = advanceTrailingAnchor(levels, mark);
  if (levels.trailingStopPct && anchor) {
    const trigger = long
      ? anchor.mul(levels.trailingStopPct.neg().plus(1))
      : anchor.mul(levels.trailingStopPct.plus(1));
    if (long ? mark.lessThanOrEqualTo(trigger) : mark.greaterThanOrEqualTo(trigger)) return 'trailing_stop';
  }
  if (
    levels.takeProfit &&
    (long ? mark.greaterThanOrEqualTo(levels.takeProfit) : mark.lessThanOrEqualTo(levels.takeProfit))
  ) {
    return 'take_profit';
  }
  return undefined;
}
