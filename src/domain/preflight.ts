import { ONE, ZERO, Decimal, ceilToStep, decimalString, floorToStep, roundToStep } from './decimal.ts';
import type { MarketRules } from './market-rules.ts';
import type { MarketType, OrderType, Side, TimeInForce } from './order-types.ts';
import { type Denial, deny, isDenial } from './reason-codes.ts';

export interface PreflightInput {
  readonly rules: MarketRules | undefined;
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly side: Side;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly quantity?: Decimal;
  readonly quoteQuantity?: Decimal;
  readonly price?: Decimal;
  readonly stopPrice?: Decimal;
  readonly leverage?: number;
  readonly reduceOnly: boolean;
  readonly markPrice: Decimal | undefined;
  readonly takerFeeRate: Decimal;
  /** Protection band for orders that execute at market, e.g. 0.02 = at most 2% worse than the reference. */
  readonly marketSlippage: Decimal;
}

/** An order that passed every market rule, with its figures rounded to what the venue will accept. */
export interface OrderPlan {
  readonly kind: 'order_plan';
  readonly rules: MarketRules;
  readonly quantity: Decimal;
  readonly price?: Decimal;
  readonly stopPrice?: Decimal;
  /** Worst price a market-executing order may fill at; also what its reservation is priced at. */
  readonly protectionPrice?: Decimal;
  readonly referencePrice: Decimal;
  readonly notional: Decimal;
  readonly leverage: number;
  readonly reserveAsset: string;
  readonly reserveAmount: Decimal;
}

/** Binance asset precision: reservations are rounded up to it so they never fall short of the cost. */
const RESERVE_DECIMALS = 8;

const show = decimalString;

/** Orders that fill at whatever the book offers once live: MARKET_LOT_SIZE and the slippage band apply. */
function executesAtMarket(type: OrderType, price: Decimal | undefined): boolean {
  return type === 'market' || type === 'stop_market' || (type === 'take_profit' && price === undefined);
}

function checkShape(input: PreflightInput, rules: MarketRules): Denial | undefined {
  const { quantity, quoteQuantity, price, stopPrice, type, symbol } = input;
  if (quantity !== undefined && quoteQuantity !== undefined) {
    return deny(
      'INVALID_ORDER',
      `Give either a quantity (${rules.baseAsset}) or a quote quantity (${rules.quoteAsset}) for ${symbol}, not both.`,
    );
  }
  if (quantity === undefined && quoteQuantity === undefined) {
    return deny(
      'INVALID_QUANTITY',
      `No size given for ${symbol}. Set a quantity in ${rules.baseAsset} or a quote quantity in ${rules.quoteAsset}.`,
    );
  }
  const size = quantity ?? quoteQuantity!;
  if (!size.isFinite() || !size.isPositive() || size.isZero()) {
    const field = quantity !== undefined ? 'Quantity' : 'Quote quantity';
    return deny('INVALID_QUANTITY', `${field} must be greater than zero; got ${show(size)}.`, {
      [quantity !== undefined ? 'quantity' : 'quote_quantity']: show(size),
    });
  }

  const needsPrice = type === 'limit' || type === 'stop_limit';
  const needsStop = type === 'stop_market' || type === 'stop_limit' || type === 'take_profit';
  if (needsPrice && price === undefined) {
    return deny('INVALID_PRICE', `A ${type} order needs a price. Set a price, or use a market order.`);
  }
  if (needsStop && stopPrice === undefined) {
    return deny('INVALID_PRICE', `A ${type} order needs a stop price. Set the price that should trigger it.`);
  }
  // A price the venue would ignore is a silent surprise; refuse it instead.
  if (price !== undefined && (type === 'market' || type === 'stop_market')) {
    return deny(
      'INVALID_ORDER',
      `A ${type} order takes no price. Remove the price, or use a ${type === 'market' ? 'limit' : 'stop_limit'} order.`,
    );
  }
  if (stopPrice !== undefined && !needsStop) {
    return deny(
      'INVALID_ORDER',
      `A ${type} order takes no stop price. Remove it, or use a stop_market, stop_limit or take_profit order.`,
    );
  }
  for (const [label, value] of [
    ['Price', price],
    ['Stop price', stopPrice],
  ] as const) {
    if (value !== undefined && (!value.isFinite() || !value.isPositive() || value.isZero())) {
      return deny('INVALID_PRICE', `${label} must be greater than zero; got ${show(value)}.`);
    }
  }
  return undefined;
}

function checkLeverage(input: PreflightInput, rules: MarketRules): number | Denial {
  const { leverage, symbol } = input;
  if (input.marketType === 'spot') {
    if (leverage === undefined || leverage === 1) return 1;
    return deny(
      'LEVERAGE_OUT_OF_RANGE',
      `Leverage ${leverage} is not available on spot ${symbol}; spot trades at 1x. Remove the leverage or trade futures.`,
      { leverage: String(leverage), min_leverage: '1', max_leverage: '1' },
    );
  }
  const chosen = leverage ?? 1;
  if (Number.isInteger(chosen) && chosen >= 1 && chosen <= rules.maxLeverage) return chosen;
  return deny(
    'LEVERAGE_OUT_OF_RANGE',
    `Leverage ${chosen} is outside the allowed range 1-${rules.maxLeverage} for ${symbol}. Choose a whole number from 1 to ${rules.maxLeverage}.`,
    { leverage: String(chosen), min_leverage: '1', max_leverage: String(rules.maxLeverage) },
  );
}

function checkPriceLimits(
  label: string,
  asked: Decimal,
  rounded: Decimal,
  rules: MarketRules,
): Denial | undefined {
  const { symbol, tickSize, minPrice, maxPrice } = rules;
  const details = {
    price: show(asked),
    rounded_price: show(rounded),
    tick_size: show(tickSize),
    min_price: show(minPrice),
    max_price: show(maxPrice),
  };
  if (rounded.isZero()) {
    return deny(
      'INVALID_PRICE',
      `${label} ${show(asked)} rounds to 0 at tick ${show(tickSize)} for ${symbol}. Use at least ${show(minPrice.isZero() ? tickSize : minPrice)}.`,
      details,
    );
  }
  if (rounded.lessThan(minPrice)) {
    return deny(
      'INVALID_PRICE',
      `${label} ${show(rounded)} is below the minimum price ${show(minPrice)} for ${symbol}. Raise the price.`,
      details,
    );
  }
  if (!maxPrice.isZero() && rounded.greaterThan(maxPrice)) {
    return deny(
      'INVALID_PRICE',
      `${label} ${show(rounded)} is above the maximum price ${show(maxPrice)} for ${symbol}. Lower the price.`,
      details,
    );
  }
  return undefined;
}

interface LotRules {
  readonly step: Decimal;
  readonly min: Decimal;
  readonly max: Decimal;
  readonly label: string;
}

function lotRules(rules: MarketRules, atMarket: boolean): LotRules {
  return atMarket
    ? { step: rules.marketStepSize, min: rules.marketMinQty, max: rules.marketMaxQty, label: 'market orders' }
    : { step: rules.stepSize, min: rules.minQty, max: rules.maxQty, label: 'limit orders' };
}

function sizeQuantity(
  input: PreflightInput,
  rules: MarketRules,
  lot: LotRules,
  reference: Decimal,
): Decimal | Denial {
  const { symbol } = input;
  const fromQuote = input.quantity === undefined;
  // Quote-derived quantities can repeat forever (10 / 3); ten significant digits say enough in a message.
  const requested = input.quantity ?? input.quoteQuantity!.div(reference);
  const requestedShown = fromQuote ? requested.toSignificantDigits(10, Decimal.ROUND_DOWN) : requested;
  const requestedText = fromQuote
    ? `Quote quantity ${show(input.quoteQuantity!)} ${rules.quoteAsset} at ${show(reference)} is ${show(requestedShown)} ${rules.baseAsset}, which`
    : `Quantity ${show(requested)}`;
  const quantity = floorToStep(requested, lot.step);
  const details = {
    quantity: show(quantity),
    requested_quantity: show(requestedShown),
    step_size: show(lot.step),
    min_qty: show(lot.min),
    max_qty: show(lot.max),
  };
  if (quantity.isZero()) {
    return deny(
      'INVALID_QUANTITY',
      `${requestedText} rounds to 0 at step ${show(lot.step)} for ${symbol}; minimum is ${show(lot.min.isZero() ? lot.step : lot.min)}. Increase the quantity.`,
      details,
    );
  }
  if (quantity.lessThan(lot.min)) {
    const sized = quantity.equals(requested)
      ? `Quantity ${show(quantity)} is`
      : `${requestedText} rounds to ${show(quantity)},`;
    return deny(
      'INVALID_QUANTITY',
      `${sized} below the minimum ${show(lot.min)} for ${lot.label} on ${symbol}. Increase the quantity.`,
      details,
    );
  }
  if (!lot.max.isZero() && quantity.greaterThan(lot.max)) {
    return deny(
      'INVALID_QUANTITY',
      `Quantity ${show(quantity)} is above the maximum ${show(lot.max)} for ${lot.label} on ${symbol}. Reduce the quantity or split the order.`,
      details,
    );
  }
  return quantity;
}

function checkNotional(
  input: PreflightInput,
  rules: MarketRules,
  notional: Decimal,
  atMarket: boolean,
): Denial | undefined {
  const { symbol } = input;
  const minApplies = !atMarket || rules.applyMinToMarket;
  if (minApplies && notional.lessThan(rules.minNotional)) {
    // Truncated for display so a notional of 4.999 never reads as "5.00 below min notional 5".
    return deny(
      'BELOW_MIN_NOTIONAL',
      `Notional ${notional.toFixed(2, Decimal.ROUND_DOWN)} below min notional ${show(rules.minNotional)} for ${symbol}. Increase size or add funds.`,
      { notional: show(notional), min_notional: show(rules.minNotional) },
    );
  }
  if (rules.maxNotional !== undefined && notional.greaterThan(rules.maxNotional)) {
    return deny(
      'ABOVE_MAX_NOTIONAL',
      `Notional ${notional.toFixed(2, Decimal.ROUND_UP)} above max notional ${show(rules.maxNotional)} for ${symbol}. Reduce the size or split the order.`,
      { notional: show(notional), max_notional: show(rules.maxNotional) },
    );
  }
  return undefined;
}

function checkPriceBand(
  input: PreflightInput,
  rules: MarketRules,
  price: Decimal,
  mark: Decimal,
): Denial | undefined {
  const band = rules.priceBand;
  if (!band) return undefined;
  const [down, up] = input.side === 'buy' ? [band.bidDown, band.bidUp] : [band.askDown, band.askUp];
  const low = mark.mul(down);
  const high = mark.mul(up);
  if (price.greaterThanOrEqualTo(low) && price.lessThanOrEqualTo(high)) return undefined;
  // Shown as the ticks actually allowed, so the user can copy either end.
  const lowTick = ceilToStep(low, rules.tickSize);
  const highTick = floorToStep(high, rules.tickSize);
  return deny(
    'PRICE_OUT_OF_BAND',
    `Price ${show(price)} is outside the allowed range ${show(lowTick)} to ${show(highTick)} for a ${input.side} on ${input.symbol} (market price ${show(mark)}). Move the price into that range.`,
    { price: show(price), mark_price: show(mark), min_price: show(lowTick), max_price: show(highTick) },
  );
}

function checkStopSide(input: PreflightInput, stopPrice: Decimal, mark: Decimal): Denial | undefined {
  const { type, side } = input;
  const isStop = type === 'stop_market' || type === 'stop_limit';
  // A stop guards against the market moving against you; a take-profit fires when it moves your way.
  const mustBeAbove = isStop ? side === 'buy' : side === 'sell';
  const ok = mustBeAbove ? stopPrice.greaterThan(mark) : stopPrice.lessThan(mark);
  if (ok) return undefined;
  const where = mustBeAbove ? 'above' : 'below';
  return deny(
    'INVALID_PRICE',
    `Stop price ${show(stopPrice)} for a ${type} ${side} on ${input.symbol} would trigger immediately: it must be ${where} the market price ${show(mark)}. Move the stop price ${where} ${show(mark)}, or send a ${type === 'stop_limit' ? 'limit' : 'market'} order.`,
    { stop_price: show(stopPrice), mark_price: show(mark) },
  );
}

/** Rounded away from the reference so the band is never narrower than asked; kept inside the price filter. */
function protectionPriceFor(side: Side, reference: Decimal, slippage: Decimal, rules: MarketRules): Decimal {
  if (side === 'buy') {
    const price = ceilToStep(reference.mul(ONE.plus(slippage)), rules.tickSize);
    return !rules.maxPrice.isZero() && price.greaterThan(rules.maxPrice) ? rules.maxPrice : price;
  }
  const price = floorToStep(reference.mul(ONE.minus(slippage)), rules.tickSize);
  const floor = rules.minPrice.isZero() ? rules.tickSize : rules.minPrice;
  return price.lessThan(floor) ? floor : price;
}

function reservation(
  input: PreflightInput,
  rules: MarketRules,
  quantity: Decimal,
  reservePrice: Decimal,
  leverage: number,
): { readonly asset: string; readonly amount: Decimal } {
  const { takerFeeRate } = input;
  if (input.marketType === 'spot' && input.side === 'sell')
    return { asset: rules.baseAsset, amount: quantity };
  const notional = quantity.mul(reservePrice);
  const amount =
    input.marketType === 'spot'
      ? notional.mul(ONE.plus(takerFeeRate))
      : input.reduceOnly
        ? ZERO
        : notional.div(leverage).plus(notional.mul(takerFeeRate));
  return { asset: rules.quoteAsset, amount: amount.toDecimalPlaces(RESERVE_DECIMALS, Decimal.ROUND_UP) };
}

/**
 * Checks an order against the venue's market rules and rounds it to what the venue accepts, in the order
 * a user would fix things: symbol, shape, leverage, price, size, notional, band, stop side. Pure: the free
 * balance is checked separately (`checkFreeBalance`) once the account row is locked.
 */
export function preflight(input: PreflightInput): OrderPlan | Denial {
  const { rules, symbol, marketType, side, type, markPrice } = input;
  if (!rules || rules.symbol !== symbol || rules.marketType !== marketType) {
    return deny(
      'UNKNOWN_SYMBOL',
      `Symbol ${symbol} is not listed for ${marketType} on this venue. Check the symbol, e.g. BTCUSDT.`,
      { symbol, market_type: marketType },
    );
  }
  if (rules.status !== 'TRADING') {
    return deny(
      'SYMBOL_NOT_TRADING',
      `Symbol ${symbol} is not trading on ${marketType} right now (venue status ${rules.status}). Try again when it reopens, or choose another symbol.`,
      { symbol, status: rules.status },
    );
  }

  const shapeDenial = checkShape(input, rules);
  if (shapeDenial) return shapeDenial;

  const leverage = checkLeverage(input, rules);
  if (isDenial(leverage)) return leverage;

  const atMarket = executesAtMarket(type, input.price);
  if (type === 'market' && markPrice === undefined) {
    return deny(
      'NO_MARKET_PRICE',
      `No market price for ${symbol} yet, so a market order cannot be sized or bounded. Retry in a moment, or use a limit order.`,
      { symbol },
    );
  }

  let price: Decimal | undefined;
  if (input.price !== undefined) {
    // Never worse than asked: a buy pays at most its price, a sell receives at least its price.
    price =
      side === 'buy' ? floorToStep(input.price, rules.tickSize) : ceilToStep(input.price, rules.tickSize);
    const denial = checkPriceLimits('Price', input.price, price, rules);
    if (denial) return denial;
  }
  let stopPrice: Decimal | undefined;
  if (input.stopPrice !== undefined) {
    stopPrice = roundToStep(input.stopPrice, rules.tickSize);
    const denial = checkPriceLimits('Stop price', input.stopPrice, stopPrice, rules);
    if (denial) return denial;
  }

  const referencePrice = price ?? stopPrice ?? markPrice!;

  const quantity = sizeQuantity(input, rules, lotRules(rules, atMarket), referencePrice);
  if (isDenial(quantity)) return quantity;

  const notional = quantity.mul(referencePrice);
  const notionalDenial = checkNotional(input, rules, notional, atMarket);
  if (notionalDenial) return notionalDenial;

  if (price !== undefined && markPrice !== undefined) {
    const denial = checkPriceBand(input, rules, price, markPrice);
    if (denial) return denial;
  }
  if (stopPrice !== undefined && markPrice !== undefined) {
    const denial = checkStopSide(input, stopPrice, markPrice);
    if (denial) return denial;
  }

  const protectionPrice = atMarket
    ? protectionPriceFor(side, referencePrice, input.marketSlippage, rules)
    : undefined;
  const reserve = reservation(input, rules, quantity, price ?? protectionPrice!, leverage);

  return {
    kind: 'order_plan',
    rules,
    quantity,
    ...(price !== undefined ? { price } : {}),
    ...(stopPrice !== undefined ? { stopPrice } : {}),
    ...(protectionPrice !== undefined ? { protectionPrice } : {}),
    referencePrice,
    notional,
    leverage,
    reserveAsset: reserve.asset,
    reserveAmount: reserve.amount,
  };
}

/** Free = total - reserved, read under the account row lock; a shortfall names both figures. */
export function checkFreeBalance(plan: OrderPlan, free: Decimal): Denial | undefined {
  if (free.greaterThanOrEqualTo(plan.reserveAmount)) return undefined;
  return deny(
    'INSUFFICIENT_BALANCE',
    `Insufficient ${plan.reserveAsset} for ${plan.rules.symbol}: available ${show(free)}, required ${show(plan.reserveAmount)}. Add funds or reduce the order size.`,
    { asset: plan.reserveAsset, available: show(free), required: show(plan.reserveAmount) },
  );
}
