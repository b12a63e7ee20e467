import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findBuiltinMarket } from '../../src/domain/builtin-markets.ts';
import { Decimal, isMultipleOf } from '../../src/domain/decimal.ts';
import type { MarketRules } from '../../src/domain/market-rules.ts';
import type { MarketType } from '../../src/domain/order-types.ts';
import { type Denial, type ReasonCode, isDenial } from '../../src/domain/reason-codes.ts';
import { type SizedOrder, type SizingInput, sizeOrder } from '../../src/domain/sizing.ts';

const d = (text: string): Decimal => new Decimal(text);

function market(symbol: string, marketType: MarketType): MarketRules {
  const rules = findBuiltinMarket(symbol, marketType);
  if (!rules) throw new Error(`no builtin ${marketType} ${symbol}`);
  return rules;
}

// Spot BTCUSDT: tick 0.01, step 0.00001, min qty 0.00001, min notional 10.
const SPOT_BTC = market('BTCUSDT', 'spot');
// USD-M BTCUSDT: tick 0.01, step 0.001, min notional 5.
const PERP_BTC = market('BTCUSDT', 'futures');
/** A market whose MARKET_LOT_SIZE is coarser than its LOT_SIZE. */
const COARSE_MARKET: MarketRules = { ...SPOT_BTC, marketStepSize: d('0.001'), marketMinQty: d('0.001') };

function input(overrides: Partial<SizingInput> = {}): SizingInput {
  return {
    mode: { kind: 'fixed_quote', quoteAmount: d('100') },
    rules: SPOT_BTC,
    side: 'buy',
    entryPrice: d('30000'),
    atMarket: false,
    equity: d('10000'),
    ...overrides,
  };
}

function sized(i: SizingInput): SizedOrder {
  const result = sizeOrder(i);
  if (isDenial(result)) throw new Error(`unexpected denial: ${result.message}`);
  return result;
}

function denied(i: SizingInput, code: ReasonCode): Denial {
  const result = sizeOrder(i);
  if (!isDenial(result)) throw new Error(`expected ${code}, got quantity ${result.quantity.toFixed()}`);
  expect(result.code).toBe(code);
  return result;
}

const text = (x: Decimal | undefined): string | undefined => x?.toFixed();

describe('fixed_quote', () => {
  it('spends the quote amount, rounded down to the limit step', () => {
    const r = sized(input());
    expect(text(r.quantity)).toBe('0.00333');
    expect(text(r.notional)).toBe('99.9');
    expect(text(r.entryPrice)).toBe('30000');
    expect(r.stopLoss).toBeUndefined();
    expect(r.takeProfit).toBeUndefined();
    expect(r.riskAmount).toBeUndefined();
  });

  it('uses the market step for a market entry', () => {
    expect(text(sized(input({ rules: COARSE_MARKET, atMarket: true })).quantity)).toBe('0.003');
    expect(text(sized(input({ rules: COARSE_MARKET, atMarket: false })).quantity)).toBe('0.00333');
  });

  it('rounds a limit entry to tick as preflight does: a buy down, a sell up', () => {
    expect(text(sized(input({ entryPrice: d('30000.009') })).entryPrice)).toBe('30000');
    expect(text(sized(input({ side: 'sell', entryPrice: d('30000.001') })).entryPrice)).toBe('30000.01');
    // A market entry is priced at the mark as given.
    expect(text(sized(input({ atMarket: true, entryPrice: d('30000.005') })).entryPrice)).toBe('30000.005');
  });

  it('refuses a zero amount', () => {
    const denial = denied(input({ mode: { kind: 'fixed_quote', quoteAmount: d('0') } }), 'INVALID_QUANTITY');
    expect(denial.message).toContain('fixed_quote sizing needs an amount greater than zero; got 0 USDT');
  });

  it('refuses an amount too small for the minimum notional', () => {
    const denial = denied(
      input({ mode: { kind: 'fixed_quote', quoteAmount: d('9.99') } }),
      'BELOW_MIN_NOTIONAL',
    );
    expect(denial.message).toBe(
      'Sizing 9.99 USDT at 30000 gives 0.000333 BTC, rounded to 0.00033 BTC: notional 9.90 is below min notional 10 for BTCUSDT. Increase the amount or percentage.',
    );
  });

  it('refuses an amount that rounds to zero', () => {
    const denial = denied(
      input({ mode: { kind: 'fixed_quote', quoteAmount: d('0.2') }, rules: COARSE_MARKET, atMarket: true }),
      'INVALID_QUANTITY',
    );
    expect(denial.message).toBe(
      'Sizing 0.2 USDT at 30000 gives 0.000006666666666 BTC, which rounds to 0 at step 0.001; the minimum on BTCUSDT is 0.001 BTC. Increase the amount or percentage.',
    );
  });

  it('refuses a result below the minimum quantity', () => {
    const rules: MarketRules = { ...SPOT_BTC, minQty: d('0.01'), minNotional: d('0') };
    const denial = denied(input({ rules }), 'INVALID_QUANTITY');
    expect(denial.message).toContain('rounds to 0.00333 at step 0.00001; the minimum on BTCUSDT is 0.01 BTC');
    expect(denial.details).toMatchObject({ quantity: '0.00333', min_qty: '0.01', step_size: '0.00001' });
  });

  it('refuses a result above the maximum quantity', () => {
    const denial = denied(
      input({ mode: { kind: 'fixed_quote', quoteAmount: d('300000000') } }),
      'INVALID_QUANTITY',
    );
    expect(denial.message).toContain('gives 10000 BTC, above the maximum 9000 BTC per order on BTCUSDT');
  });
});

describe('percent_equity', () => {
  it('spends that share of equity', () => {
    const r = sized(input({ mode: { kind: 'percent_equity', percent: d('10') }, entryPrice: d('25000') }));
    expect(text(r.quantity)).toBe('0.04');
    expect(text(r.notional)).toBe('1000');
  });

  it('allows more than 100% only on futures, up to the maximum leverage', () => {
    const denial = denied(input({ mode: { kind: 'percent_equity', percent: d('150') } }), 'INVALID_QUANTITY');
    expect(denial.message).toContain(
      'percent_equity sizing needs a percentage above 0 and at most 100; got 150',
    );
    const r = sized(input({ mode: { kind: 'percent_equity', percent: d('200') }, rules: PERP_BTC }));
    expect(text(r.quantity)).toBe('0.666');
    expect(text(r.notional)).toBe('19980');
    expect(
      denied(
        input({ mode: { kind: 'percent_equity', percent: d('12500.01') }, rules: PERP_BTC }),
        'INVALID_QUANTITY',
      ).details,
    ).toMatchObject({ max_percent: '12500' });
  });

  it('needs positive equity', () => {
    const denial = denied(
      input({ mode: { kind: 'percent_equity', percent: d('10') }, equity: d('0') }),
      'INSUFFICIENT_BALANCE',
    );
    expect(denial.message).toContain('equity is 0 USDT. Add funds, or size the order with fixed_quote.');
  });
});

describe('risk', () => {
  const risk = (riskPercent: string) => ({ kind: 'risk' as const, riskPercent: d(riskPercent) });

  it('long: quantity = risk / distance, take profit from reward:risk', () => {
    const r = sized(input({ mode: risk('1'), stopLoss: d('29500'), rewardRisk: d('2') }));
    expect(text(r.quantity)).toBe('0.2');
    expect(text(r.stopLoss)).toBe('29500');
    expect(text(r.takeProfit)).toBe('31000');
    expect(text(r.riskAmount)).toBe('100');
    expect(text(r.notional)).toBe('6000');
  });

  it('short: stop above, take profit below, quantity rounded down', () => {
    const r = sized(
      input({ mode: risk('1'), side: 'sell', stopLoss: d('30600'), rewardRisk: d('1.5'), rules: PERP_BTC }),
    );
    // 100 / 600 = 0.1666.. -> 0.166 at step 0.001
    expect(text(r.quantity)).toBe('0.166');
    expect(text(r.takeProfit)).toBe('29100');
    expect(text(r.riskAmount)).toBe('99.6');
  });

  it('counts entry and exit fees in the risk when a fee rate is given', () => {
    const r = sized(input({ mode: risk('1'), stopLoss: d('29500'), feeRate: d('0.001') }));
    // per unit: 500 + 0.001 x (30000 + 29500) = 559.5; 100 / 559.5 = 0.178731.. -> 0.17873
    expect(text(r.quantity)).toBe('0.17873');
    expect(text(r.riskAmount)).toBe('99.999435');
  });

  it('rounds stop and take profit to the nearest tick and sizes on the rounded stop', () => {
    const r = sized(input({ mode: risk('1'), stopLoss: d('29500.004'), rewardRisk: d('3.3333') }));
    expect(text(r.stopLoss)).toBe('29500');
    // 30000 + 3.3333 x 500 = 31666.65
    expect(text(r.takeProfit)).toBe('31666.65');
    const odd = sized(input({ mode: risk('1'), stopLoss: d('29500'), rewardRisk: d('1.00001') }));
    // 30000 + 500.005 = 30500.005 -> 30500 (half-even)
    expect(text(odd.takeProfit)).toBe('30500');
  });

  it('needs a stop loss', () => {
    const denial = denied(input({ mode: risk('1') }), 'INVALID_ORDER');
    expect(denial.message).toContain('risk sizing needs a stop loss');
    expect(denial.message).toContain('below the entry 30000');
  });

  it('refuses a stop on the wrong side', () => {
    const long = denied(input({ mode: risk('1'), stopLoss: d('30500') }), 'INVALID_ORDER');
    expect(long.message).toBe(
      'Stop loss 30500 is above the entry 30000 of a buy on BTCUSDT; it must be below the entry to limit the loss of a long. Move the stop loss below 30000.',
    );
    const short = denied(input({ mode: risk('1'), side: 'sell', stopLoss: d('29000') }), 'INVALID_ORDER');
    expect(short.message).toContain('must be above the entry to limit the loss of a short');
  });

  it('refuses a zero distance, also when the stop rounds onto the entry', () => {
    for (const stop of ['30000', '30000.004']) {
      const denial = denied(input({ mode: risk('1'), stopLoss: d(stop) }), 'INVALID_ORDER');
      expect(denial.message).toContain('Stop loss 30000 equals the entry 30000 on BTCUSDT, so the distance');
    }
  });

  it('refuses a risk percentage outside (0, 100]', () => {
    for (const pct of ['0', '-1', '100.01']) {
      denied(input({ mode: risk(pct), stopLoss: d('29500') }), 'INVALID_QUANTITY');
    }
    expect(text(sized(input({ mode: risk('100'), stopLoss: d('29500') })).quantity)).toBe('20');
  });

  it('refuses a result below the minimum with a hint that fits the mode', () => {
    const denial = denied(
      input({ mode: risk('0.0001'), stopLoss: d('20000'), equity: d('100') }),
      'INVALID_QUANTITY',
    );
    expect(denial.message).toContain(
      'risking 0.0001% of equity 100 USDT (0.0001 USDT) over a stop distance of 10000',
    );
    expect(denial.message).toContain(
      'Increase the risk percentage or move the stop loss closer to the entry.',
    );
  });
});

describe('stop loss and take profit in every mode', () => {
  it('passes an explicit stop and take profit through, rounded to tick', () => {
    const r = sized(input({ stopLoss: d('29000.006'), takeProfit: d('32000.004') }));
    expect(text(r.stopLoss)).toBe('29000.01');
    expect(text(r.takeProfit)).toBe('32000');
    expect(text(r.riskAmount)).toBe('3.3299667');
  });

  it('refuses a take profit on the wrong side, or that rounds onto the entry', () => {
    const denial = denied(input({ takeProfit: d('29000') }), 'INVALID_ORDER');
    expect(denial.message).toBe(
      'Take profit 29000 is not above the entry 30000 of a buy on BTCUSDT, so it could never take a profit. Set it above 30000.',
    );
    const tiny = denied(input({ stopLoss: d('29999.99'), rewardRisk: d('0.1') }), 'INVALID_ORDER');
    expect(tiny.message).toContain('Take profit 30000 (reward:risk 0.1) is not above the entry 30000');
    expect(tiny.message).toContain('or use a larger ratio');
  });

  it('refuses both a take profit and a ratio, a ratio without a stop, and a non-positive ratio', () => {
    expect(
      denied(input({ takeProfit: d('31000'), stopLoss: d('29000'), rewardRisk: d('2') }), 'INVALID_ORDER')
        .message,
    ).toContain('not both');
    expect(denied(input({ rewardRisk: d('2') }), 'INVALID_ORDER').message).toContain('needs a stop loss');
    expect(denied(input({ stopLoss: d('29000'), rewardRisk: d('0') }), 'INVALID_ORDER').message).toContain(
      'Reward:risk ratio must be greater than zero; got 0',
    );
  });

  it('refuses non-positive prices', () => {
    expect(denied(input({ entryPrice: d('0') }), 'INVALID_PRICE').message).toContain(
      'Entry price must be greater than zero',
    );
    expect(denied(input({ entryPrice: d('0.001') }), 'INVALID_PRICE').message).toContain(
      'Entry price must be greater than zero at tick 0.01',
    );
    expect(
      denied(input({ side: 'sell', stopLoss: d('-5'), entryPrice: d('1') }), 'INVALID_PRICE').message,
    ).toContain('Stop loss must be greater than zero');
  });
});

describe('properties', () => {
  const cents = (min: number, max: number) => fc.integer({ min, max }).map((c) => new Decimal(c).div(100));

  it('risk sizing never risks more than asked, and one more step would', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('buy' as const, 'sell' as const),
        cents(20_000_00, 40_000_00),
        cents(1, 3_000_00),
        cents(1_000_00, 100_000_00),
        cents(10, 500),
        fc.constantFrom(d('0'), d('0.0004'), d('0.001')),
        (side, entry, distance, equity, riskPercent, feeRate) => {
          const stopLoss = side === 'buy' ? entry.minus(distance) : entry.plus(distance);
          const result = sizeOrder(
            input({
              mode: { kind: 'risk', riskPercent },
              side,
              entryPrice: entry,
              stopLoss,
              equity,
              feeRate,
              rules: PERP_BTC,
            }),
          );
          if (isDenial(result)) {
            expect(['INVALID_QUANTITY', 'BELOW_MIN_NOTIONAL']).toContain(result.code);
            return;
          }
          const budget = equity.mul(riskPercent).div(100);
          const step = PERP_BTC.stepSize;
          expect(isMultipleOf(result.quantity, step)).toBe(true);
          expect(result.riskAmount!.lessThanOrEqualTo(budget)).toBe(true);
          const perUnit = distance.plus(feeRate.mul(entry.plus(stopLoss)));
          expect(result.quantity.plus(step).mul(perUnit).greaterThan(budget)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('fixed_quote never spends more than the amount, and one more step would', () => {
    fc.assert(
      fc.property(
        cents(10_00, 1_000_000_00),
        cents(1_000_00, 100_000_00),
        fc.boolean(),
        (amount, entry, atMarket) => {
          const result = sizeOrder(
            input({
              mode: { kind: 'fixed_quote', quoteAmount: amount },
              entryPrice: entry,
              atMarket,
              rules: COARSE_MARKET,
            }),
          );
          if (isDenial(result)) return;
          const step = atMarket ? COARSE_MARKET.marketStepSize : COARSE_MARKET.stepSize;
          expect(isMultipleOf(result.quantity, step)).toBe(true);
          expect(result.notional.lessThanOrEqualTo(amount)).toBe(true);
          expect(result.quantity.plus(step).mul(result.entryPrice).greaterThan(amount)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a reward:risk take profit is on the profit side, about ratio x distance from the entry', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('buy' as const, 'sell' as const),
        cents(1_00, 1_000_00),
        fc.integer({ min: 1, max: 50 }).map((n) => new Decimal(n).div(10)),
        (side, distance, rr) => {
          const entry = d('30000');
          const stopLoss = side === 'buy' ? entry.minus(distance) : entry.plus(distance);
          const result = sizeOrder(
            input({
              mode: { kind: 'risk', riskPercent: d('1') },
              side,
              stopLoss,
              rewardRisk: rr,
              rules: PERP_BTC,
            }),
          );
          if (isDenial(result)) return;
          const tp = result.takeProfit!;
          expect(side === 'buy' ? tp.greaterThan(entry) : tp.lessThan(entry)).toBe(true);
          expect(
            tp.minus(entry).abs().minus(distance.mul(rr)).abs().lessThanOrEqualTo(PERP_BTC.tickSize.div(2)),
          ).toBe(true);
        },
      ),
    );
  });
});
