import { Decimal, ZERO, ceilToStep, decimalString, floorToStep, roundToStep } from './decimal.ts';
import type { MarketRules } from './market-rules.ts';
import type { Side } from './order-types.ts';
import { type Denial, deny } from './reason-codes.ts';

/**
 * How a signal's size is chosen:
 * - `fixed_quote`: spend `quoteAmount` of the quote asset (notional, before leverage);
 * - `percent_equity`: spend `percent`% of equity as notional (100 = equity; above 100 only on futures);
 * - `risk`: lose `riskPercent`% of equity if the stop loss is hit: quantity = risk / |entry - stop|.
 */
export type SizingMode =
  | { readonly kind: 'fixed_quote'; readonly quoteAmount: Decimal }
  | { readonly kind: 'percent_equity'; readonly percent: Decimal }
  | { readonly kind: 'risk'; readonly riskPercent: Decimal };

export interface SizingInput {
  readonly mode: SizingMode;
  readonly rules: MarketRules;
  readonly side: Side;
  /** The limit price of a limit entry, or the mark for a market entry. */
  readonly entryPrice: Decimal;
  /** Market entries are sized on MARKET_LOT_SIZE; limit entries on LOT_SIZE with the price rounded to tick. */
  readonly atMarket: boolean;
  /** Account equity in the quote asset; needed by `percent_equity` and `risk`. */
  readonly equity: Decimal;
  /** Required by `risk`; optional otherwise. Rounded to the nearest tick. */
  readonly stopLoss?: Decimal;
  /** An explicit take profit, rounded to the nearest tick. Give this or `rewardRisk`, not both. */
  readonly takeProfit?: Decimal;
  /** Reward:risk ratio: take profit = entry +/- rewardRisk x |entry - stop|. Needs a stop loss. */
  readonly rewardRisk?: Decimal;
  /** `risk` mode: taker fee rate paid on entry and on the stop exit, counted in the risk (0.001 = 0.1%). */
  readonly feeRate?: Decimal;
}

export interface SizedOrder {
  readonly kind: 'sized';
  /** Rounded down to the step, so the spend or the risk is never above what was asked. */
  readonly quantity: Decimal;
  /** The entry the figures use: a limit price rounded to tick as preflight will (buy down, sell up). */
  readonly entryPrice: Decimal;
  readonly notional: Decimal;
  readonly stopLoss?: Decimal;
  readonly takeProfit?: Decimal;
  /** What hitting the stop loses: quantity x |entry - stop|, plus entry and exit fees at `feeRate`. */
  readonly riskAmount?: Decimal;
}

const show = decimalString;
const HUNDRED = new Decimal(100);

function positive(value: Decimal): boolean {
  return value.isFinite() && value.isPositive() && !value.isZero();
}

/** Quotients can repeat forever (10 / 3); ten significant digits say enough in a message. */
function brief(value: Decimal): string {
  return show(value.toSignificantDigits(10, Decimal.ROUND_DOWN));
}

function checkMode(input: SizingInput): Denial | undefined {
  const { mode, rules, equity } = input;
  if (mode.kind === 'fixed_quote') {
    if (positive(mode.quoteAmount)) return undefined;
    return deny(
      'INVALID_QUANTITY',
      `fixed_quote sizing needs an amount greater than zero; got ${show(mode.quoteAmount)} ${rules.quoteAsset}. Set the amount of ${rules.quoteAsset} to spend.`,
      { quote_amount: show(mode.quoteAmount) },
    );
  }
  const [name, value, max] =
    mode.kind === 'percent_equity'
      ? [
          'percent_equity',
          mode.percent,
          rules.marketType === 'futures' ? HUNDRED.mul(rules.maxLeverage) : HUNDRED,
        ]
      : ['risk', mode.riskPercent, HUNDRED];
  if (!positive(value) || value.greaterThan(max)) {
    return deny(
      'INVALID_QUANTITY',
      `${name} sizing needs a percentage above 0 and at most ${show(max)}; got ${show(value)}. Choose a percentage of equity in that range.`,
      { percent: show(value), max_percent: show(max) },
    );
  }
  if (!positive(equity)) {
    return deny(
      'INSUFFICIENT_BALANCE',
      `${name} sizing takes a share of equity, and equity is ${show(equity)} ${rules.quoteAsset}. Add funds, or size the order with fixed_quote.`,
      { equity: show(equity) },
    );
  }
  return undefined;
}

function checkPrice(label: string, asked: Decimal, rounded: Decimal, rules: MarketRules): Denial | undefined {
  if (positive(asked) && positive(rounded)) return undefined;
  return deny(
    'INVALID_PRICE',
    `${label} must be greater than zero at tick ${show(rules.tickSize)} for ${rules.symbol}; got ${show(asked)}.`,
    { price: show(asked), tick_size: show(rules.tickSize) },
  );
}

interface Exits {
  readonly stopLoss?: Decimal;
  readonly takeProfit?: Decimal;
  readonly distance?: Decimal;
}

function exits(input: SizingInput, entry: Decimal): Exits | Denial {
  const { rules, side, rewardRisk } = input;
  const long = side === 'buy';
  const lossSide = long ? 'below' : 'above';
  const gainSide = long ? 'above' : 'below';
  if (input.mode.kind === 'risk' && input.stopLoss === undefined) {
    return deny(
      'INVALID_ORDER',
      `risk sizing needs a stop loss: the quantity is the risk divided by the distance to the stop. Set a stop loss ${lossSide} the entry ${show(entry)}, or use fixed_quote or percent_equity sizing.`,
    );
  }
  if (input.takeProfit !== undefined && rewardRisk !== undefined) {
    return deny(
      'INVALID_ORDER',
      'Give a take profit price or a reward:risk ratio, not both. Remove one of them.',
    );
  }
  let stopLoss: Decimal | undefined;
  let distance: Decimal | undefined;
  if (input.stopLoss !== undefined) {
    stopLoss = roundToStep(input.stopLoss, rules.tickSize);
    const denial = checkPrice('Stop loss', input.stopLoss, stopLoss, rules);
    if (denial) return denial;
    if (stopLoss.equals(entry)) {
      return deny(
        'INVALID_ORDER',
        `Stop loss ${show(stopLoss)} equals the entry ${show(entry)} on ${rules.symbol}, so the distance to the stop is zero and nothing can be sized against it. Set the stop loss ${lossSide} ${show(entry)}.`,
        { stop_loss: show(stopLoss), entry_price: show(entry) },
      );
    }
    if (long ? stopLoss.greaterThan(entry) : stopLoss.lessThan(entry)) {
      return deny(
        'INVALID_ORDER',
        `Stop loss ${show(stopLoss)} is ${gainSide} the entry ${show(entry)} of a ${side} on ${rules.symbol}; it must be ${lossSide} the entry to limit the loss of a ${long ? 'long' : 'short'}. Move the stop loss ${lossSide} ${show(entry)}.`,
        { stop_loss: show(stopLoss), entry_price: show(entry) },
      );
    }
    distance = entry.minus(stopLoss).abs();
  }

  let takeProfit: Decimal | undefined;
  if (rewardRisk !== undefined) {
    if (!positive(rewardRisk)) {
      return deny(
        'INVALID_ORDER',
        `Reward:risk ratio must be greater than zero; got ${show(rewardRisk)}. Use e.g. 2 for a take profit twice as far as the stop.`,
        { reward_risk: show(rewardRisk) },
      );
    }
    if (distance === undefined) {
      return deny(
        'INVALID_ORDER',
        `A reward:risk ratio needs a stop loss to measure the risk from. Set a stop loss ${lossSide} the entry, or give the take profit price instead.`,
      );
    }
    const reward = distance.mul(rewardRisk);
    takeProfit = roundToStep(long ? entry.plus(reward) : entry.minus(reward), rules.tickSize);
  } else if (input.takeProfit !== undefined) {
    takeProfit = roundToStep(input.takeProfit, rules.tickSize);
    const denial = checkPrice('Take profit', input.takeProfit, takeProfit, rules);
    if (denial) return denial;
  }
  if (takeProfit !== undefined && (long ? !takeProfit.greaterThan(entry) : !takeProfit.lessThan(entry))) {
    const from = rewardRisk !== undefined ? ` (reward:risk ${show(rewardRisk)})` : '';
    return deny(
      'INVALID_ORDER',
      `Take profit ${show(takeProfit)}${from} is not ${gainSide} the entry ${show(entry)} of a ${side} on ${rules.symbol}, so it could never take a profit. Set it ${gainSide} ${show(entry)}${rewardRisk !== undefined ? ', or use a larger ratio' : ''}.`,
      { take_profit: show(takeProfit), entry_price: show(entry) },
    );
  }
  return {
    ...(stopLoss !== undefined ? { stopLoss } : {}),
    ...(takeProfit !== undefined ? { takeProfit } : {}),
    ...(distance !== undefined ? { distance } : {}),
  };
}

interface Requested {
  readonly quantity: Decimal;
  /** How the quantity came about, for messages. */
  readonly how: string;
}

function requestedQuantity(input: SizingInput, entry: Decimal, exit: Exits): Requested {
  const { mode, rules, equity } = input;
  const q = rules.quoteAsset;
  if (mode.kind === 'fixed_quote') {
    return {
      quantity: mode.quoteAmount.div(entry),
      how: `${show(mode.quoteAmount)} ${q} at ${show(entry)}`,
    };
  }
  if (mode.kind === 'percent_equity') {
    const amount = equity.mul(mode.percent).div(100);
    return {
      quantity: amount.div(entry),
      how: `${show(mode.percent)}% of equity ${show(equity)} ${q} (${show(amount)} ${q}) at ${show(entry)}`,
    };
  }
  const budget = equity.mul(mode.riskPercent).div(100);
  const distance = exit.distance!;
  const feeRate = input.feeRate ?? ZERO;
  const perUnit = distance.plus(feeRate.mul(entry.plus(exit.stopLoss!)));
  const fees = feeRate.isZero() ? '' : ` plus fees`;
  return {
    quantity: budget.div(perUnit),
    how: `risking ${show(mode.riskPercent)}% of equity ${show(equity)} ${q} (${show(budget)} ${q}) over a stop distance of ${show(distance)}${fees}`,
  };
}

/**
 * Sizes an entry from a signal: the quantity from the sizing mode rounded DOWN to the market's step, and
 * the stop loss and take profit rounded to tick and checked to be on the right side of the entry.
 * Pure; the sized order still goes through preflight and the risk rules.
 */
export function sizeOrder(input: SizingInput): SizedOrder | Denial {
  const { rules, side, atMarket } = input;
  const modeDenial = checkMode(input);
  if (modeDenial) return modeDenial;

  // The same rounding preflight applies, so the figures below are the ones that will trade.
  const entry = atMarket
    ? input.entryPrice
    : side === 'buy'
      ? floorToStep(input.entryPrice, rules.tickSize)
      : ceilToStep(input.entryPrice, rules.tickSize);
  const entryDenial = checkPrice('Entry price', input.entryPrice, entry, rules);
  if (entryDenial) return entryDenial;

  const exit = exits(input, entry);
  if ('kind' in exit) return exit;

  const requested = requestedQuantity(input, entry, exit);
  const step = atMarket && !rules.marketStepSize.isZero() ? rules.marketStepSize : rules.stepSize;
  const minQty = atMarket && !rules.marketStepSize.isZero() ? rules.marketMinQty : rules.minQty;
  const maxQty = atMarket && !rules.marketStepSize.isZero() ? rules.marketMaxQty : rules.maxQty;
  const quantity = floorToStep(requested.quantity, step);
  const base = rules.baseAsset;
  const details = {
    quantity: show(quantity),
    requested_quantity: brief(requested.quantity),
    step_size: show(step),
    min_qty: show(minQty),
  };
  const gives = `Sizing ${requested.how} gives ${brief(requested.quantity)} ${base}`;
  const risk = input.mode.kind === 'risk';
  const increase = risk
    ? 'Increase the risk percentage or move the stop loss closer to the entry'
    : 'Increase the amount or percentage';
  const decrease = risk
    ? 'Lower the risk percentage or move the stop loss further from the entry'
    : 'Lower the amount or percentage';
  if (quantity.isZero() || quantity.lessThan(minQty)) {
    const rounded = quantity.isZero()
      ? `rounds to 0 at step ${show(step)}`
      : `rounds to ${show(quantity)} at step ${show(step)}`;
    const minimum = minQty.isZero() ? step : minQty;
    return deny(
      'INVALID_QUANTITY',
      `${gives}, which ${rounded}; the minimum on ${rules.symbol} is ${show(minimum)} ${base}. ${increase}.`,
      details,
    );
  }
  if (!maxQty.isZero() && quantity.greaterThan(maxQty)) {
    return deny(
      'INVALID_QUANTITY',
      `${gives}, above the maximum ${show(maxQty)} ${base} per order on ${rules.symbol}. ${decrease}.`,
      { ...details, max_qty: show(maxQty) },
    );
  }
  const notional = quantity.mul(entry);
  if ((!atMarket || rules.applyMinToMarket) && notional.lessThan(rules.minNotional)) {
    return deny(
      'BELOW_MIN_NOTIONAL',
      `${gives}, rounded to ${show(quantity)} ${base}: notional ${notional.toFixed(2, Decimal.ROUND_DOWN)} is below min notional ${show(rules.minNotional)} for ${rules.symbol}. ${increase}.`,
      { notional: show(notional), min_notional: show(rules.minNotional) },
    );
  }

  let riskAmount: Decimal | undefined;
  if (exit.distance !== undefined && exit.stopLoss !== undefined) {
    const feeRate = input.feeRate ?? ZERO;
    riskAmount = quantity.mul(exit.distance).plus(quantity.mul(entry.plus(exit.stopLoss)).mul(feeRate));
  }
  return {
    kind: 'sized',
    quantity,
    entryPrice: entry,
    notional,
    ...(exit.stopLoss !== undefined ? { stopLoss: exit.stopLoss } : {}),
    ...(exit.takeProfit !== undefined ? { takeProfit: exit.takeProfit } : {}),
    ...(riskAmount !== undefined ? { riskAmount } : {}),
  };
}
