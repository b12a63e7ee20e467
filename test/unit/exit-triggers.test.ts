import { describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.ts';
import { advanceTrailingAnchor, exitTrigger } from '../../src/domain/exit-triggers.ts';

const d = (v: string) => new Decimal(v);

describe('exit triggers', () => {
  it('long: stop loss at or below, take profit at or above, nothing in between', () => {
    const levels = { side: 'long' as const, stopLoss: d('90'), takeProfit: d('120') };
    expect(exitTrigger(levels, d('90.01'))).toBeUndefined();
    expect(exitTrigger(levels, d('90'))).toBe('stop_loss');
    expect(exitTrigger(levels, d('119.99'))).toBeUndefined();
    expect(exitTrigger(levels, d('120'))).toBe('take_profit');
  });

  it('short: the mirror image', () => {
    const levels = { side: 'short' as const, stopLoss: d('110'), takeProfit: d('80') };
    expect(exitTrigger(levels, d('109.99'))).toBeUndefined();
    expect(exitTrigger(levels, d('110'))).toBe('stop_loss');
    expect(exitTrigger(levels, d('80'))).toBe('take_profit');
  });

  it('trailing stop follows the best price and fires on the retracement', () => {
    const long = { side: 'long' as const, trailingStopPct: d('0.02'), trailingAnchor: d('100') };
    expect(advanceTrailingAnchor(long, d('105'))!.toFixed()).toBe('105');
    expect(advanceTrailingAnchor(long, d('99'))!.toFixed()).toBe('100');
    const moved = { ...long, trailingAnchor: d('105') };
    expect(exitTrigger(moved, d('102.91'))).toBeUndefined();
    expect(exitTrigger(moved, d('102.9'))).toBe('trailing_stop');
    const short = { side: 'short' as const, trailingStopPct: d('0.02'), trailingAnchor: d('100') };
    expect(exitTrigger(short, d('101.99'))).toBeUndefined();
    expect(exitTrigger(short, d('102'))).toBe('trailing_stop');
  });

  it('a gap through both levels counts as the stop loss', () => {
    expect(
      exitTrigger(
        { side: 'long', stopLoss: d('95'), trailingStopPct: d('0.01'), trailingAnchor: d('100') },
        d('90'),
      ),
    ).toBe('stop_loss');
  });
});
