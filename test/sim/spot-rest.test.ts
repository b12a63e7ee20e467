import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBinance } from '../../sim/local-binance-client.ts';
import { idOf, type SimHarness, startHarness } from './sim-support.ts';

describe('simulator spot REST through the real ccxt', () => {
  let h: SimHarness;

  beforeAll(async () => {
    h = await startHarness();
    await h.spot.loadMarkets();
  });
  afterAll(async () => {
    await h.close();
  });

  it('serves exchangeInfo that ccxt reads into spot and linear markets with Binance filters', () => {
    const btc = h.spot.market('BTC/USDT');
    expect(btc.spot).toBe(true);
    expect(btc.precision.amount).toBe(0.00001);
    expect(btc.precision.price).toBe(0.01);
    expect(btc.limits.cost?.min).toBe(10);
    expect(h.spot.market('BTC/USDT:USDT').linear).toBe(true);
  });

  it('fetches a spot ticker and an order book whose nonce is the depth lastUpdateId', async () => {
    const ticker = await h.spot.fetchTicker('BTC/USDT');
    expect(ticker.symbol).toBe('BTC/USDT');
    expect(ticker.bid).toBe(96000);
    expect(ticker.ask).toBe(96000.01);
    const book = await h.spot.fetchOrderBook('BTC/USDT', 5);
    expect(book.bids[0]).toEqual([96000, 1]);
    expect(book.nonce).toBe(h.sim.exchange.depth('BTCUSDT', 'spot', 5).lastUpdateId);
  });

  it('buys at market, charging the commission in the asset received', async () => {
    const before = await h.spot.fetchBalance();
    const order = await h.spot.createOrder('BTC/USDT', 'market', 'buy', 0.001);
    expect(order.status).toBe('closed');
    expect(order.filled).toBe(0.001);
    expect(order.average).toBe(96000.01);
    const after = await h.spot.fetchBalance();
    expect(after['BTC']?.free).toBeCloseTo(0.000999, 9);
    expect((before['USDT']?.free ?? 0) - (after['USDT']?.free ?? 0)).toBeCloseTo(96.00001, 6);
  });

  it('rests a limit order, finds it by id and by client id, locks its funds, and cancels it', async () => {
    const order = await h.spot.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 90000, {
      clientOrderId: 'rest-1',
    });
    expect(order.status).toBe('open');
    expect(order.clientOrderId).toBe('rest-1');
    const byId = await h.spot.fetchOrder(idOf(order), 'BTC/USDT');
    const byClientId = await h.spot.fetchOrder('', 'BTC/USDT', { clientOrderId: 'rest-1' });
    expect(byId.id).toBe(order.id);
    expect(byClientId.id).toBe(order.id);
    expect((await h.spot.fetchOpenOrders('BTC/USDT')).map((o) => o.id)).toContain(order.id);
    expect((await h.spot.fetchBalance())['USDT']?.used).toBe(90);
    const canceled = await h.spot.cancelOrder(idOf(order), 'BTC/USDT');
    expect(canceled.status).toBe('canceled');
    expect((await h.spot.fetchBalance())['USDT']?.used).toBe(0);
    expect(await h.spot.fetchOpenOrders('BTC/USDT')).toHaveLength(0);
  });

  it('fills a resting limit partly, then fully, as trades print at its price', async () => {
    const order = await h.spot.createOrder('ETH/USDT', 'limit', 'buy', 0.1, 3390);
    h.trade('ETHUSDT', 'spot', '3390', '0.04');
    const partial = await h.spot.fetchOrder(idOf(order), 'ETH/USDT');
    expect(partial.status).toBe('open');
    expect(partial.filled).toBe(0.04);
    h.trade('ETHUSDT', 'spot', '3389.5', '1');
    const filled = await h.spot.fetchOrder(idOf(order), 'ETH/USDT');
    expect(filled.status).toBe('closed');
    expect(filled.filled).toBe(0.1);
    const trades = await h.spot.fetchMyTrades('ETH/USDT');
    expect(trades.map((t) => [t.order, t.amount, t.price, t.takerOrMaker])).toEqual([
      [order.id, 0.04, 3390, 'maker'],
      [order.id, 0.06, 3390, 'maker'],
    ]);
  });

  it('triggers a stop-loss limit when the market trades through its stop', async () => {
    const order = await h.spot.createOrder('ETH/USDT', 'limit', 'sell', 0.05, 3300, { triggerPrice: 3350 });
    expect(order.info['type']).toBe('STOP_LOSS_LIMIT');
    expect((await h.spot.fetchOrder(idOf(order), 'ETH/USDT')).status).toBe('open');
    h.book('ETHUSDT', 'spot', '3349.00', '3349.50', '10');
    h.trade('ETHUSDT', 'spot', '3349.00', '0.5');
    const triggered = await h.spot.fetchOrder(idOf(order), 'ETH/USDT');
    expect(triggered.status).toBe('closed');
    expect(triggered.average).toBe(3349);
    h.book('ETHUSDT', 'spot', '3400.00', '3400.01', '10');
  });

  it('rejects what the account cannot pay for with InsufficientFunds', async () => {
    await expect(h.spot.createOrder('BTC/USDT', 'market', 'buy', 1)).rejects.toBeInstanceOf(
      ccxt.InsufficientFunds,
    );
    await expect(h.spot.createOrder('BTC/USDT', 'limit', 'sell', 1, 97000)).rejects.toBeInstanceOf(
      ccxt.InsufficientFunds,
    );
  });

  it('rejects a client order id reused among open orders, and accepts it again once the order is closed', async () => {
    const first = await h.spot.createOrder('BTC/USDT', 'limit', 'buy', 0.0002, 90000, {
      clientOrderId: 'dup-1',
    });
    const duplicate = h.spot.createOrder('BTC/USDT', 'limit', 'buy', 0.0002, 90000, {
      clientOrderId: 'dup-1',
    });
    await expect(duplicate).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    await expect(duplicate).rejects.toThrow('Duplicate order sent.');
    await h.spot.cancelOrder(idOf(first), 'BTC/USDT');
    const again = await h.spot.createOrder('BTC/USDT', 'limit', 'buy', 0.0002, 90000, {
      clientOrderId: 'dup-1',
    });
    expect(again.id).not.toBe(first.id);
    await h.spot.cancelOrder(idOf(again), 'BTC/USDT');
  });

  it('answers filter failures and unknown orders with Binance codes ccxt maps', async () => {
    await expect(h.spot.createOrder('BTC/USDT', 'limit', 'buy', 0.00001, 90000)).rejects.toThrow(
      /Filter failure: NOTIONAL/,
    );
    await expect(h.spot.createOrder('BTC/USDT', 'limit', 'buy', 0.00001, 90000)).rejects.toBeInstanceOf(
      ccxt.BadRequest,
    );
    await expect(h.spot.fetchOrder('999', 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    await expect(h.spot.cancelOrder('999', 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.OrderNotFound);
  });

  it('refuses a bad signature, an unknown key and a stale timestamp', async () => {
    const credentials = h.sim.accounts[0]!;
    const wrongSecret = createLocalBinance(h.sim, { apiKey: credentials.apiKey, secret: 'not-the-secret' });
    await expect(wrongSecret.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    await expect(wrongSecret.fetchBalance()).rejects.toThrow(/-1022/);
    const unknownKey = createLocalBinance(h.sim, { apiKey: 'unknownkey', secret: credentials.secret });
    await expect(unknownKey.fetchBalance()).rejects.toThrow(/-2015/);
    const late = createLocalBinance(h.sim, credentials);
    late.options['timeDifference'] = 10_000;
    await expect(late.fetchBalance()).rejects.toBeInstanceOf(ccxt.InvalidNonce);
    await Promise.all([wrongSecret.close(), unknownKey.close(), late.close()]);
  });

  it('spends a quote amount on a market buy (quoteOrderQty)', async () => {
    const order = await h.spot.createMarketBuyOrderWithCost('ETH/USDT', 34.01);
    expect(order.status).toBe('closed');
    expect(order.filled).toBe(0.01);
    expect(order.info['origQuoteOrderQty']).toBe('34.01000000');
  });
});
