import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, ZERO } from '../../src/domain/decimal.ts';
import {
  DRAWDOWN_START,
  NO_EQUITY,
  RATIO_SCALE,
  addEquitySnapshot,
  drawdownOf,
  drawdownStep,
  maxDrawdown,
  tradeStats,
  tradeTotals,
} from '../../src/domain/pnl-stats.ts';

const dec = (values: readonly string[]) => values.map((v) => new Decimal(v));
/** Equity in cents up to 10 million, as an exact decimal. */
const equity = fc.integer({ min: 0, max: 1_000_000_000 }).map((c) => new Decimal(c).div(100));
const series = fc.array(equity, { maxLength: 60 });
/** A trade result in 1e-5 steps, either sign, zero included. */
const result = fc.integer({ min: -10_000_000, max: 10_000_000 }).map((n) => new Decimal(n).div(100_000));

/** The definition over every pair: the largest s[i] - s[j] (and its share of s[i]) for i < j, or zero. */
function bruteForceDrawdown(values: readonly Decimal[]): { amount: Decimal; fraction: Decimal } {
  let amount = ZERO;
  let fraction = ZERO;
  for (let i = 0; i < values.length; i += 1) {
    for (let j = i + 1; j < values.length; j += 1) {
      const fall = values[i]!.minus(values[j]!);
      if (fall.greaterThan(amount)) amount = fall;
      if (values[i]!.greaterThan(0) && fall.div(values[i]!).greaterThan(fraction)) {
        fraction = fall.div(values[i]!);
      }
    }
  }
  return { amount, fraction };
}

describe('maxDrawdown', () => {
  it('measures the largest peak-to-trough fall to the cent, and its percent', () => {
    const dd = maxDrawdown(dec(['10000', '10100', '9595', '10200', '9690', '10300']));
    expect(dd.amount.toFixed()).toBe('510'); // 10200 -> 9690
    expect(dd.peak?.toFixed()).toBe('10200');
    expect(dd.trough?.toFixed()).toBe('9690');
    expect(dd.pct.toFixed()).toBe('5'); // 505/10100 and 510/10200 are both exactly 5%
    expect(dd.points).toBe(6);
  });

  it('keeps the largest amount and the largest percent apart when different falls make them', () => {
    const dd = maxDrawdown(dec(['1000', '800', '5000', '4500']));
    expect(dd.amount.toFixed()).toBe('500'); // 5000 -> 4500 (10%)
    expect(dd.pct.toFixed()).toBe('20'); // 1000 -> 800 (200)
  });

  it('rounds a non-terminating percent half-even to the ratio scale', () => {
    const dd = maxDrawdown(dec(['3', '2']));
    expect(dd.pct.toFixed()).toBe('33.33333333');
    expect(dd.pct.decimalPlaces()).toBe(RATIO_SCALE);
  });

  it('is zero for an empty, a single-point and a flat series', () => {
    for (const values of [[], ['5'], ['7', '7', '7']]) {
      const dd = maxDrawdown(dec(values));
      expect(dd.amount.toFixed()).toBe('0');
      expect(dd.pct.toFixed()).toBe('0');
      expect(dd.peak).toBeUndefined();
    }
  });

  it('equals the quadratic definition', () => {
    fc.assert(
      fc.property(series, (values) => {
        const dd = maxDrawdown(values);
        const expected = bruteForceDrawdown(values);
        expect(dd.amount.toFixed()).toBe(expected.amount.toFixed());
        expect(dd.pct.toFixed()).toBe(
          expected.fraction.mul(100).toDecimalPlaces(RATIO_SCALE, Decimal.ROUND_HALF_EVEN).toFixed(),
        );
      }),
    );
  });

  it('is >= 0, <= the peak, <= max - min, and its percent lies in [0, 100]', () => {
    fc.assert(
      fc.property(series, (values) => {
        const dd = maxDrawdown(values);
        expect(dd.amount.isNegative()).toBe(false);
        if (values.length === 0) return;
        const max = values.reduce((m, v) => (v.greaterThan(m) ? v : m));
        const min = values.reduce((m, v) => (v.lessThan(m) ? v : m));
        expect(dd.amount.lessThanOrEqualTo(max)).toBe(true);
        expect(dd.amount.lessThanOrEqualTo(max.minus(min))).toBe(true);
        expect(dd.pct.greaterThanOrEqualTo(0) && dd.pct.lessThanOrEqualTo(100)).toBe(true);
        if (!dd.amount.isZero()) expect(dd.peak!.minus(dd.trough!).toFixed()).toBe(dd.amount.toFixed());
      }),
    );
  });

  it('is zero for any non-decreasing series', () => {
    fc.assert(
      fc.property(series, (values) => {
        const sorted = [...values].sort((a, b) => a.comparedTo(b));
        const dd = maxDrawdown(sorted);
        expect(dd.amount.toFixed()).toBe('0');
        expect(dd.pct.toFixed()).toBe('0');
      }),
    );
  });

  it('does not change when a new high is appended', () => {
    fc.assert(
      fc.property(series, equity, (values, extra) => {
        const high = values.reduce((m, v) => (v.greaterThan(m) ? v : m), ZERO).plus(extra);
        const before = maxDrawdown(values);
        const after = maxDrawdown([...values, high]);
        expect(after.amount.toFixed()).toBe(before.amount.toFixed());
        expect(after.pct.toFixed()).toBe(before.pct.toFixed());
      }),
    );
  });

  it('never shrinks as points are appended', () => {
    fc.assert(
      fc.property(series, equity, (values, next) => {
        const before = maxDrawdown(values);
        const after = maxDrawdown([...values, next]);
        expect(after.amount.greaterThanOrEqualTo(before.amount)).toBe(true);
        expect(after.pct.greaterThanOrEqualTo(before.pct)).toBe(true);
      }),
    );
  });

  it('keeps its amount when every point shifts by the same constant', () => {
    fc.assert(
      fc.property(series, equity, (values, shift) => {
        const shifted = maxDrawdown(values.map((v) => v.plus(shift)));
        expect(shifted.amount.toFixed()).toBe(maxDrawdown(values).amount.toFixed());
      }),
    );
  });

  it('gives the same answer folded page by page as all at once', () => {
    fc.assert(
      fc.property(series, fc.integer({ min: 1, max: 7 }), (values, pageSize) => {
        let state = DRAWDOWN_START;
        for (let i = 0; i < values.length; i += pageSize) {
          for (const v of values.slice(i, i + pageSize)) state = drawdownStep(state, v);
        }
        expect(drawdownOf(state)).toEqual(maxDrawdown(values));
      }),
    );
  });
});

describe('trade statistics', () => {
  it('derives win rate, averages, profit factor and extremes exactly', () => {
    const stats = tradeStats(tradeTotals(dec(['8.06998', '-5.6951', '12', '0', '-1.3049'])));
    expect(stats).toMatchObject({ count: 5, wins: 2, losses: 2, breakeven: 1 });
    expect(stats.grossProfit.toFixed()).toBe('20.06998');
    expect(stats.grossLoss.toFixed()).toBe('7');
    expect(stats.net.toFixed()).toBe('13.06998');
    expect(stats.winRatePct!.toFixed()).toBe('40');
    expect(stats.averageWin!.toFixed()).toBe('10.03499');
    expect(stats.averageLoss!.toFixed()).toBe('-3.5');
    expect(stats.profitFactor!.toFixed()).toBe('2.86714'); // 20.06998 / 7
    expect(stats.largestWin!.toFixed()).toBe('12');
    expect(stats.largestLoss!.toFixed()).toBe('-5.6951');
  });

  it('rounds a non-terminating ratio half-even to the ratio scale', () => {
    const stats = tradeStats(tradeTotals(dec(['10', '-3'])));
    expect(stats.profitFactor!.toFixed()).toBe('3.33333333');
    const thirds = tradeStats(tradeTotals(dec(['1', '-1', '-1'])));
    expect(thirds.winRatePct!.toFixed()).toBe('33.33333333');
  });

  it('has no ratios without trades and no profit factor without losses', () => {
    const none = tradeStats(tradeTotals([]));
    expect(none).toMatchObject({ count: 0, wins: 0, losses: 0, breakeven: 0 });
    expect(none.winRatePct).toBeUndefined();
    expect(none.averageWin).toBeUndefined();
    expect(none.averageLoss).toBeUndefined();
    expect(none.profitFactor).toBeUndefined();
    expect(none.largestWin).toBeUndefined();
    const allWins = tradeStats(tradeTotals(dec(['1', '2'])));
    expect(allWins.profitFactor).toBeUndefined();
    expect(allWins.winRatePct!.toFixed()).toBe('100');
    expect(allWins.averageLoss).toBeUndefined();
  });

  it('partitions the trades and sums them exactly, whatever the results', () => {
    fc.assert(
      fc.property(fc.array(result, { maxLength: 50 }), (results) => {
        const stats = tradeStats(tradeTotals(results));
        expect(stats.wins + stats.losses + stats.breakeven).toBe(results.length);
        const total = results.reduce((s, r) => s.plus(r), ZERO);
        expect(stats.net.toFixed()).toBe(total.toFixed());
        expect(stats.grossProfit.isNegative()).toBe(false);
        expect(stats.grossLoss.isNegative()).toBe(false);
        if (stats.wins > 0) {
          expect(stats.largestWin!.greaterThanOrEqualTo(stats.averageWin!)).toBe(true);
          expect(stats.averageWin!.greaterThan(0)).toBe(true);
        }
        if (stats.losses > 0) {
          expect(stats.largestLoss!.lessThanOrEqualTo(stats.averageLoss!)).toBe(true);
          expect(stats.averageLoss!.lessThan(0)).toBe(true);
          expect(stats.profitFactor!.isNegative()).toBe(false);
        }
        if (stats.count > 0) {
          expect(stats.winRatePct!.greaterThanOrEqualTo(0) && stats.winRatePct!.lessThanOrEqualTo(100)).toBe(
            true,
          );
        }
      }),
    );
  });

  it('does not depend on the order of the trades', () => {
    fc.assert(
      fc.property(fc.array(result, { maxLength: 30 }), (results) => {
        const forward = tradeStats(tradeTotals(results));
        const backward = tradeStats(tradeTotals([...results].reverse()));
        expect(backward).toEqual(forward);
      }),
    );
  });
});

describe('combined equity of several accounts', () => {
  it('sums the latest snapshot of every account', () => {
    let combined = NO_EQUITY;
    const totals: string[] = [];
    for (const [account, value] of [
      ['spot', '10000'],
      ['futures', '5000'],
      ['spot', '10100'],
      ['futures', '4800'],
    ] as const) {
      combined = addEquitySnapshot(combined, account, new Decimal(value));
      totals.push(combined.total.toFixed());
    }
    expect(totals).toEqual(['10000', '15000', '15100', '14900']);
  });

  it('always equals the sum of each account’s latest figure', () => {
    const snapshot = fc.tuple(fc.constantFrom('a', 'b', 'c'), equity);
    fc.assert(
      fc.property(fc.array(snapshot, { maxLength: 40 }), (snapshots) => {
        let combined = NO_EQUITY;
        const latest = new Map<string, Decimal>();
        for (const [account, value] of snapshots) {
          combined = addEquitySnapshot(combined, account, value);
          latest.set(account, value);
          const sum = [...latest.values()].reduce((s, v) => s.plus(v), ZERO);
          expect(combined.total.toFixed()).toBe(sum.toFixed());
        }
      }),
    );
  });
});
