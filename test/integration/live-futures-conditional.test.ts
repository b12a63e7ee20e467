import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcxtBinanceVenue } from '../../src/venues/ccxt/ccxt-binance-venue.ts';
import { eventually } from '../support/eventually.ts';
import { SIM_VENUE_OPTIONS, startLiveHarness, type LiveHarness } from '../support/live-harness.ts';
import { databaseKind } from '../support/test-database.ts';

/**
 * USD-M conditional orders go through Binance's algo order API (`/fapi/v1/algoOrder`) since December 2025:
 * `/fapi/v1/order` refuses them (-4120). Placed, followed to their trigger and the fills of the order
 * the trigger placed, canceled, resolved after a lost answer, and adopted when placed elsewhere.
 */
describe(`USD-M stop and take-profit orders through the algo order API (${databaseKind})`, () => {
  let L: LiveHarness;
  beforeAll(async () => {
    L = await startLiveHarness({
      // Reconciliation every 100 ms and open-order scans every 200 ms: far past 1200 weight a minute.
      weightPerMinute: 1_000_000,
      env: {
        FILLGATE_RECONCILE_INTERVAL_MS: '100',
        FILLGATE_RECONCILE_SETTLE_MS: '1500',
        FILLGATE_BALANCE_CHECK_INTERVAL_MS: '200',
      },
    });
  });
  afterAll(async () => L?.close());

  const place = (payload: Record<string, unknown>) =>
    L.placeOrder({ account_id: L.user.futuresAccountId, market_type: 'futures', ...payload });
  const order = (id: string) => L.h.fillgate.read.findOrder(L.user.userId, id);
  /** The stop-limit left resting by the unknown-outcome test, for the restart test after it. */
  let restingStopLimit = '';
  const simAccount = () => L.sim.exchange.accountByKey(L.apiKey)!;
  const atSim = (clientOrderId: string) =>
    L.sim.ordersOf(L.apiKey, 'futures').filter((o) => o.clientOrderId === clientOrderId);
  const openPosition = async (symbol: string) =>
    (await L.h.fillgate.read.listPositions(L.user.userId)).find(
      (p) =>
        p.marketType === 'futures' && p.symbol === symbol && p.status !== 'CLOSED' && p.status !== 'FAILED',
    );
  const ledgerUsdt = async () =>
    (await L.h.fillgate.read.listBalances(L.user.userId)).find(
      (b) => b.accountId === L.user.futuresAccountId && b.asset === 'USDT',
    )!.total;
  /** Moves the USD-M market: a new book around `price` and a trade at it. */
  const marketAt = (symbol: string, price: string) => {
    const bid = (Number(price) - 0.1).toFixed(2);
    L.s.book(symbol, 'futures', bid, price, '5');
    L.s.trade(symbol, 'futures', price, '0.5');
  };
  /** Puts the market back where the simulator started it, and waits for the venue to see that mark. */
  const restoreMarket = async (symbol: 'BTCUSDT' | 'ETHUSDT') => {
    const [bid, ask, mid] =
      symbol === 'BTCUSDT' ? ['96000.00', '96000.10', '96000.05'] : ['3400.00', '3400.01', '3400.005'];
    L.s.book(symbol, 'futures', bid, ask, '5');
    // Triggers compare with the last trade: one at the ask puts it back too.
    L.s.trade(symbol, 'futures', ask, '0.1');
    const mark = await eventually(
      async () => L.venue.markPrice(symbol, 'futures'),
      (value) => value?.toFixed() === mid,
    );
    expect(mark?.toFixed()).toBe(mid);
  };

  it('a stop-market protecting a long is an algo order, triggers as the market falls, fills and closes it', async () => {
    const startUsdt = await ledgerUsdt();
    const entry = await place({
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      quantity: '0.01',
      leverage: 5,
    });
    expect(entry.body.status, entry.body.message).toBe('PLACED');
    expect((await openPosition('BTCUSDT'))?.quantity.toFixed()).toBe('0.01');

    const { code, body } = await place({
      symbol: 'BTCUSDT',
      side: 'sell',
      type: 'stop_market',
      quantity: '0.01',
      stop_price: '95000',
      reduce_only: true,
    });
    expect(code, body.message).toBe(201);
    expect(body).toMatchObject({ success: true, status: 'PLACED' });
    const stored = (await order(body.order_id))!;
    expect(stored.status).toBe('OPEN');
    const [atVenue] = atSim(stored.clientOrderId);
    // At the algo service, under our client order id as its client algo id; its algoId is the exchange id.
    expect(atVenue?.algoId).toBeDefined();
    expect(body.exchange_order_id).toBe(String(atVenue!.algoId));
    expect(atVenue!.type).toBe('STOP_MARKET');
    expect(atVenue!.stopPrice?.toFixed()).toBe('95000');
    expect(atVenue!.reduceOnly).toBe(true);

    marketAt('BTCUSDT', '94900.00');
    const filled = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'FILLED',
    );
    expect(filled!.filledQuantity.toFixed()).toBe('0.01');
    expect(filled!.venueOrderId).toBe(String(atVenue!.algoId));
    const fills = await L.h.fillgate.read.listFills(L.user.userId, body.order_id);
    expect(fills).toHaveLength(1);
    expect(fills[0]!.venueTradeId).toBe(String(atVenue!.trades[0]!.id));
    expect(fills[0]!.price.toFixed()).toBe(atVenue!.trades[0]!.price.toFixed());
    expect(await openPosition('BTCUSDT')).toBeUndefined();
    // Realized loss and both fees left the ledger, as they left the venue's wallet.
    const venueWallet = (await L.venue.fetchBalances('futures')).get('USDT')!;
    expect((await ledgerUsdt()).toFixed()).toBe(venueWallet.toFixed());
    expect((await ledgerUsdt()).lessThan(startUsdt)).toBe(true);
    await restoreMarket('BTCUSDT');
  });

  it('a take-profit on a short triggers as the market falls to it and fills', async () => {
    const entry = await place({
      symbol: 'ETHUSDT',
      side: 'sell',
      type: 'market',
      quantity: '1',
      leverage: 5,
    });
    expect(entry.body.status, entry.body.message).toBe('PLACED');
    const { body } = await place({
      symbol: 'ETHUSDT',
      side: 'buy',
      type: 'take_profit',
      quantity: '1',
      stop_price: '3300',
      reduce_only: true,
    });
    expect(body.status, body.message).toBe('PLACED');
    const stored = (await order(body.order_id))!;
    expect(stored.status).toBe('OPEN');
    const [atVenue] = atSim(stored.clientOrderId);
    expect(atVenue?.type).toBe('TAKE_PROFIT_MARKET');
    expect(body.exchange_order_id).toBe(String(atVenue!.algoId));

    marketAt('ETHUSDT', '3290.00');
    const filled = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'FILLED',
    );
    expect(filled!.filledQuantity.toFixed()).toBe('1');
    expect(await L.h.fillgate.read.listFills(L.user.userId, body.order_id)).toHaveLength(1);
    expect(await openPosition('ETHUSDT')).toBeUndefined();
    const venueWallet = (await L.venue.fetchBalances('futures')).get('USDT')!;
    expect((await ledgerUsdt()).toFixed()).toBe(venueWallet.toFixed());
    await restoreMarket('ETHUSDT');
  });

  it('a resting stop is canceled at the algo service', async () => {
    const { body } = await place({
      symbol: 'BTCUSDT',
      side: 'sell',
      type: 'stop_market',
      quantity: '0.002',
      stop_price: '90000',
    });
    expect(body.status, body.message).toBe('PLACED');
    const res = await L.h.fillgate.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${body.order_id}/cancel`,
      headers: L.user.auth,
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    const stored = (await order(body.order_id))!;
    expect(stored.status).toBe('CANCELED');
    const [atVenue] = atSim(stored.clientOrderId);
    expect(atVenue!.snapshot.status).toBe('CANCELED');
    expect(atVenue!.snapshot.triggered).toBe(false);
    expect(L.sim.exchange.openOrders(simAccount(), 'futures', 'BTCUSDT', true)).toHaveLength(0);
  });

  it('a triggered stop-limit resting in the matching engine is canceled there', async () => {
    const { body } = await place({
      symbol: 'BTCUSDT',
      side: 'sell',
      type: 'stop_limit',
      quantity: '0.002',
      stop_price: '95500',
      price: '95600',
    });
    expect(body.status, body.message).toBe('PLACED');
    const stored = (await order(body.order_id))!;
    marketAt('BTCUSDT', '95400.00');
    const [atVenue] = atSim(stored.clientOrderId);
    // Triggered: a LIMIT sell above the market now rests in the matching engine, unfilled.
    expect(atVenue!.snapshot.triggered).toBe(true);
    expect(atVenue!.snapshot.status).toBe('NEW');
    const res = await L.h.fillgate.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${body.order_id}/cancel`,
      headers: L.user.auth,
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    expect((await order(body.order_id))!.status).toBe('CANCELED');
    expect(atVenue!.snapshot.status).toBe('CANCELED');
    expect(await L.h.fillgate.read.listFills(L.user.userId, body.order_id)).toHaveLength(0);
    await restoreMarket('BTCUSDT');
  });

  it('an algo order whose answer was lost is UNKNOWN, then found by its client algo id: one order', async () => {
    L.setFaults({ acceptThenDrop: { times: 1, endpoints: ['POST /fapi/v1/algoOrder'] } });
    const { body } = await place({
      symbol: 'BTCUSDT',
      side: 'sell',
      type: 'stop_limit',
      quantity: '0.002',
      stop_price: '91000',
      price: '90900',
    });
    expect(body).toMatchObject({ status: 'FAILED', reason_code: 'OUTCOME_UNKNOWN' });
    expect((await order(body.order_id))!.status).toBe('UNKNOWN');
    const resolved = await eventually(
      () => order(body.order_id),
      (o) => o?.status === 'OPEN',
    );
    const venueOrders = atSim(resolved!.clientOrderId);
    expect(venueOrders).toHaveLength(1);
    expect(venueOrders[0]!.type).toBe('STOP');
    restingStopLimit = resolved!.clientOrderId;
    expect(resolved!.venueOrderId).toBe(String(venueOrders[0]!.algoId));
    // Still one order after more reconciliation passes: it was never sent again.
    await L.h.fillgate.reconciler.pass();
    await L.h.fillgate.reconciler.pass();
    expect(atSim(resolved!.clientOrderId)).toHaveLength(1);
  });

  it('without the adapter memory (a restart), lookups find algo orders and prove a never-sent one absent', async () => {
    const credentials = L.sim.accounts[0]!;
    const fresh = new CcxtBinanceVenue({
      ...SIM_VENUE_OPTIONS,
      id: 'binance:fresh',
      apiKey: credentials.apiKey,
      secret: credentials.secret,
      baseUrl: L.sim.baseUrl,
      wsUrl: L.sim.wsUrl,
      marketTypes: ['futures'],
      weightLimitPerMinute: { spot: 1_000_000, futures: 1_000_000 },
    });
    await fresh.start();
    try {
      const [resting] = atSim(restingStopLimit);
      expect(resting?.snapshot.status).toBe('NEW');
      const ref = { accountRef: 'x', symbol: 'BTCUSDT', marketType: 'futures' as const };
      const found = await fresh.fetchOrder({ ...ref, clientOrderId: restingStopLimit });
      expect(found).toMatchObject({
        venueOrderId: String(resting!.algoId),
        clientOrderId: restingStopLimit,
        status: 'NEW',
        triggered: false,
      });
      expect(found!.detail).toMatchObject({ side: 'sell', type: 'stop_limit' });
      expect(found!.detail!.stopPrice!.toFixed()).toBe('91000');
      expect(await fresh.fetchOrder({ ...ref, clientOrderId: 'never-sent-anywhere-1' })).toBeUndefined();
      const open = await fresh.fetchOpenOrders('futures');
      expect(open.filter((o) => o.clientOrderId === restingStopLimit)).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });

  it('a conditional order placed elsewhere is adopted once, and its trigger fills it', async () => {
    // Placed directly at the venue with another tool: a long and its stop.
    await L.s.futures.createOrder('ETH/USDT:USDT', 'market', 'buy', 0.5);
    await L.s.futures.createOrder('ETH/USDT:USDT', 'market', 'sell', 0.5, undefined, {
      triggerPrice: 3350,
      reduceOnly: true,
      clientOrderId: 'algo-elsewhere-1',
    });
    const external = async () =>
      (await L.h.fillgate.read.listOrders(L.user.userId, { source: 'EXTERNAL', limit: 50 })).items.filter(
        (o) => o.clientOrderId === 'algo-elsewhere-1',
      );
    const adopted = await eventually(external, (orders) => orders.length === 1);
    expect(adopted[0]).toMatchObject({ status: 'OPEN', side: 'sell', type: 'stop_market', reduceOnly: true });
    expect(adopted[0]!.stopPrice?.toFixed()).toBe('3350');
    const algoId = L.sim.exchange.openOrders(simAccount(), 'futures', 'ETHUSDT', true)[0]!.algoId;
    expect(adopted[0]!.venueOrderId).toBe(String(algoId));

    marketAt('ETHUSDT', '3340.00');
    const filled = await eventually(external, (orders) => orders[0]?.status === 'FILLED');
    expect(filled).toHaveLength(1);
    expect(await L.h.fillgate.read.listFills(L.user.userId, filled[0]!.id)).toHaveLength(1);
    // Later scans see the triggered order under the same client id and adopt nothing more.
    await L.h.fillgate.reconciler.pass();
    expect(await external()).toHaveLength(1);
    await restoreMarket('ETHUSDT');
  });
});
