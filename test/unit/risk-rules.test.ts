import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.ts';
import type { Denial, ReasonCode } from '../../src/domain/reason-codes.ts';
import {
  DEFAULT_RISK_LIMITS,
  RISK_LIMIT_FIELDS,
  type RiskLimits,
  applyRiskLimitsPatch,
  parseRiskLimitsPatch,
  riskLimitsToJson,
  validateRiskLimits,
} from '../../src/domain/risk-limits.ts';
import {
  RISK_RULES,
  type RecentOrder,
  type RiskContext,
  type RiskOrder,
  type TradingState,
  breachesHaltLimits,
  evaluateRisk,
} from '../../src/domain/risk-rules.ts';

const d = (text: string): Decimal => new Decimal(text);
const NOW = new Date('2024-03-01T12:00:00.000Z');
const ago = (ms: number): Date => new Date(NOW.getTime() - ms);

/** A spot BTCUSDT limit buy of 0.1 at 30000 on a calm 10,000 USDT account; tests change what they are about. */
function context(
  overrides: Partial<Omit<RiskContext, 'order'>> = {},
  order: Partial<RiskOrder> = {},
): RiskContext {
  return {
    now: NOW,
    tradingState: 'ACTIVE',
    order: {
      symbol: 'BTCUSDT',
      marketType: 'spot',
      side: 'buy',
      type: 'limit',
      quantity: d('0.1'),
      price: d('30000'),
      notional: d('3000'),
      reduceOnly: false,
      reducesRisk: false,
      opensPosition: true,
      ...order,
    },
    markPrice: d('30000'),
    positionNotionalAfter: d('3000'),
    totalExposureAfter: d('3000'),
    pnlToday: d('0'),
    equity: d('10000'),
    equityPeak: d('10000'),
    recentOrders: [],
    openOrders: 0,
    ...overrides,
  };
}

const reducing: Partial<RiskOrder> = { side: 'sell', reducesRisk: true, opensPosition: false };

function denied(ctx: RiskContext, limits: RiskLimits): Denial {
  const denial = evaluateRisk(ctx, limits);
  if (!denial) throw new Error('expected a denial');
  return denial;
}

function recent(msAgo: number, extra: Partial<RecentOrder> = {}): RecentOrder {
  return { at: ago(msAgo), symbol: 'ETHUSDT', side: 'sell', quantity: d('1'), ...extra };
}

interface BoundaryCase {
  readonly rule: string;
  readonly code: ReasonCode;
  readonly limits: RiskLimits;
  readonly inside: RiskContext;
  readonly outside: RiskContext;
  /** Parts the message must contain: the limit's name and figure, and the value. */
  readonly message: readonly string[];
  readonly details: Readonly<Record<string, string>>;
}

const BOUNDARIES: readonly BoundaryCase[] = [
  {
    rule: 'max_order_notional',
    code: 'MAX_ORDER_NOTIONAL',
    limits: { maxOrderNotional: d('25000') },
    inside: context({}, { notional: d('25000') }),
    outside: context({}, { notional: d('25000.01') }),
    message: ['Order notional 25000.01 USDT exceeds max_order_notional 25000 USDT', 'Reduce the size'],
    details: { limit: '25000', value: '25000.01' },
  },
  {
    rule: 'min_order_notional',
    code: 'BELOW_MIN_ORDER_NOTIONAL',
    limits: { minOrderNotional: d('5') },
    inside: context({}, { notional: d('5') }),
    outside: context({}, { notional: d('4.99') }),
    message: ['Order notional 4.99 USDT is below min_order_notional 5 USDT', 'Increase the size'],
    details: { limit: '5', value: '4.99' },
  },
  {
    rule: 'max_position_notional',
    code: 'MAX_POSITION_NOTIONAL',
    limits: { maxPositionNotional: d('30000') },
    inside: context({ positionNotionalAfter: d('30000') }),
    outside: context({ positionNotionalAfter: d('30000.001') }),
    message: ['BTCUSDT exposure would be 30000.01 USDT', 'above max_position_notional 30000 USDT', 'Reduce'],
    details: { limit: '30000', value: '30000.001' },
  },
  {
    rule: 'max_total_exposure',
    code: 'MAX_EXPOSURE',
    limits: { maxTotalExposure: d('50000') },
    inside: context({ totalExposureAfter: d('50000') }),
    outside: context({ totalExposureAfter: d('50000.01') }),
    message: ['Total exposure would be 50000.01 USDT', 'above max_total_exposure 50000 USDT', 'Reduce'],
    details: { limit: '50000', value: '50000.01' },
  },
  {
    rule: 'daily_loss_limit',
    code: 'DAILY_LOSS_LIMIT',
    limits: { dailyLossLimit: d('500') },
    inside: context({ pnlToday: d('-499.99') }),
    outside: context({ pnlToday: d('-500') }),
    message: ["Today's loss 500.00 USDT has reached daily_loss_limit 500 USDT", 'close or reduce positions'],
    details: { limit: '500', value: '500', pnl_today: '-500' },
  },
  {
    rule: 'max_drawdown_pct',
    code: 'MAX_DRAWDOWN',
    limits: { maxDrawdownPct: d('20') },
    inside: context({ equity: d('8000.01') }),
    outside: context({ equity: d('8000') }),
    message: [
      'Equity 8000 USDT is 20.00% below its peak 10000 USDT',
      'max_drawdown_pct 20%',
      'close or reduce',
    ],
    details: { limit: '20', value: '20', equity: '8000', equity_peak: '10000' },
  },
  {
    rule: 'require_stop_loss (missing)',
    code: 'STOP_LOSS_REQUIRED',
    limits: { requireStopLoss: true },
    inside: context({}, { stopLoss: d('29000') }),
    outside: context(),
    message: ['require_stop_loss is on', 'opens a position without a stop loss', 'Add a stop loss below'],
    details: { limit: 'true', value: 'none' },
  },
  {
    rule: 'require_stop_loss (wrong side)',
    code: 'STOP_LOSS_REQUIRED',
    limits: { requireStopLoss: true },
    inside: context({}, { stopLoss: d('29999.99') }),
    outside: context({}, { stopLoss: d('30000') }),
    message: ['Stop loss 30000 is not below the entry price 30000', 'Move the stop loss below 30000'],
    details: { limit: 'true', value: '30000', entry_price: '30000' },
  },
  {
    rule: 'max_price_deviation_pct (buy above mark)',
    code: 'PRICE_DEVIATION',
    limits: { maxPriceDeviationPct: d('5') },
    inside: context({}, { price: d('31500') }),
    outside: context({}, { price: d('31500.03') }),
    message: [
      'Limit price 31500.03 for a buy on BTCUSDT is 5.01% above the mark price 30000',
      'max_price_deviation_pct 5%',
      'up to 31500',
    ],
    details: { limit: '5', value: '5.0001', price: '31500.03', reference_price: '30000' },
  },
  {
    rule: 'max_price_deviation_pct (sell below mark)',
    code: 'PRICE_DEVIATION',
    limits: { maxPriceDeviationPct: d('5') },
    inside: context({}, { side: 'sell', price: d('28500') }),
    outside: context({}, { side: 'sell', price: d('28499.97') }),
    message: ['5.01% below the mark price 30000', 'max_price_deviation_pct 5%', 'down to 28500'],
    details: { limit: '5', value: '5.0001' },
  },
  {
    rule: 'max_open_orders',
    code: 'MAX_OPEN_ORDERS',
    limits: { maxOpenOrders: 5 },
    inside: context({ openOrders: 4 }),
    outside: context({ openOrders: 5 }),
    message: ['The account has 5 open orders, at max_open_orders 5', 'Cancel some open orders'],
    details: { limit: '5', value: '5' },
  },
  {
    rule: 'duplicate_window_s',
    code: 'DUPLICATE_ORDER',
    limits: { duplicateWindowS: 5 },
    inside: context({
      recentOrders: [
        recent(5000, { symbol: 'BTCUSDT', side: 'buy', quantity: d('0.10'), price: d('30000') }),
      ],
    }),
    outside: context({
      recentOrders: [
        recent(4999, { symbol: 'BTCUSDT', side: 'buy', quantity: d('0.10'), price: d('30000') }),
      ],
    }),
    message: [
      'The same order (buy 0.1 BTCUSDT at 30000) was accepted 4.9 s ago',
      'duplicate_window_s 5 s',
      'wait 1 ms',
    ],
    details: { limit: '5', value: '4999' },
  },
  {
    rule: 'min_order_interval_ms',
    code: 'ORDER_RATE_LIMIT',
    limits: { minOrderIntervalMs: 100 },
    inside: context({ recentOrders: [recent(100), recent(5000)] }),
    outside: context({ recentOrders: [recent(5000), recent(99)] }),
    message: ['accepted 99 ms ago, less than min_order_interval_ms 100 ms', 'Wait 1 ms'],
    details: { limit: '100', value: '99' },
  },
  {
    rule: 'max_orders_per_minute',
    code: 'ORDER_RATE_LIMIT',
    limits: { maxOrdersPerMinute: 3 },
    inside: context({ recentOrders: [recent(60000), recent(30000), recent(1000)] }),
    outside: context({ recentOrders: [recent(59999), recent(30000), recent(1000)] }),
    message: ['3 orders were accepted in the last 60 s, at max_orders_per_minute 3', 'Wait 1 ms'],
    details: { limit: '3', value: '3' },
  },
];

describe('evaluateRisk: every rule at its boundary', () => {
  for (const c of BOUNDARIES) {
    it(`${c.rule}: just inside passes, just outside is ${c.code}`, () => {
      expect(evaluateRisk(c.inside, c.limits)).toBeUndefined();
      const denial = denied(c.outside, c.limits);
      expect(denial.code).toBe(c.code);
      for (const part of c.message) expect(denial.message).toContain(part);
      expect(denial.details).toMatchObject(c.details);
    });
  }

  it('covers every rule in RISK_RULES', () => {
    const covered = new Set(BOUNDARIES.map((c) => c.rule.split(' ')[0]));
    covered.add('trading_state');
    expect(RISK_RULES.map((r) => r.name).filter((n) => !covered.has(n))).toEqual([]);
  });

  it('never prints a value above a limit as equal to it', () => {
    const denial = denied(context({}, { notional: d('25000.001') }), { maxOrderNotional: d('25000') });
    expect(denial.message).toContain('Order notional 25000.01 USDT exceeds max_order_notional 25000 USDT');
    expect(denial.details?.value).toBe('25000.001');
    const fine = denied(context({}, { notional: d('25000.0015') }), { maxOrderNotional: d('25000.001') });
    expect(fine.message).toContain('Order notional 25000.002 USDT exceeds max_order_notional 25000.001 USDT');
  });

  it('price deviation: a resting order away from the market is never a deviation', () => {
    const limits = { maxPriceDeviationPct: d('5') };
    expect(evaluateRisk(context({}, { price: d('15000') }), limits)).toBeUndefined();
    expect(evaluateRisk(context({}, { side: 'sell', price: d('60000') }), limits)).toBeUndefined();
  });

  it('price deviation: a triggered limit is measured from its stop price, and skipped without a reference', () => {
    const limits = { maxPriceDeviationPct: d('5') };
    const breakout = {
      type: 'stop_limit' as const,
      stopPrice: d('33000'),
      price: d('33100'),
      notional: d('3310'),
    };
    expect(evaluateRisk(context({}, breakout), limits)).toBeUndefined();
    const typo = denied(context({}, { ...breakout, price: d('34700') }), limits);
    expect(typo.code).toBe('PRICE_DEVIATION');
    expect(typo.message).toContain('above the stop price 33000');
    expect(evaluateRisk(context({ markPrice: undefined }, { price: d('99999') }), limits)).toBeUndefined();
    expect(evaluateRisk(context({}, { type: 'market', price: undefined }), limits)).toBeUndefined();
  });

  it('max open orders: a market order does not rest, so it passes at the limit', () => {
    expect(
      evaluateRisk(context({ openOrders: 5 }, { type: 'market', price: undefined }), { maxOpenOrders: 5 }),
    ).toBeUndefined();
  });

  it('duplicates must match symbol, side, quantity and price', () => {
    const limits = { duplicateWindowS: 5 };
    const same = { symbol: 'BTCUSDT', side: 'buy' as const, quantity: d('0.1'), price: d('30000') };
    expect(denied(context({ recentOrders: [recent(10, same)] }), limits).code).toBe('DUPLICATE_ORDER');
    for (const change of [
      { symbol: 'ETHUSDT' },
      { side: 'sell' as const },
      { quantity: d('0.2') },
      { price: d('29990') },
      { price: undefined },
    ]) {
      expect(
        evaluateRisk(context({ recentOrders: [recent(10, { ...same, ...change })] }), limits),
      ).toBeUndefined();
    }
    const market = { type: 'market' as const, price: undefined };
    const denial = denied(
      context({ recentOrders: [recent(1200, { ...same, price: undefined })] }, market),
      limits,
    );
    expect(denial.message).toContain('(buy 0.1 BTCUSDT at market) was accepted 1.2 s ago');
    expect(denial.message).toContain('wait 3.8 s');
  });

  it('orders per minute: the wait is until enough orders leave the window', () => {
    const denial = denied(context({ recentOrders: [recent(50000), recent(40000), recent(1000)] }), {
      maxOrdersPerMinute: 2,
    });
    // Two of three must leave; the second oldest (40 s ago) leaves in 20 s.
    expect(denial.message).toContain('Wait 20.0 s');
  });
});

describe('trading state', () => {
  it('HALTED blocks everything, even an order that closes a position', () => {
    for (const order of [{}, reducing, { ...reducing, reduceOnly: true }]) {
      const denial = denied(context({ tradingState: 'HALTED' }, order), {});
      expect(denial.code).toBe('TRADING_HALTED');
      expect(denial.message).toContain('Set the trading state');
    }
  });

  it('REDUCING blocks risk-increasing orders and accepts risk-reducing ones', () => {
    const denial = denied(context({ tradingState: 'REDUCING' }), {});
    expect(denial.code).toBe('REDUCE_ONLY_MODE');
    expect(denial.message).toContain('buy 0.1 BTCUSDT at 30000 would add exposure');
    expect(evaluateRisk(context({ tradingState: 'REDUCING' }, reducing), {})).toBeUndefined();
    expect(
      evaluateRisk(context({ tradingState: 'REDUCING' }, { side: 'sell', reduceOnly: true }), {}),
    ).toBeUndefined();
  });
});

describe('risk-reducing orders', () => {
  const breached = context(
    {
      pnlToday: d('-900'),
      equity: d('7000'),
      positionNotionalAfter: d('90000'),
      totalExposureAfter: d('900000'),
    },
    { ...reducing, notional: d('3'), type: 'market', price: undefined },
  );
  const limits: RiskLimits = {
    dailyLossLimit: d('500'),
    maxDrawdownPct: d('20'),
    maxPositionNotional: d('30000'),
    maxTotalExposure: d('50000'),
    minOrderNotional: d('5'),
    requireStopLoss: true,
  };

  it('pass the loss, drawdown, dust, stop-loss, position and exposure rules', () => {
    expect(evaluateRisk(breached, limits)).toBeUndefined();
    expect(
      evaluateRisk(
        { ...breached, order: { ...breached.order, reducesRisk: false, reduceOnly: true } },
        limits,
      ),
    ).toBeUndefined();
  });

  it('the same order adding risk is denied', () => {
    const adding = { ...breached, order: { ...breached.order, reducesRisk: false, opensPosition: true } };
    expect(denied(adding, limits).code).toBe('DAILY_LOSS_LIMIT');
  });

  it('do not pass the fat-finger, duplicate and rate rules', () => {
    expect(
      denied(
        { ...breached, order: { ...breached.order, notional: d('30000') } },
        { maxOrderNotional: d('25000') },
      ).code,
    ).toBe('MAX_ORDER_NOTIONAL');
    expect(denied({ ...breached, recentOrders: [recent(10)] }, { minOrderIntervalMs: 100 }).code).toBe(
      'ORDER_RATE_LIMIT',
    );
    expect(denied({ ...breached, recentOrders: [recent(10)] }, { maxOrdersPerMinute: 1 }).code).toBe(
      'ORDER_RATE_LIMIT',
    );
    const twice = recent(10, { symbol: 'BTCUSDT', side: 'sell', quantity: d('0.1') });
    expect(denied({ ...breached, recentOrders: [twice] }, { duplicateWindowS: 5 }).code).toBe(
      'DUPLICATE_ORDER',
    );
  });
});

describe('rule order', () => {
  /** An order that breaks every limit at once. */
  const everything = context(
    {
      tradingState: 'HALTED',
      pnlToday: d('-1000'),
      equity: d('5000'),
      positionNotionalAfter: d('99999'),
      totalExposureAfter: d('999999'),
      openOrders: 10,
      recentOrders: [
        recent(10, { symbol: 'BTCUSDT', side: 'buy', quantity: d('0.1'), price: d('40000') }),
        recent(20),
      ],
    },
    { price: d('40000'), notional: d('4') },
  );
  const tight: Required<RiskLimits> = {
    maxOrderNotional: d('3'),
    maxPositionNotional: d('1000'),
    maxTotalExposure: d('1000'),
    minOrderNotional: d('5'),
    dailyLossLimit: d('500'),
    maxDrawdownPct: d('20'),
    requireStopLoss: true,
    maxPriceDeviationPct: d('5'),
    minOrderIntervalMs: 100,
    maxOrdersPerMinute: 2,
    maxOpenOrders: 10,
    duplicateWindowS: 5,
  };

  it('reports the first broken rule in the documented order', () => {
    const seen: ReasonCode[] = [];
    let ctx: RiskContext = everything;
    let limits: RiskLimits = tight;
    const switchOff: Record<string, () => void> = {
      TRADING_HALTED: () => (ctx = { ...ctx, tradingState: 'ACTIVE' }),
      DAILY_LOSS_LIMIT: () => (limits = { ...limits, dailyLossLimit: null }),
      MAX_DRAWDOWN: () => (limits = { ...limits, maxDrawdownPct: null }),
      MAX_ORDER_NOTIONAL: () => (limits = { ...limits, maxOrderNotional: null }),
      BELOW_MIN_ORDER_NOTIONAL: () => (limits = { ...limits, minOrderNotional: null }),
      PRICE_DEVIATION: () => (limits = { ...limits, maxPriceDeviationPct: null }),
      STOP_LOSS_REQUIRED: () => (limits = { ...limits, requireStopLoss: false }),
      MAX_POSITION_NOTIONAL: () => (limits = { ...limits, maxPositionNotional: null }),
      MAX_EXPOSURE: () => (limits = { ...limits, maxTotalExposure: null }),
      MAX_OPEN_ORDERS: () => (limits = { ...limits, maxOpenOrders: null }),
      DUPLICATE_ORDER: () => (limits = { ...limits, duplicateWindowS: null }),
      ORDER_RATE_LIMIT: () =>
        (limits =
          limits.minOrderIntervalMs != null
            ? { ...limits, minOrderIntervalMs: null }
            : { ...limits, maxOrdersPerMinute: null }),
    };
    for (let denial = evaluateRisk(ctx, limits); denial; denial = evaluateRisk(ctx, limits)) {
      seen.push(denial.code);
      switchOff[denial.code]!();
    }
    expect(seen).toEqual([
      'TRADING_HALTED',
      'DAILY_LOSS_LIMIT',
      'MAX_DRAWDOWN',
      'MAX_ORDER_NOTIONAL',
      'BELOW_MIN_ORDER_NOTIONAL',
      'PRICE_DEVIATION',
      'STOP_LOSS_REQUIRED',
      'MAX_POSITION_NOTIONAL',
      'MAX_EXPOSURE',
      'MAX_OPEN_ORDERS',
      'DUPLICATE_ORDER',
      'ORDER_RATE_LIMIT',
      'ORDER_RATE_LIMIT',
    ]);
    expect(RISK_RULES.map((r) => r.name)).toEqual([
      'trading_state',
      'daily_loss_limit',
      'max_drawdown_pct',
      'max_order_notional',
      'min_order_notional',
      'max_price_deviation_pct',
      'require_stop_loss',
      'max_position_notional',
      'max_total_exposure',
      'max_open_orders',
      'duplicate_window_s',
      'min_order_interval_ms',
      'max_orders_per_minute',
    ]);
  });

  it('REDUCING comes right after HALTED', () => {
    expect(denied({ ...everything, tradingState: 'REDUCING' }, tight).code).toBe('REDUCE_ONLY_MODE');
  });
});

describe('limits that are off', () => {
  const wild = context(
    {
      pnlToday: d('-1000000'),
      equity: d('-5'),
      positionNotionalAfter: d('1e12'),
      totalExposureAfter: d('1e13'),
      openOrders: 100000,
      recentOrders: Array.from({ length: 50 }, () =>
        recent(1, { symbol: 'BTCUSDT', side: 'buy', quantity: d('0.1'), price: d('90000') }),
      ),
    },
    { price: d('90000'), notional: d('0.0001') },
  );

  it('undefined and null limits never deny', () => {
    expect(evaluateRisk(wild, {})).toBeUndefined();
    const allNull = Object.fromEntries(Object.values(RISK_LIMIT_FIELDS).map((k) => [k, null])) as RiskLimits;
    expect(evaluateRisk(wild, allNull)).toBeUndefined();
    expect(breachesHaltLimits(wild, allNull)).toBeUndefined();
  });
});

describe('DEFAULT_RISK_LIMITS', () => {
  it('let an ordinary order through and stop a fat finger', () => {
    expect(evaluateRisk(context(), DEFAULT_RISK_LIMITS)).toBeUndefined();
    const typo = denied(
      context(
        { positionNotionalAfter: d('300000'), totalExposureAfter: d('300000') },
        { quantity: d('10'), notional: d('300000') },
      ),
      DEFAULT_RISK_LIMITS,
    );
    expect(typo.code).toBe('MAX_ORDER_NOTIONAL');
    expect(typo.message).toBe(
      'Order notional 300000.00 USDT exceeds max_order_notional 25000 USDT. Reduce the size, split the order, or raise the limit.',
    );
  });

  it('are internally consistent', () => {
    expect(validateRiskLimits(DEFAULT_RISK_LIMITS)).toEqual([]);
    expect(DEFAULT_RISK_LIMITS.requireStopLoss).toBe(false);
    expect(Object.keys(DEFAULT_RISK_LIMITS).sort()).toEqual(Object.values(RISK_LIMIT_FIELDS).sort());
  });
});

describe('breachesHaltLimits', () => {
  const limits = { dailyLossLimit: d('500'), maxDrawdownPct: d('20') };
  const account = { pnlToday: d('0'), equity: d('10000'), equityPeak: d('10000') };

  it('is quiet inside the limits', () => {
    expect(
      breachesHaltLimits({ ...account, pnlToday: d('-499.99'), equity: d('8000.01') }, limits),
    ).toBeUndefined();
  });

  it('reports the daily loss first, then the drawdown', () => {
    const both = breachesHaltLimits(
      { pnlToday: d('-500'), equity: d('7000'), equityPeak: d('10000') },
      limits,
    );
    expect(both?.code).toBe('DAILY_LOSS_LIMIT');
    expect(both?.message).toContain("today's loss 500.00 USDT is at or above daily_loss_limit 500 USDT");
    expect(both?.details).toMatchObject({ limit: '500', value: '500' });
    const drawdown = breachesHaltLimits({ ...account, equity: d('8000') }, limits);
    expect(drawdown?.code).toBe('MAX_DRAWDOWN');
    expect(drawdown?.message).toContain('equity 8000 USDT is 20.00% below its peak 10000 USDT');
    expect(drawdown?.details).toMatchObject({
      limit: '20',
      value: '20',
      equity: '8000',
      equity_peak: '10000',
    });
  });

  it('treats current equity above a stale peak as the peak, and ignores a non-positive peak', () => {
    expect(
      breachesHaltLimits({ ...account, equity: d('12000'), equityPeak: d('10000') }, limits),
    ).toBeUndefined();
    expect(breachesHaltLimits({ ...account, equity: d('0'), equityPeak: d('0') }, limits)).toBeUndefined();
  });

  it('shows a repeating drawdown truncated and exact in details', () => {
    const b = breachesHaltLimits(
      { ...account, equity: d('2'), equityPeak: d('3') },
      { maxDrawdownPct: d('33.33') },
    );
    expect(b?.message).toContain('33.33% below its peak 3 USDT');
    expect(b?.details.value).toBe('33.33333333');
  });
});

describe('parseRiskLimitsPatch', () => {
  it('reads any subset: decimals as strings or numbers, integers, booleans, null to switch off', () => {
    const result = parseRiskLimitsPatch({
      max_order_notional: '25000.5',
      daily_loss_limit: 250,
      max_drawdown_pct: null,
      require_stop_loss: true,
      min_order_interval_ms: 250,
      duplicate_window_s: null,
    });
    expect(result.kind).toBe('risk_limits_patch');
    if (result.kind !== 'risk_limits_patch') return;
    expect(result.patch.maxOrderNotional?.toFixed()).toBe('25000.5');
    expect(result.patch.dailyLossLimit?.toFixed()).toBe('250');
    expect(result.patch.maxDrawdownPct).toBeNull();
    expect(result.patch.requireStopLoss).toBe(true);
    expect(result.patch.minOrderIntervalMs).toBe(250);
    expect(result.patch.duplicateWindowS).toBeNull();
    expect(Object.keys(result.patch)).toHaveLength(6);

    const merged = applyRiskLimitsPatch(DEFAULT_RISK_LIMITS, result.patch);
    expect(riskLimitsToJson(merged)).toEqual({
      max_order_notional: '25000.5',
      max_position_notional: '30000',
      max_total_exposure: '50000',
      min_order_notional: '5',
      daily_loss_limit: '250',
      max_drawdown_pct: null,
      require_stop_loss: true,
      max_price_deviation_pct: '5',
      min_order_interval_ms: 250,
      max_orders_per_minute: 120,
      max_open_orders: 200,
      duplicate_window_s: null,
    });
  });

  it('null switches require_stop_loss off', () => {
    expect(parseRiskLimitsPatch({ require_stop_loss: null })).toEqual({
      kind: 'risk_limits_patch',
      patch: { requireStopLoss: false },
    });
  });

  it('an empty object is an empty patch', () => {
    expect(parseRiskLimitsPatch({})).toEqual({ kind: 'risk_limits_patch', patch: {} });
  });

  it('reports every bad field at once, each with what to send', () => {
    const result = parseRiskLimitsPatch({
      max_order_notional: '0',
      max_position_notional: '1e5',
      max_drawdown_pct: '150',
      max_open_orders: 2.5,
      max_orders_per_minute: '10',
      require_stop_loss: 'yes',
      max_ordr_notional: '5',
      daily_loss_limit: '-1',
    });
    expect(result.kind).toBe('invalid_risk_limits');
    if (result.kind !== 'invalid_risk_limits') return;
    const byField = Object.fromEntries(result.errors.map((e) => [e.field, e.message]));
    expect(Object.keys(byField).sort()).toEqual(
      [
        'daily_loss_limit',
        'max_drawdown_pct',
        'max_open_orders',
        'max_order_notional',
        'max_orders_per_minute',
        'max_ordr_notional',
        'max_position_notional',
        'require_stop_loss',
      ].sort(),
    );
    expect(byField.max_order_notional).toContain(
      'must be greater than 0; got 0. Use null to switch the limit off',
    );
    expect(byField.max_position_notional).toContain('must be a decimal string');
    expect(byField.max_drawdown_pct).toContain('must be at most 100; got 150');
    expect(byField.max_open_orders).toContain('whole number from 1 to 100000');
    expect(byField.max_ordr_notional).toContain(
      'Unknown risk limit max_ordr_notional. Known limits: max_order_notional',
    );
  });

  it('refuses a body that is not an object', () => {
    for (const body of [null, [], 'x', 5]) {
      expect(parseRiskLimitsPatch(body).kind).toBe('invalid_risk_limits');
    }
  });

  it('validateRiskLimits refuses a dust limit above the fat-finger limit', () => {
    const errors = validateRiskLimits({ minOrderNotional: d('100'), maxOrderNotional: d('50') });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('min_order_notional 100 is above max_order_notional 50');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties

const money = fc.integer({ min: -2_000_000, max: 20_000_000 }).map((c) => new Decimal(c).div(100));
const positiveMoney = fc.integer({ min: 1, max: 20_000_000 }).map((c) => new Decimal(c).div(100));
const price = fc.integer({ min: 20_000_00, max: 40_000_00 }).map((c) => new Decimal(c).div(100));
const quantity = fc.constantFrom(d('0.1'), d('0.2'), d('1'));
const symbol = fc.constantFrom('BTCUSDT', 'ETHUSDT');
const side = fc.constantFrom('buy' as const, 'sell' as const);

const recentArb: fc.Arbitrary<RecentOrder> = fc.record(
  {
    at: fc.integer({ min: -50, max: 120_000 }).map(ago),
    symbol,
    side,
    quantity,
    price: fc.constantFrom(d('30000'), d('31000')),
  },
  { requiredKeys: ['at', 'symbol', 'side', 'quantity'] },
);

const orderArb: fc.Arbitrary<RiskOrder> = fc.record(
  {
    symbol,
    marketType: fc.constantFrom('spot' as const, 'futures' as const),
    side,
    type: fc.constantFrom('market' as const, 'limit' as const, 'stop_limit' as const),
    quantity,
    price: fc.constantFrom(d('30000'), d('31000')),
    stopPrice: price,
    notional: positiveMoney,
    reduceOnly: fc.boolean(),
    reducesRisk: fc.boolean(),
    opensPosition: fc.boolean(),
    stopLoss: price,
  },
  {
    requiredKeys: [
      'symbol',
      'marketType',
      'side',
      'type',
      'quantity',
      'notional',
      'reduceOnly',
      'reducesRisk',
      'opensPosition',
    ],
  },
);

const contextArb = (state: fc.Arbitrary<TradingState>): fc.Arbitrary<RiskContext> =>
  fc.record(
    {
      now: fc.constant(NOW),
      tradingState: state,
      order: orderArb,
      markPrice: price,
      positionNotionalAfter: positiveMoney,
      totalExposureAfter: positiveMoney,
      pnlToday: money,
      equity: money,
      equityPeak: money,
      recentOrders: fc.array(recentArb, { maxLength: 8 }),
      openOrders: fc.integer({ min: 0, max: 300 }),
    },
    {
      requiredKeys: [
        'now',
        'tradingState',
        'order',
        'positionNotionalAfter',
        'totalExposureAfter',
        'pnlToday',
        'equity',
        'equityPeak',
        'recentOrders',
        'openOrders',
      ],
    },
  );

const optionalLimit = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null | undefined> =>
  fc.oneof(arb, fc.constant(null), fc.constant(undefined));
const pct = fc.integer({ min: 1, max: 10000 }).map((c) => new Decimal(c).div(100));

const limitsArb: fc.Arbitrary<RiskLimits> = fc.record({
  maxOrderNotional: optionalLimit(positiveMoney),
  maxPositionNotional: optionalLimit(positiveMoney),
  maxTotalExposure: optionalLimit(positiveMoney),
  minOrderNotional: optionalLimit(positiveMoney),
  dailyLossLimit: optionalLimit(positiveMoney),
  maxDrawdownPct: optionalLimit(pct),
  requireStopLoss: optionalLimit(fc.boolean()),
  maxPriceDeviationPct: optionalLimit(pct),
  minOrderIntervalMs: optionalLimit(fc.integer({ min: 1, max: 120_000 })),
  maxOrdersPerMinute: optionalLimit(fc.integer({ min: 1, max: 10 })),
  maxOpenOrders: optionalLimit(fc.integer({ min: 1, max: 300 })),
  duplicateWindowS: optionalLimit(fc.integer({ min: 1, max: 120 })),
});

type Loosen = (limits: RiskLimits, amount: number) => RiskLimits;
const raiseDecimal =
  (
    key:
      | 'maxOrderNotional'
      | 'maxPositionNotional'
      | 'maxTotalExposure'
      | 'dailyLossLimit'
      | 'maxDrawdownPct'
      | 'maxPriceDeviationPct',
  ): Loosen =>
  (l, amount) => ({ ...l, [key]: l[key] == null ? l[key] : l[key].plus(new Decimal(amount).div(100)) });
const raiseInteger =
  (key: 'maxOrdersPerMinute' | 'maxOpenOrders'): Loosen =>
  (l, amount) => ({
    ...l,
    [key]: l[key] == null ? l[key] : l[key] + amount,
  });
const lowerInteger =
  (key: 'minOrderIntervalMs' | 'duplicateWindowS'): Loosen =>
  (l, amount) => ({
    ...l,
    [key]: l[key] == null ? l[key] : Math.max(1, l[key] - amount),
  });

/** Each way of making one limit less strict: raise a maximum, lower a minimum, or switch a limit off. */
const LOOSENERS: readonly [string, Loosen][] = [
  ['raise max_order_notional', raiseDecimal('maxOrderNotional')],
  ['raise max_position_notional', raiseDecimal('maxPositionNotional')],
  ['raise max_total_exposure', raiseDecimal('maxTotalExposure')],
  ['raise daily_loss_limit', raiseDecimal('dailyLossLimit')],
  ['raise max_drawdown_pct', raiseDecimal('maxDrawdownPct')],
  ['raise max_price_deviation_pct', raiseDecimal('maxPriceDeviationPct')],
  ['raise max_orders_per_minute', raiseInteger('maxOrdersPerMinute')],
  ['raise max_open_orders', raiseInteger('maxOpenOrders')],
  [
    'lower min_order_notional',
    (l, amount) => ({
      ...l,
      minOrderNotional:
        l.minOrderNotional == null
          ? l.minOrderNotional
          : Decimal.max(d('0.01'), l.minOrderNotional.minus(new Decimal(amount).div(100))),
    }),
  ],
  ['lower min_order_interval_ms', lowerInteger('minOrderIntervalMs')],
  ['lower duplicate_window_s', lowerInteger('duplicateWindowS')],
  ['switch require_stop_loss off', (l) => ({ ...l, requireStopLoss: false })],
  ...Object.values(RISK_LIMIT_FIELDS).map((key): [string, Loosen] => [
    `switch ${key} off`,
    (l) => ({ ...l, [key]: null }),
  ]),
];

describe('properties', () => {
  it('with every limit off and the account ACTIVE, evaluateRisk never denies', () => {
    fc.assert(
      fc.property(
        contextArb(fc.constant('ACTIVE')),
        fc.constantFrom<RiskLimits>(
          {},
          Object.fromEntries(Object.values(RISK_LIMIT_FIELDS).map((k) => [k, null])),
        ),
        (ctx, limits) => {
          expect(evaluateRisk(ctx, limits)).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('loosening any one limit never turns an accepted order into a denied one', () => {
    fc.assert(
      fc.property(
        contextArb(fc.constantFrom('ACTIVE', 'REDUCING', 'HALTED')),
        limitsArb,
        fc.constantFrom(...LOOSENERS),
        fc.integer({ min: 0, max: 5_000_000 }),
        (ctx, limits, [, loosen], amount) => {
          if (evaluateRisk(ctx, limits) !== undefined) return;
          expect(evaluateRisk(ctx, loosen(limits, amount))).toBeUndefined();
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('tightening a limit past the figure it is checked against denies with that limit', () => {
    fc.assert(
      fc.property(contextArb(fc.constant('ACTIVE')), (ctx) => {
        const notional = ctx.order.notional;
        const denial = evaluateRisk(ctx, { maxOrderNotional: notional.minus('0.01') });
        expect(denial?.code).toBe('MAX_ORDER_NOTIONAL');
        expect(evaluateRisk(ctx, { maxOrderNotional: notional })).toBeUndefined();
      }),
    );
  });

  it('a rule that denies is always the first denying rule in RISK_RULES', () => {
    fc.assert(
      fc.property(contextArb(fc.constantFrom('ACTIVE', 'REDUCING', 'HALTED')), limitsArb, (ctx, limits) => {
        const first = RISK_RULES.map((r) => r.rule(ctx, limits)).find((x) => x !== undefined);
        expect(evaluateRisk(ctx, limits)).toEqual(first);
      }),
      { numRuns: 500 },
    );
  });
});
