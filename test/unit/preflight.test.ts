import { describe, expect, it } from 'vitest';
import { findBuiltinMarket } from '../../src/domain/builtin-markets.ts';
import { Decimal, decimalString } from '../../src/domain/decimal.ts';
import type { MarketRules } from '../../src/domain/market-rules.ts';
import type { MarketType } from '../../src/domain/order-types.ts';
import {
  type OrderPlan,
  type PreflightInput,
  checkFreeBalance,
  preflight,
} from '../../src/domain/preflight.ts';
import { type Denial, type ReasonCode, isDenial } from '../../src/domain/reason-codes.ts';

const d = (text: string): Decimal => new Decimal(text);

function market(symbol: string, marketType: MarketType): MarketRules {
  const rules = findBuiltinMarket(symbol, marketType);
  if (!rules) throw new Error(`no builtin ${marketType} ${symbol}`);
  return rules;
}

const SPOT_BTC = market('BTCUSDT', 'spot');
const SPOT_ETH = market('ETHUSDT', 'spot');
const SPOT_XRP = market('XRPUSDT', 'spot');
const PERP_BTC = market('BTCUSDT', 'futures');
const PERP_ETH = market('ETHUSDT', 'futures');

/** A valid spot BTCUSDT limit buy; each test changes only what it is about. */
function input(overrides: Partial<PreflightInput> = {}): PreflightInput {
  return {
    rules: SPOT_BTC,
    symbol: 'BTCUSDT',
    marketType: 'spot',
    side: 'buy',
    type: 'limit',
    timeInForce: 'GTC',
    quantity: d('0.001'),
    price: d('30000'),
    reduceOnly: false,
    markPrice: d('30000'),
    takerFeeRate: d('0.001'),
    marketSlippage: d('0.02'),
    ...overrides,
  };
}

function perp(rules: MarketRules, overrides: Partial<PreflightInput> = {}): PreflightInput {
  return input({ rules, symbol: rules.symbol, marketType: 'futures', leverage: 10, ...overrides });
}

function marketOrder(overrides: Partial<PreflightInput> = {}): PreflightInput {
  return input({ type: 'market', price: undefined, ...overrides });
}

function planOf(request: PreflightInput): OrderPlan {
  const result = preflight(request);
  if (isDenial(result)) throw new Error(`unexpected denial ${result.code}: ${result.message}`);
  return result;
}

function denialOf(request: PreflightInput, code: ReasonCode): Denial {
  const result = preflight(request);
  if (!isDenial(result)) throw new Error(`expected ${code}, got a plan`);
  expect(result.code, result.message).toBe(code);
  return result;
}

const str = (value: Decimal | undefined): string | undefined => (value ? decimalString(value) : undefined);

describe('symbol', () => {
  it('denies a symbol the venue does not list, naming it and the market type', () => {
    const denial = denialOf(input({ rules: undefined, symbol: 'FOOUSDT' }), 'UNKNOWN_SYMBOL');
    expect(denial.message).toBe(
      'Symbol FOOUSDT is not listed for spot on this venue. Check the symbol, e.g. BTCUSDT.',
    );
  });

  it('denies rules that belong to another symbol or market type', () => {
    denialOf(input({ rules: SPOT_BTC, symbol: 'ETHUSDT' }), 'UNKNOWN_SYMBOL');
    denialOf(input({ rules: SPOT_BTC, marketType: 'futures' }), 'UNKNOWN_SYMBOL');
  });

  it('denies a listed symbol that is not TRADING', () => {
    const denial = denialOf(input({ rules: { ...SPOT_BTC, status: 'BREAK' } }), 'SYMBOL_NOT_TRADING');
    expect(denial.message).toContain('BREAK');
    planOf(input());
  });
});

describe('order shape', () => {
  it('needs exactly one positive size', () => {
    denialOf(input({ quoteQuantity: d('100') }), 'INVALID_ORDER');
    denialOf(input({ quantity: undefined }), 'INVALID_QUANTITY');
    denialOf(input({ quantity: d('0') }), 'INVALID_QUANTITY');
    denialOf(input({ quantity: d('-0.001') }), 'INVALID_QUANTITY');
    denialOf(input({ quantity: undefined, quoteQuantity: d('0') }), 'INVALID_QUANTITY');
    planOf(input({ quantity: undefined, quoteQuantity: d('100') }));
  });

  it('needs a price for limit and stop_limit, and a stop price for stop and take-profit orders', () => {
    expect(denialOf(input({ price: undefined }), 'INVALID_PRICE').message).toContain('needs a price');
    denialOf(input({ type: 'stop_limit', stopPrice: d('31000'), price: undefined }), 'INVALID_PRICE');
    denialOf(input({ type: 'stop_limit' }), 'INVALID_PRICE');
    denialOf(input({ type: 'stop_market', price: undefined }), 'INVALID_PRICE');
    denialOf(input({ type: 'take_profit', price: undefined }), 'INVALID_PRICE');
    planOf(input({ type: 'stop_limit', stopPrice: d('31000'), price: d('31000') }));
  });

  it('refuses a price on a market or stop_market order, and a stop price on a limit order', () => {
    denialOf(marketOrder({ price: d('30000') }), 'INVALID_ORDER');
    denialOf(input({ type: 'stop_market', stopPrice: d('31000') }), 'INVALID_ORDER');
    denialOf(input({ stopPrice: d('31000') }), 'INVALID_ORDER');
  });

  it('refuses a zero or negative price', () => {
    denialOf(input({ price: d('0') }), 'INVALID_PRICE');
    denialOf(input({ price: d('-1') }), 'INVALID_PRICE');
  });
});

describe('leverage', () => {
  it('allows only 1x (or none) on spot', () => {
    expect(planOf(input({ leverage: 1 })).leverage).toBe(1);
    expect(planOf(input()).leverage).toBe(1);
    denialOf(input({ leverage: 2 }), 'LEVERAGE_OUT_OF_RANGE');
  });

  it('allows whole numbers from 1 to the bracket maximum on futures, naming the range', () => {
    expect(planOf(perp(PERP_BTC, { leverage: 125 })).leverage).toBe(125);
    expect(planOf(perp(PERP_BTC, { leverage: 1 })).leverage).toBe(1);
    expect(planOf(perp(PERP_BTC, { leverage: undefined })).leverage).toBe(1);
    const denial = denialOf(perp(PERP_BTC, { leverage: 126 }), 'LEVERAGE_OUT_OF_RANGE');
    expect(denial.message).toContain('1-125');
    expect(denial.details).toMatchObject({ max_leverage: '125' });
    denialOf(perp(PERP_BTC, { leverage: 0 }), 'LEVERAGE_OUT_OF_RANGE');
    denialOf(perp(PERP_BTC, { leverage: 2.5 }), 'LEVERAGE_OUT_OF_RANGE');
    expect(planOf(perp(PERP_ETH, { leverage: 100 })).leverage).toBe(100);
    expect(denialOf(perp(PERP_ETH, { leverage: 101 }), 'LEVERAGE_OUT_OF_RANGE').message).toContain('1-100');
  });
});

describe('reference price', () => {
  it('denies a market order when there is no market price', () => {
    denialOf(marketOrder({ markPrice: undefined }), 'NO_MARKET_PRICE');
    denialOf(
      marketOrder({ quantity: undefined, quoteQuantity: d('100'), markPrice: undefined }),
      'NO_MARKET_PRICE',
    );
  });

  it('sizes priced and stop orders from their own price when the mark is unknown', () => {
    const limit = planOf(input({ markPrice: undefined, quantity: undefined, quoteQuantity: d('300') }));
    expect(str(limit.referencePrice)).toBe('30000');
    expect(str(limit.quantity)).toBe('0.01');
    const stop = planOf(
      input({ type: 'stop_market', price: undefined, stopPrice: d('31000'), markPrice: undefined }),
    );
    expect(str(stop.referencePrice)).toBe('31000');
    const tp = planOf(
      input({
        type: 'take_profit',
        side: 'sell',
        price: undefined,
        stopPrice: d('32000'),
        markPrice: undefined,
      }),
    );
    expect(str(tp.referencePrice)).toBe('32000');
  });

  it('uses the mark for market orders', () => {
    expect(str(planOf(marketOrder({ markPrice: d('29000') })).referencePrice)).toBe('29000');
  });
});

describe('price rounding and limits', () => {
  it('rounds a buy down and a sell up to the tick, never worse than asked', () => {
    expect(str(planOf(input({ price: d('30000.019') })).price)).toBe('30000.01');
    expect(str(planOf(input({ side: 'sell', price: d('30000.011') })).price)).toBe('30000.02');
    expect(str(planOf(input({ price: d('30000.01') })).price)).toBe('30000.01');
  });

  it('denies a price that rounds to zero', () => {
    const denial = denialOf(
      input({ price: d('0.009'), markPrice: undefined, quantity: d('9000') }),
      'INVALID_PRICE',
    );
    expect(denial.message).toContain('rounds to 0 at tick 0.01');
  });

  it('enforces minPrice and maxPrice', () => {
    const atMax = input({ price: d('1000000'), quantity: d('0.001'), markPrice: undefined });
    planOf(atMax);
    denialOf({ ...atMax, price: d('1000000.01') }, 'INVALID_PRICE');
    const atMin = perp(PERP_BTC, { price: d('556.72'), quantity: d('0.01'), markPrice: undefined });
    planOf(atMin);
    expect(denialOf({ ...atMin, price: d('556.71') }, 'INVALID_PRICE').message).toContain(
      'below the minimum price 556.72',
    );
  });

  it('rounds the stop price to the nearest tick and checks it against the price filter', () => {
    const stop = (stopPrice: string): PreflightInput =>
      input({ type: 'stop_market', price: undefined, stopPrice: d(stopPrice) });
    expect(str(planOf(stop('30100.004')).stopPrice)).toBe('30100');
    expect(str(planOf(stop('30100.006')).stopPrice)).toBe('30100.01');
    denialOf(stop('1000000.01'), 'INVALID_PRICE');
  });
});

describe('quantity', () => {
  it('floors to the step', () => {
    expect(str(planOf(input({ quantity: d('0.0012349') })).quantity)).toBe('0.00123');
    expect(
      str(
        planOf(
          input({
            rules: SPOT_XRP,
            symbol: 'XRPUSDT',
            price: d('0.5'),
            markPrice: d('0.5'),
            quantity: d('20.9'),
          }),
        ).quantity,
      ),
    ).toBe('20');
  });

  it('denies a quantity that rounds to zero, saying the step and the minimum', () => {
    const denial = denialOf(input({ quantity: d('0.000001') }), 'INVALID_QUANTITY');
    expect(denial.message).toBe(
      'Quantity 0.000001 rounds to 0 at step 0.00001 for BTCUSDT; minimum is 0.00001. Increase the quantity.',
    );
    planOf(input({ quantity: d('0.00034'), price: d('30000') }));
  });

  it('denies a quantity below the minimum once rounded', () => {
    const rules: MarketRules = { ...SPOT_BTC, minQty: d('0.001') };
    planOf(input({ rules, quantity: d('0.001') }));
    const denial = denialOf(input({ rules, quantity: d('0.00099') }), 'INVALID_QUANTITY');
    expect(denial.message).toContain('below the minimum 0.001');
  });

  it('uses LOT_SIZE max for limit orders and MARKET_LOT_SIZE max for market orders', () => {
    const limit = input({ quantity: d('9000'), price: d('1000'), markPrice: d('1000') });
    planOf(limit);
    denialOf({ ...limit, quantity: d('9000.00001') }, 'INVALID_QUANTITY');
    planOf(marketOrder({ quantity: d('169.00949') }));
    const denial = denialOf(marketOrder({ quantity: d('169.0095') }), 'INVALID_QUANTITY');
    expect(denial.message).toContain('above the maximum 169.00949758 for market orders');
  });

  it('uses MARKET_LOT_SIZE for stop_market and price-less take_profit, LOT_SIZE for take_profit with a price', () => {
    const rules: MarketRules = { ...SPOT_BTC, marketMaxQty: d('1') };
    const stop = input({
      rules,
      type: 'stop_market',
      price: undefined,
      stopPrice: d('31000'),
      quantity: d('2'),
    });
    denialOf(stop, 'INVALID_QUANTITY');
    const tp = input({
      rules,
      type: 'take_profit',
      side: 'sell',
      price: undefined,
      stopPrice: d('31000'),
      quantity: d('2'),
    });
    denialOf(tp, 'INVALID_QUANTITY');
    planOf({ ...tp, price: d('31000') });
  });

  it('derives the quantity from a quote size at the reference price', () => {
    const plan = planOf(marketOrder({ quantity: undefined, quoteQuantity: d('100') }));
    expect(str(plan.quantity)).toBe('0.00333');
    const denial = denialOf(
      marketOrder({ quantity: undefined, quoteQuantity: d('0.1') }),
      'INVALID_QUANTITY',
    );
    expect(denial.message).toContain('Quote quantity 0.1 USDT at 30000 is 0.000003333333333 BTC');
    expect(denial.message).toContain('rounds to 0 at step 0.00001');
  });
});

describe('notional', () => {
  it('denies below min notional with the documented message and details', () => {
    const denial = denialOf(
      perp(PERP_ETH, { quantity: d('0.002'), price: d('1500'), markPrice: d('1500') }),
      'BELOW_MIN_NOTIONAL',
    );
    expect(denial.message).toBe(
      'Notional 3.00 below min notional 5 for ETHUSDT. Increase size or add funds.',
    );
    expect(denial.details).toEqual({ notional: '3', min_notional: '5' });
  });

  it('allows exactly the min notional and denies one tick below, truncating the figure shown', () => {
    planOf(input({ quantity: d('0.0005'), price: d('20000'), markPrice: d('20000') }));
    const denial = denialOf(
      input({ quantity: d('0.0005'), price: d('19999.99'), markPrice: d('20000') }),
      'BELOW_MIN_NOTIONAL',
    );
    expect(denial.message).toBe(
      'Notional 9.99 below min notional 10 for BTCUSDT. Increase size or add funds.',
    );
    expect(denial.details).toEqual({ notional: '9.999995', min_notional: '10' });
  });

  it('applies min notional to market orders only when the venue says so', () => {
    const small = marketOrder({
      rules: SPOT_ETH,
      symbol: 'ETHUSDT',
      quantity: d('0.001'),
      markPrice: d('1500'),
    });
    denialOf(small, 'BELOW_MIN_NOTIONAL');
    const lenient: MarketRules = { ...SPOT_ETH, applyMinToMarket: false };
    planOf({ ...small, rules: lenient });
    denialOf({ ...small, rules: lenient, type: 'limit', price: d('1500') }, 'BELOW_MIN_NOTIONAL');
  });

  it('applies min notional to futures market orders', () => {
    denialOf(
      perp(PERP_BTC, { type: 'market', price: undefined, quantity: d('0.001'), markPrice: d('4999') }),
      'BELOW_MIN_NOTIONAL',
    );
    planOf(perp(PERP_BTC, { type: 'market', price: undefined, quantity: d('0.001'), markPrice: d('5000') }));
  });

  it('denies above max notional', () => {
    planOf(input({ quantity: d('9000'), price: d('1000'), markPrice: d('1000') }));
    const denial = denialOf(
      input({ quantity: d('9000'), price: d('1000.01'), markPrice: d('1000') }),
      'ABOVE_MAX_NOTIONAL',
    );
    expect(denial.details).toEqual({ notional: '9000090', max_notional: '9000000' });
  });
});

describe('price band', () => {
  it('keeps a spot buy within 0.2x..5x of the mark', () => {
    planOf(input({ price: d('150000'), quantity: d('0.0001') }));
    const high = denialOf(input({ price: d('150000.01'), quantity: d('0.0001') }), 'PRICE_OUT_OF_BAND');
    expect(high.message).toContain('6000 to 150000');
    planOf(input({ price: d('6000'), quantity: d('0.002') }));
    denialOf(input({ price: d('5999.99'), quantity: d('0.002') }), 'PRICE_OUT_OF_BAND');
  });

  it('keeps a USD-M sell within 0.85x..1.15x of the mark', () => {
    const sell = (price: string): PreflightInput =>
      perp(PERP_ETH, { side: 'sell', price: d(price), quantity: d('0.01'), markPrice: d('2000') });
    planOf(sell('2300'));
    planOf(sell('1700'));
    const denial = denialOf(sell('2300.01'), 'PRICE_OUT_OF_BAND');
    expect(denial.message).toContain('1700 to 2300');
    expect(denial.details).toMatchObject({ min_price: '1700', max_price: '2300', mark_price: '2000' });
    denialOf(sell('1699.99'), 'PRICE_OUT_OF_BAND');
  });

  it('skips the band when the mark is unknown or the market declares none', () => {
    planOf(input({ price: d('500000'), quantity: d('0.0001'), markPrice: undefined }));
    const { priceBand: _band, ...noBand } = SPOT_BTC;
    planOf(input({ rules: noBand, price: d('500000'), quantity: d('0.0001') }));
  });
});

describe('stop side', () => {
  const stop = (
    type: 'stop_market' | 'take_profit',
    side: 'buy' | 'sell',
    stopPrice: string,
  ): PreflightInput => input({ type, side, price: undefined, stopPrice: d(stopPrice) });

  it('needs a stop buy above the mark and a stop sell below it', () => {
    planOf(stop('stop_market', 'buy', '30000.01'));
    expect(denialOf(stop('stop_market', 'buy', '30000'), 'INVALID_PRICE').message).toContain(
      'would trigger immediately',
    );
    planOf(stop('stop_market', 'sell', '29999.99'));
    denialOf(stop('stop_market', 'sell', '30000'), 'INVALID_PRICE');
    planOf(input({ type: 'stop_limit', side: 'buy', stopPrice: d('30000.01'), price: d('30100') }));
    denialOf(
      input({ type: 'stop_limit', side: 'buy', stopPrice: d('29999.99'), price: d('30100') }),
      'INVALID_PRICE',
    );
  });

  it('needs a take-profit sell above the mark and a take-profit buy below it', () => {
    planOf(stop('take_profit', 'sell', '30000.01'));
    denialOf(stop('take_profit', 'sell', '30000'), 'INVALID_PRICE');
    planOf(stop('take_profit', 'buy', '29999.99'));
    denialOf(stop('take_profit', 'buy', '30000'), 'INVALID_PRICE');
  });
});

describe('protection price', () => {
  it('bounds a market order at the slippage band, rounded away from the mark', () => {
    expect(str(planOf(marketOrder()).protectionPrice)).toBe('30600');
    expect(str(planOf(marketOrder({ side: 'sell' })).protectionPrice)).toBe('29400');
    expect(str(planOf(marketOrder({ markPrice: d('30000.03') })).protectionPrice)).toBe('30600.04');
    expect(str(planOf(marketOrder({ side: 'sell', markPrice: d('30000.03') })).protectionPrice)).toBe(
      '29400.02',
    );
  });

  it('prices a stop_market from its stop price, and gives limit orders none', () => {
    const plan = planOf(input({ type: 'stop_market', price: undefined, stopPrice: d('31000') }));
    expect(str(plan.protectionPrice)).toBe('31620');
    expect(planOf(input()).protectionPrice).toBeUndefined();
  });
});

describe('reservation', () => {
  it('reserves quote plus taker fee for a spot buy, at the limit price or the protection price', () => {
    const limit = planOf(input());
    expect([limit.reserveAsset, str(limit.reserveAmount)]).toEqual(['USDT', '30.03']);
    const marketBuy = planOf(marketOrder());
    expect([marketBuy.reserveAsset, str(marketBuy.reserveAmount)]).toEqual(['USDT', '30.6306']);
  });

  it('reserves the base asset for a spot sell', () => {
    const plan = planOf(input({ side: 'sell' }));
    expect([plan.reserveAsset, str(plan.reserveAmount)]).toEqual(['BTC', '0.001']);
  });

  it('reserves initial margin plus taker fee for futures, both sides, and nothing for reduce-only', () => {
    const buy = planOf(perp(PERP_BTC, { type: 'market', price: undefined, quantity: d('0.01') }));
    expect([buy.reserveAsset, str(buy.reserveAmount)]).toEqual(['USDT', '30.906']);
    const sell = planOf(perp(PERP_BTC, { side: 'sell', quantity: d('0.01'), price: d('30000') }));
    expect(str(sell.reserveAmount)).toBe('30.3');
    const reduce = planOf(perp(PERP_BTC, { side: 'sell', quantity: d('0.01'), reduceOnly: true }));
    expect(str(reduce.reserveAmount)).toBe('0');
  });

  it('rounds a repeating reservation up to 8 decimals so it never falls short', () => {
    const plan = planOf(perp(PERP_BTC, { leverage: 3, quantity: d('0.001'), price: d('30000.01') }));
    // 30.00001 / 3 + 30.00001 * 0.001 = 10.000003333... + 0.03000001
    expect(str(plan.reserveAmount)).toBe('10.03000335');
  });

  it('returns the rounded figures in the plan', () => {
    const plan = planOf(input({ quantity: d('0.0012349'), price: d('30000.019') }));
    expect(plan).toMatchObject({ kind: 'order_plan', leverage: 1 });
    expect(plan.rules).toBe(SPOT_BTC);
    expect(str(plan.quantity)).toBe('0.00123');
    expect(str(plan.price)).toBe('30000.01');
    expect(str(plan.notional)).toBe('36.9000123');
  });
});

describe('checkFreeBalance', () => {
  const plan = planOf(input());

  it('passes when free covers the reservation exactly', () => {
    expect(checkFreeBalance(plan, d('30.03'))).toBeUndefined();
  });

  it('denies a shortfall with available and required figures', () => {
    const denial = checkFreeBalance(plan, d('30.02999999'));
    expect(denial?.code).toBe('INSUFFICIENT_BALANCE');
    expect(denial?.details).toEqual({ asset: 'USDT', available: '30.02999999', required: '30.03' });
    expect(denial?.message).toContain('Add funds or reduce the order size');
  });
});
