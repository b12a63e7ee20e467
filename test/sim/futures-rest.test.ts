import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idOf, type SimHarness, startHarness } from './sim-support.ts';

const BTC = 'BTC/USDT:USDT';

describe('simulator USD-M REST through the real ccxt', () => {
  let h: SimHarness;

  beforeAll(async () => {
    h = await startHarness();
    await h.futures.loadMarkets();
  });
  afterAll(async () => {
    await h.close();
  });

  it('loads linear markets and reads a futures ticker and order book as the contract market', async () => {
    expect(h.futures.market(BTC).swap).toBe(true);
    const ticker = await h.futures.fetchTicker(BTC);
    expect(ticker.symbol).toBe(BTC);
    const book = await h.futures.fetchOrderBook(BTC);
    expect(book.symbol).toBe(BTC);
    expect(book.asks[0]).toEqual([96000.1, 1]);
  });

  it('reports the futures wallet', async () => {
    const balance = await h.futures.fetchBalance();
    expect(balance['USDT']).toMatchObject({ free: 10000, used: 0, total: 10000 });
  });

  it('sets leverage within the bracket and refuses more', async () => {
    const answer = await h.futures.setLeverage(10, BTC);
    expect(answer).toMatchObject({ leverage: 10, symbol: 'BTCUSDT' });
    await expect(h.futures.setLeverage(126, BTC)).rejects.toBeInstanceOf(ccxt.BadRequest);
    await expect(h.futures.setLeverage(120, 'ETH/USDT:USDT')).rejects.toBeInstanceOf(ccxt.BadRequest);
  });

  it('opens a long at market, shows the position and the margin it uses', async () => {
    const order = await h.futures.createOrder(BTC, 'market', 'buy', 0.01);
    expect(order.status).toBe('closed');
    expect(order.symbol).toBe(BTC);
    expect(order.average).toBe(96000.1);
    const [position] = await h.futures.fetchPositions([BTC]);
    expect(position).toMatchObject({
      symbol: BTC,
      contracts: 0.01,
      side: 'long',
      leverage: 10,
      entryPrice: 96000.1,
    });
    const balance = await h.futures.fetchBalance();
    expect(balance['USDT']?.used).toBeCloseTo(96.0, 1);
  });

  it('rests a limit, finds it by id and client id, and cancels it', async () => {
    const order = await h.futures.createOrder(BTC, 'limit', 'sell', 0.01, 99000, {
      clientOrderId: 'fut-rest-1',
    });
    expect(order.status).toBe('open');
    expect((await h.futures.fetchOrder(idOf(order), BTC)).clientOrderId).toBe('fut-rest-1');
    expect((await h.futures.fetchOrder('', BTC, { clientOrderId: 'fut-rest-1' })).id).toBe(order.id);
    expect((await h.futures.fetchOpenOrders(BTC)).map((o) => o.id)).toEqual([order.id]);
    const duplicate = h.futures.createOrder(BTC, 'limit', 'sell', 0.01, 99000, {
      clientOrderId: 'fut-rest-1',
    });
    await expect(duplicate).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    await expect(duplicate).rejects.toThrow(/-4116/);
    expect((await h.futures.cancelOrder(idOf(order), BTC)).status).toBe('canceled');
  });

  it('places, lists and cancels a stop-market through the algo order API', async () => {
    const stop = await h.futures.createOrder(BTC, 'market', 'sell', 0.01, undefined, {
      triggerPrice: 94000,
      reduceOnly: true,
    });
    expect(stop.status).toBe('open');
    expect(stop.triggerPrice).toBe(94000);
    const open = await h.futures.fetchOpenOrders(BTC, undefined, undefined, { trigger: true });
    expect(open.map((o) => o.id)).toEqual([stop.id]);
    const fetched = await h.futures.fetchOrder(idOf(stop), BTC, { trigger: true });
    expect(fetched.clientOrderId).toBe(stop.clientOrderId);
    const canceled = await h.futures.cancelOrder(idOf(stop), BTC, { trigger: true });
    expect(canceled.id).toBe(stop.id);
    expect(await h.futures.fetchOpenOrders(BTC, undefined, undefined, { trigger: true })).toHaveLength(0);
  });

  it('refuses conditional types on /fapi/v1/order with -4120, as Binance does since December 2025', async () => {
    for (const type of ['STOP_MARKET', 'TAKE_PROFIT_MARKET', 'STOP', 'TAKE_PROFIT', 'TRAILING_STOP_MARKET']) {
      const sent = h.futures.fapiPrivatePostOrder({
        symbol: 'BTCUSDT',
        side: 'SELL',
        type,
        quantity: '0.01',
        stopPrice: '94000',
        price: '93900',
        timeInForce: 'GTC',
        newClientOrderId: `old-path-${type}`,
      });
      await expect(sent).rejects.toBeInstanceOf(ccxt.ExchangeError);
      await expect(sent).rejects.toThrow(
        /-4120.*Order type not supported for this endpoint\. Please use the Algo Order API endpoints instead\./,
      );
    }
    expect(
      h.sim
        .ordersOf(h.sim.accounts[0]!.apiKey, 'futures')
        .some((o) => o.clientOrderId.startsWith('old-path-')),
    ).toBe(false);
  });

  it('triggers a stop-market when the market trades through it', async () => {
    const stop = await h.futures.createOrder(BTC, 'market', 'sell', 0.005, undefined, {
      triggerPrice: 95500,
    });
    h.book('BTCUSDT', 'futures', '95400.00', '95400.10', '1');
    h.trade('BTCUSDT', 'futures', '95450', '0.1');
    const fetched = await h.futures.fetchOrder(idOf(stop), BTC, { trigger: true });
    expect(fetched.info['algoStatus']).toBe('FINISHED');
    const [position] = await h.futures.fetchPositions([BTC]);
    expect(position?.contracts).toBeCloseTo(0.005, 9);
    h.book('BTCUSDT', 'futures', '96000.00', '96000.10', '1');
  });

  it('rejects an order beyond the margin with InsufficientFunds (-2019) and a wrong-side reduce-only', async () => {
    await expect(h.futures.createOrder(BTC, 'market', 'buy', 3)).rejects.toBeInstanceOf(
      ccxt.InsufficientFunds,
    );
    await expect(
      h.futures.createOrder(BTC, 'market', 'buy', 0.001, undefined, { reduceOnly: true }),
    ).rejects.toThrow(/-2022/);
  });

  it('closes the position with a reduce-only market order and books realized PnL', async () => {
    const close = await h.futures.createOrder(BTC, 'market', 'sell', 0.005, undefined, { reduceOnly: true });
    expect(close.status).toBe('closed');
    const positions = await h.futures.fetchPositions([BTC]);
    expect(positions.filter((p) => (p.contracts ?? 0) > 0)).toHaveLength(0);
    const trades = await h.futures.fetchMyTrades(BTC);
    expect(trades.length).toBeGreaterThanOrEqual(3);
    expect(trades.at(-1)?.info['realizedPnl']).toBe('-0.00050000');
  });

  it('shows a triggered algo order as FINISHED with the id of the order it placed, found there by client id', async () => {
    h.trade('BTCUSDT', 'futures', '96000', '0.001');
    const stop = await h.futures.createOrder(BTC, 'market', 'sell', 0.002, undefined, {
      triggerPrice: 95600,
      clientOrderId: 'algo-link-1',
    });
    const before = await h.futures.fapiPrivateGetAlgoOrder({ clientAlgoId: 'algo-link-1' });
    expect(before).toMatchObject({ algoStatus: 'NEW', actualOrderId: '', clientAlgoId: 'algo-link-1' });
    // Not in the matching engine before its trigger.
    await expect(
      h.futures.fapiPrivateGetOrder({ symbol: 'BTCUSDT', origClientOrderId: 'algo-link-1' }),
    ).rejects.toThrow(/-2013/);
    h.book('BTCUSDT', 'futures', '95500.00', '95500.10', '1');
    h.trade('BTCUSDT', 'futures', '95550', '0.1');
    const after = await h.futures.fapiPrivateGetAlgoOrder({ algoId: idOf(stop) });
    expect(after['algoStatus']).toBe('FINISHED');
    const actualOrderId = String(after['actualOrderId']);
    expect(actualOrderId).not.toBe('');
    const placed = await h.futures.fapiPrivateGetOrder({ symbol: 'BTCUSDT', orderId: actualOrderId });
    expect(placed).toMatchObject({ status: 'FILLED', type: 'MARKET', clientOrderId: 'algo-link-1' });
    const trades = await h.futures.fapiPrivateGetUserTrades({ symbol: 'BTCUSDT', orderId: actualOrderId });
    expect(trades).toHaveLength(1);
    await expect(
      h.futures.fapiPrivateDeleteAlgoOrder({ symbol: 'BTCUSDT', clientAlgoId: 'algo-link-1' }),
    ).rejects.toThrow(/-20124/);
    const [position] = await h.futures.fetchPositions([BTC]);
    expect(position?.contracts).toBeCloseTo(0.002, 9);
    await h.futures.createOrder(BTC, 'market', 'buy', 0.002, undefined, { reduceOnly: true });
    h.book('BTCUSDT', 'futures', '96000.00', '96000.10', '1');
  });
});
