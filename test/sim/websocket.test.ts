import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idOf, type SimHarness, startHarness } from './sim-support.ts';

describe('simulator WebSocket streams through ccxt.pro', () => {
  let h: SimHarness;

  beforeAll(async () => {
    h = await startHarness();
    await Promise.all([h.spot.loadHttpProxyAgent(), h.futures.loadHttpProxyAgent()]);
    await Promise.all([h.spot.loadMarkets(), h.futures.loadMarkets()]);
  });
  afterAll(async () => {
    await h.close();
  });

  it('keeps a spot order book in sync from depth diffs whose update ids follow the REST snapshot', async () => {
    // The first answer is the REST snapshot ccxt fetches after subscribing; diffs then continue it.
    const snapshot = await h.spot.watchOrderBook('BTC/USDT');
    expect(snapshot.bids[0]).toEqual([96000, 1]);
    const next = h.spot.watchOrderBook('BTC/USDT');
    h.book('BTCUSDT', 'spot', '96010.00', '96010.01', '2');
    expect((await next).bids[0]).toEqual([96010, 2]);
    const after = h.spot.watchOrderBook('BTC/USDT');
    h.book('BTCUSDT', 'spot', '96020.00', '96020.01', '3');
    const book = await after;
    expect(book.asks[0]).toEqual([96020.01, 3]);
    expect(book.bids).toHaveLength(5);
    expect(book.nonce).toBe(h.sim.exchange.depth('BTCUSDT', 'spot', 1).lastUpdateId);
  });

  it('keeps a USD-M order book in sync (pu continuity)', async () => {
    const snapshot = await h.futures.watchOrderBook('BTC/USDT:USDT');
    expect(snapshot.asks[0]).toEqual([96000.1, 1]);
    const next = h.futures.watchOrderBook('BTC/USDT:USDT');
    h.book('BTCUSDT', 'futures', '96100.00', '96100.10', '2');
    expect((await next).bids[0]).toEqual([96100, 2]);
    const after = h.futures.watchOrderBook('BTC/USDT:USDT');
    h.book('BTCUSDT', 'futures', '96110.00', '96110.10', '2');
    expect((await after).bids[0]).toEqual([96110, 2]);
  });

  it('streams the 24hr ticker', async () => {
    const watching = h.spot.watchTicker('ETH/USDT');
    await new Promise((resolve) => setTimeout(resolve, 50));
    h.trade('ETHUSDT', 'spot', '3400.00', '0.5');
    h.book('ETHUSDT', 'spot', '3401.00', '3401.01', '10');
    const ticker = await watching;
    expect(ticker.symbol).toBe('ETH/USDT');
    expect(ticker.last).toBe(3400);
    expect(ticker.baseVolume).toBe(0.5);
  });

  it('pushes spot order updates over the WebSocket API user data stream', async () => {
    const updates = h.spot.watchOrders('BTC/USDT');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const order = await h.spot.createOrder('BTC/USDT', 'limit', 'buy', 0.0002, 90000, {
      clientOrderId: 'ws-spot-1',
    });
    const [seen] = await updates;
    expect(seen).toMatchObject({
      id: order.id,
      clientOrderId: 'ws-spot-1',
      status: 'open',
      symbol: 'BTC/USDT',
    });
    const canceled = h.spot.watchOrders('BTC/USDT');
    await h.spot.cancelOrder(idOf(order), 'BTC/USDT');
    expect((await canceled).at(-1)).toMatchObject({ id: order.id, status: 'canceled' });
  });

  it('pushes USD-M ORDER_TRADE_UPDATE through a listenKey stream', async () => {
    const updates = h.futures.watchOrders('BTC/USDT:USDT');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const order = await h.futures.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.002);
    let last = (await updates).at(-1);
    while (last?.status !== 'closed') last = (await h.futures.watchOrders('BTC/USDT:USDT')).at(-1);
    expect(last).toMatchObject({ id: order.id, status: 'closed', filled: 0.002, symbol: 'BTC/USDT:USDT' });
  });

  it('drops market streams on a disconnect fault; the client sees a network error', async () => {
    await h.spot.watchOrderBook('ETH/USDT');
    const next = h.spot.watchOrderBook('ETH/USDT');
    h.sim.faults.disconnectStreams('market');
    await expect(next).rejects.toBeInstanceOf(ccxt.NetworkError);
  });
});
