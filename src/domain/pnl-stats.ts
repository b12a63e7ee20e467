import { Decimal, ZERO } from './decimal.ts';

/**
 * Decimal places kept for figures that are quotients (win rate, averages, profit factor, drawdown
 * percent): they rarely terminate, so they are rounded half-even here and nowhere else. Sums stay exact.
 */
export const RATIO_SCALE = 8;

const HUNDRED = new Decimal(100);

const ratio = (value: Decimal): Decimal => value.toDecimalPlaces(RATIO_SCALE, Decimal.ROUND_HALF_EVEN);

/**
 * What trade statistics are derived from: one pass over the results of closed positions (each result is
 * the position's realized PnL less its fees). The store computes the same figures in SQL.
 */
export interface TradeTotals {
  readonly count: number;
  readonly wins: number;
  readonly losses: number;
  /** Sum of the winning results (>= 0). */
  readonly grossProfit: Decimal;
  /** Sum of the losing results as a positive amount (>= 0). */
  readonly grossLoss: Decimal;
  /** Best winning result; undefined without wins. */
  readonly largestWin?: Decimal;
  /** Worst losing result (negative); undefined without losses. */
  readonly largestLoss?: Decimal;
}

export interface TradeStats extends TradeTotals {
  /** Results of exactly zero: neither a win nor a loss. */
  readonly breakeven: number;
  /** grossProfit - grossLoss: the sum of every result. */
  readonly net: Decimal;
  /** Wins as a percentage of all trades; undefined without trades. */
  readonly winRatePct?: Decimal;
  readonly averageWin?: Decimal;
  /** Mean losing result (negative). */
  readonly averageLoss?: Decimal;
  /** grossProfit / grossLoss; undefined when there is no loss to divide by. */
  readonly profitFactor?: Decimal;
}

export const NO_TRADES: TradeTotals = { count: 0, wins: 0, losses: 0, grossProfit: ZERO, grossLoss: ZERO };

/** Adds one closed position's result to the totals. */
export function addTradeResult(totals: TradeTotals, result: Decimal): TradeTotals {
  const count = totals.count + 1;
  if (result.isPositive() && !result.isZero()) {
    const largestWin =
      totals.largestWin && totals.largestWin.greaterThan(result) ? totals.largestWin : result;
    return {
      ...totals,
      count,
      wins: totals.wins + 1,
      grossProfit: totals.grossProfit.plus(result),
      largestWin,
    };
  }
  if (result.isNegative() && !result.isZero()) {
    const largestLoss =
      totals.largestLoss && totals.largestLoss.lessThan(result) ? totals.largestLoss : result;
    return {
      ...totals,
      count,
      losses: totals.losses + 1,
      grossLoss: totals.grossLoss.minus(result),
      largestLoss,
    };
  }
  return { ...totals, count };
}

export function tradeTotals(results: Iterable<Decimal>): TradeTotals {
  let totals = NO_TRADES;
  for (const result of results) totals = addTradeResult(totals, result);
  return totals;
}

/** The ratios a trader reads: win rate, average win and loss, profit factor. */
export function tradeStats(totals: TradeTotals): TradeStats {
  return {
    ...totals,
    breakeven: totals.count - totals.wins - totals.losses,
    net: totals.grossProfit.minus(totals.grossLoss),
    winRatePct: totals.count === 0 ? undefined : ratio(HUNDRED.mul(totals.wins).div(totals.count)),
    averageWin: totals.wins === 0 ? undefined : ratio(totals.grossProfit.div(totals.wins)),
    averageLoss: totals.losses === 0 ? undefined : ratio(totals.grossLoss.neg().div(totals.losses)),
    profitFactor: totals.grossLoss.isZero() ? undefined : ratio(totals.grossProfit.div(totals.grossLoss)),
  };
}

/**
 * Running state of the peak-to-trough search, so a long equity series can be folded page by page.
 * `amount` and `fraction` are each the largest seen so far: the largest absolute fall and the largest
 * fall relative to its peak need not be the same fall.
 */
export interface DrawdownState {
  readonly points: number;
  readonly peak?: Decimal;
  readonly amount: Decimal;
  /** (peak - value) / peak, unrounded; only peaks above zero count. */
  readonly fraction: Decimal;
  /** The peak and trough of the largest absolute fall. */
  readonly peakOfLargest?: Decimal;
  readonly troughOfLargest?: Decimal;
}

export interface Drawdown {
  readonly points: number;
  /** Largest fall from a running peak to a later value (>= 0). */
  readonly amount: Decimal;
  /** Largest fall relative to its running peak, in percent (0 - 100 for non-negative equity). */
  readonly pct: Decimal;
  readonly peak?: Decimal;
  readonly trough?: Decimal;
}

export const DRAWDOWN_START: DrawdownState = { points: 0, amount: ZERO, fraction: ZERO };

export function drawdownStep(state: DrawdownState, value: Decimal): DrawdownState {
  const points = state.points + 1;
  if (state.peak === undefined || value.greaterThanOrEqualTo(state.peak)) {
    return { ...state, points, peak: value };
  }
  const fall = state.peak.minus(value);
  const largest = fall.greaterThan(state.amount);
  const fraction = state.peak.isPositive() && !state.peak.isZero() ? fall.div(state.peak) : ZERO;
  return {
    points,
    peak: state.peak,
    amount: largest ? fall : state.amount,
    fraction: fraction.greaterThan(state.fraction) ? fraction : state.fraction,
    peakOfLargest: largest ? state.peak : state.peakOfLargest,
    troughOfLargest: largest ? value : state.troughOfLargest,
  };
}

export function drawdownOf(state: DrawdownState): Drawdown {
  return {
    points: state.points,
    amount: state.amount,
    pct: ratio(state.fraction.mul(HUNDRED)),
    peak: state.peakOfLargest,
    trough: state.troughOfLargest,
  };
}

/** Maximum drawdown of an equity series in time order. */
export function maxDrawdown(values: Iterable<Decimal>): Drawdown {
  let state = DRAWDOWN_START;
  for (const value of values) state = drawdownStep(state, value);
  return drawdownOf(state);
}

/**
 * Equity of several accounts as one series: each snapshot replaces its account's last known equity, and
 * the total is the sum of every account's latest figure (an account counts from its first snapshot on).
 */
export interface CombinedEquity {
  readonly byAccount: ReadonlyMap<string, Decimal>;
  readonly total: Decimal;
}

export const NO_EQUITY: CombinedEquity = { byAccount: new Map(), total: ZERO };

export function addEquitySnapshot(
  combined: CombinedEquity,
  accountId: string,
  equity: Decimal,
): CombinedEquity {
  const previous = combined.byAccount.get(accountId) ?? ZERO;
  const byAccount = new Map(combined.byAccount);
  byAccount.set(accountId, equity);
  return { byAccount, total: combined.total.minus(previous).plus(equity) };
}
