import { describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.ts';
import { findBuiltinMarket } from '../../src/domain/builtin-markets.ts';
import type { VenueFill } from '../../src/execution/venue-port.ts';
import {
  snapshotFromBinanceAlgo,
  snapshotFromStream,
  streamClientOrderId,
} from '../../src/venues/ccxt/binance-order-snapshot.ts';

const BTC_FUTURES = findBuiltinMarket('BTCUSDT', 'futures')!;
const ETH_SPOT = findBuiltinMarket('ETHUSDT', 'spot')!;

/** `GET /fapi/v1/algoOrder` as Binance documents it. */
const algo = (overrides: Record<string, unknown>) => ({
  algoId: 2146760,
  clientAlgoId: 'fg-algo-1',
  algoType: 'CONDITIONAL',
  orderType: 'STOP_MARKET',
  symbol: 'BTCUSDT',
  side: 'SELL',
  positionSide: 'BOTH',
  timeInForce: 'GTC',
  quantity: '0.010',
  algoStatus: 'NEW',
  actualOrderId: '',
  actualPrice: '0.00',
  triggerPrice: '95000.00',
  price: '0.00',
  reduceOnly: true,
  createTime: 1750485492076,
  updateTime: 1750485492076,
  triggerTime: 0,
  ...overrides,
});

const fill = (tradeId: string, quantity: string): VenueFill => ({
  tradeId,
  price: new Decimal('3380'),
  quantity: new Decimal(quantity),
  fee: new Decimal('0.0004'),
  feeAsset: 'ETH',
  liquidity: 'maker',
  timestamp: new Date(1_700_000_000_000),
});

/** A spot `executionReport` trade event. */
const report = (overrides: Record<string, unknown>) => ({
  e: 'executionReport',
  s: 'ETHUSDT',
  c: 'fg-spot-1',
  C: '',
  S: 'BUY',
  o: 'LIMIT',
  x: 'TRADE',
  X: 'PARTIALLY_FILLED',
  i: 1000042,
  l: '0.40000000',
  z: '0.40000000',
  L: '3380.00000000',
  n: '0.00040000',
  N: 'ETH',
  T: 1_700_000_000_500,
  t: 17,
  w: false,
  m: true,
  ...overrides,
});

describe('Binance USD-M algo orders as snapshots', () => {
  it('an untriggered algo order is a working order under its algoId and client algo id, with its terms', () => {
    const snapshot = snapshotFromBinanceAlgo(algo({}), 'futures', BTC_FUTURES, undefined);
    expect(snapshot).toMatchObject({
      venueOrderId: '2146760',
      clientOrderId: 'fg-algo-1',
      status: 'NEW',
      triggered: false,
      fills: [],
    });
    expect(snapshot.filledQuantity.isZero()).toBe(true);
    expect(snapshot.detail).toMatchObject({ side: 'sell', type: 'stop_market', reduceOnly: true });
    expect(snapshot.detail!.quantity.toFixed()).toBe('0.01');
    expect(snapshot.detail!.stopPrice!.toFixed()).toBe('95000');
  });

  it('canceled and expired before the trigger are final; finished without the placed order is not', () => {
    expect(
      snapshotFromBinanceAlgo(algo({ algoStatus: 'CANCELED' }), 'futures', BTC_FUTURES, undefined).status,
    ).toBe('CANCELED');
    expect(
      snapshotFromBinanceAlgo(algo({ algoStatus: 'EXPIRED' }), 'futures', BTC_FUTURES, undefined).status,
    ).toBe('EXPIRED');
    const finished = snapshotFromBinanceAlgo(
      algo({ algoStatus: 'FINISHED', actualOrderId: '8886774' }),
      'futures',
      BTC_FUTURES,
      undefined,
    );
    // Its fills are the placed order's: without them it must be looked at again, not closed unfilled.
    expect(finished).toMatchObject({ status: 'NEW', triggered: true });
  });

  it('once triggered, status and fills are those of the order the trigger placed', () => {
    const actual = {
      venueOrderId: '8886774',
      clientOrderId: 'fg-algo-1',
      symbol: 'BTCUSDT',
      marketType: 'futures' as const,
      status: 'FILLED' as const,
      triggered: true,
      filledQuantity: new Decimal('0.01'),
      fills: [{ ...fill('99', '0.01'), feeAsset: 'USDT' }],
      raw: { orderId: 8886774 },
    };
    const snapshot = snapshotFromBinanceAlgo(
      algo({ algoStatus: 'FINISHED', actualOrderId: '8886774' }),
      'futures',
      BTC_FUTURES,
      actual,
    );
    expect(snapshot).toMatchObject({ venueOrderId: '2146760', status: 'FILLED', triggered: true });
    expect(snapshot.fills.map((f) => f.tradeId)).toEqual(['99']);
    expect(snapshot.raw).toMatchObject({ actualOrderId: '8886774', actualOrder: { orderId: 8886774 } });
  });
});

describe('user data stream events as snapshots', () => {
  it('a trade event whose fill and the known ones cover the cumulative quantity is a full snapshot', () => {
    const snapshot = snapshotFromStream(report({}), 'spot', ETH_SPOT, []);
    expect(snapshot).toMatchObject({
      venueOrderId: '1000042',
      clientOrderId: 'fg-spot-1',
      status: 'PARTIALLY_FILLED',
    });
    expect(snapshot!.fills).toHaveLength(1);
    // The commission as the venue charged it: base asset on a spot buy.
    expect(snapshot!.fills[0]).toMatchObject({ tradeId: '17', feeAsset: 'ETH', liquidity: 'maker' });
    expect(snapshot!.fills[0]!.fee.toFixed()).toBe('0.0004');
    expect(snapshot!.fills[0]!.price.toFixed()).toBe('3380');
  });

  it('a missed trade event leaves the cumulative quantity uncovered: no snapshot (the REST record decides)', () => {
    const second = report({ t: 19, l: '0.60000000', z: '1.00000000', X: 'FILLED' });
    expect(snapshotFromStream(second, 'spot', ETH_SPOT, [])).toBeUndefined();
    const complete = snapshotFromStream(second, 'spot', ETH_SPOT, [fill('17', '0.4')]);
    expect(complete).toMatchObject({ status: 'FILLED' });
    expect(complete!.fills.map((f) => f.tradeId)).toEqual(['17', '19']);
  });

  it('a repeated trade event adds no fill; a cancel event is read under the original client order id', () => {
    const again = snapshotFromStream(report({}), 'spot', ETH_SPOT, [fill('17', '0.4')]);
    expect(again!.fills).toHaveLength(1);
    const canceled = report({
      x: 'CANCELED',
      X: 'CANCELED',
      c: 'cancel-request-9',
      C: 'fg-spot-1',
      t: -1,
      l: '0',
    });
    expect(streamClientOrderId(canceled)).toBe('fg-spot-1');
    expect(snapshotFromStream(canceled, 'spot', ETH_SPOT, [fill('17', '0.4')])).toMatchObject({
      clientOrderId: 'fg-spot-1',
      status: 'CANCELED',
    });
  });
});
