import { Decimal, ZERO } from '../src/domain/decimal.ts';
import type { MarketRules } from '../src/domain/market-rules.ts';
import type { BookLevel } from '../src/venues/market-data/market-event.ts';
import type { SimAccount } from './sim-account.ts';
import type { MarketStreamEvent, OrderEvent, SimExchange, SimOrder, SimTrade } from './sim-exchange.ts';

/*
 * Binance's JSON shapes, field for field, for the REST answers and stream events the simulator sends.
 * Decimals go out as strings in Binance's own formatting (spot: eight decimals; USD-M: the market's
 * precision), never as JS numbers. ccxt tells spot from USD-M by which fields are present (`positionSide`
 * or `cumQuote` on an order, `bidQty` on a ticker), so those are part of the contract, not decoration.
 */

export type Json = Record<string, unknown>;

/** At least `places` decimals, more when the value has them (an average price may). */
function fixed(value: Decimal, places: number): string {
  return value.toFixed(Math.max(places, Math.min(value.decimalPlaces(), 16)));
}

export function priceText(market: MarketRules, value: Decimal): string {
  return market.marketType === 'spot' ? value.toFixed(8) : fixed(value, market.tickSize.decimalPlaces());
}

export function qtyText(market: MarketRules, value: Decimal): string {
  return market.marketType === 'spot' ? value.toFixed(8) : fixed(value, market.stepSize.decimalPlaces());
}

export function quoteText(market: MarketRules, value: Decimal): string {
  return market.marketType === 'spot' ? value.toFixed(8) : fixed(value.toDecimalPlaces(8), 5);
}

function filledOf(order: SimOrder): { readonly filled: Decimal; readonly quote: Decimal } {
  let quote = ZERO;
  for (const fill of order.snapshot.fills) quote = quote.add(fill.price.mul(fill.quantity));
  return { filled: order.snapshot.filledQuantity, quote };
}

function average(filled: Decimal, quote: Decimal): Decimal {
  return filled.isZero() ? ZERO : quote.div(filled).toDecimalPlaces(8);
}

export function spotOrderJson(order: SimOrder, shape: 'ack' | 'result' | 'full' | 'query'): Json {
  const { market } = order;
  const base: Json = {
    symbol: market.symbol,
    orderId: order.orderId,
    orderListId: -1,
    clientOrderId: order.clientOrderId,
  };
  if (shape === 'ack') return { ...base, transactTime: order.time };
  const { filled, quote } = filledOf(order);
  const body: Json = {
    ...base,
    ...(shape !== 'query' && { transactTime: order.time }),
    price: priceText(market, order.price ?? ZERO),
    origQty: qtyText(market, order.origQty),
    executedQty: qtyText(market, filled),
    cummulativeQuoteQty: quoteText(market, quote),
    status: order.snapshot.status,
    timeInForce: order.timeInForce,
    type: order.type,
    side: order.side,
    ...(order.stopPrice && { stopPrice: priceText(market, order.stopPrice) }),
    workingTime: order.time,
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
  if (shape === 'query') {
    return {
      ...body,
      stopPrice: priceText(market, order.stopPrice ?? ZERO),
      icebergQty: '0.00000000',
      time: order.time,
      updateTime: order.updateTime,
      isWorking: !order.stopPrice || order.snapshot.triggered,
      origQuoteOrderQty: quoteText(market, order.origQuoteOrderQty),
    };
  }
  if (shape === 'full') {
    return {
      ...body,
      origQuoteOrderQty: quoteText(market, order.origQuoteOrderQty),
      fills: order.trades.map((trade) => ({
        price: priceText(market, trade.price),
        qty: qtyText(market, trade.qty),
        commission: trade.commission.toFixed(8),
        commissionAsset: trade.commissionAsset,
        tradeId: trade.id,
      })),
    };
  }
  return { ...body, origQuoteOrderQty: quoteText(market, order.origQuoteOrderQty) };
}

/** Spot cancel answer: Binance names the cancel request's own id `clientOrderId`. */
export function spotCancelJson(order: SimOrder, cancelClientOrderId: string): Json {
  const { origQuoteOrderQty: _omit, ...rest } = spotOrderJson(order, 'result');
  return { ...rest, origClientOrderId: order.clientOrderId, clientOrderId: cancelClientOrderId };
}

/**
 * A USD-M order as the order endpoints show it. An algo order appears there only once triggered, as the
 * MARKET or LIMIT order it placed in the matching engine, under the algo order's client id.
 */
export function futuresOrderJson(order: SimOrder, withTime: boolean): Json {
  const { market } = order;
  const { filled, quote } = filledOf(order);
  const triggeredMarket = order.type === 'STOP_MARKET' || order.type === 'TAKE_PROFIT_MARKET';
  const type = order.algoId === undefined ? order.type : triggeredMarket ? 'MARKET' : 'LIMIT';
  return {
    orderId: order.orderId,
    symbol: market.symbol,
    status: order.snapshot.status,
    clientOrderId: order.clientOrderId,
    price: priceText(market, order.price ?? ZERO),
    avgPrice: priceText(market, average(filled, quote)),
    origQty: qtyText(market, order.origQty),
    executedQty: qtyText(market, filled),
    cumQty: qtyText(market, filled),
    cumQuote: quoteText(market, quote),
    timeInForce: order.timeInForce,
    type,
    reduceOnly: order.reduceOnly,
    closePosition: false,
    side: order.side,
    positionSide: 'BOTH',
    stopPrice: priceText(market, order.stopPrice ?? ZERO),
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: type,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
    ...(withTime && { time: order.time }),
    updateTime: order.updateTime,
  };
}

/**
 * The algo-order view of a USD-M conditional order (`/fapi/v1/algoOrder`). Before the trigger the status
 * is the algo service's own (NEW, CANCELED, EXPIRED); after it, TRIGGERED while the order it placed in the
 * matching engine works and FINISHED once that one is final, whose id is `actualOrderId` and whose fills
 * are that order's (`userTrades?orderId=`).
 */
export function algoOrderJson(order: SimOrder): Json {
  const { market } = order;
  const status = order.snapshot.status;
  const triggered = order.snapshot.triggered;
  const final = status === 'FILLED' || status === 'CANCELED' || status === 'EXPIRED' || status === 'REJECTED';
  const algoStatus = triggered ? (final ? 'FINISHED' : 'TRIGGERED') : status === 'NEW' ? 'NEW' : status;
  const { filled, quote } = filledOf(order);
  return {
    algoId: order.algoId,
    clientAlgoId: order.clientOrderId,
    algoType: 'CONDITIONAL',
    orderType: order.type,
    symbol: market.symbol,
    side: order.side,
    positionSide: 'BOTH',
    timeInForce: order.timeInForce,
    quantity: qtyText(market, order.origQty),
    algoStatus,
    triggerPrice: priceText(market, order.stopPrice ?? ZERO),
    price: priceText(market, order.price ?? ZERO),
    icebergQuantity: null,
    selfTradePreventionMode: 'EXPIRE_MAKER',
    workingType: 'CONTRACT_PRICE',
    priceMatch: 'NONE',
    closePosition: false,
    priceProtect: false,
    reduceOnly: order.reduceOnly,
    actualOrderId: triggered ? String(order.orderId) : '',
    actualPrice: priceText(market, average(filled, quote)),
    createTime: order.time,
    updateTime: order.updateTime,
    triggerTime: triggered ? order.updateTime : 0,
    goodTillDate: 0,
  };
}

export function spotTradeJson(trade: SimTrade, market: MarketRules): Json {
  return {
    symbol: trade.symbol,
    id: trade.id,
    orderId: trade.orderId,
    orderListId: -1,
    price: priceText(market, trade.price),
    qty: qtyText(market, trade.qty),
    quoteQty: quoteText(market, trade.quoteQty),
    commission: trade.commission.toFixed(8),
    commissionAsset: trade.commissionAsset,
    time: trade.time,
    isBuyer: trade.side === 'BUY',
    isMaker: trade.maker,
    isBestMatch: true,
  };
}

export function futuresTradeJson(trade: SimTrade, market: MarketRules): Json {
  return {
    buyer: trade.side === 'BUY',
    commission: trade.commission.toFixed(8),
    commissionAsset: trade.commissionAsset,
    id: trade.id,
    maker: trade.maker,
    orderId: trade.orderId,
    price: priceText(market, trade.price),
    qty: qtyText(market, trade.qty),
    quoteQty: quoteText(market, trade.quoteQty),
    realizedPnl: trade.realizedPnl.toFixed(8),
    side: trade.side,
    positionSide: 'BOTH',
    symbol: trade.symbol,
    time: trade.time,
  };
}

export function spotAccountJson(exchange: SimExchange, account: SimAccount): Json {
  const fees = exchange.feeRates('spot');
  const bp = (rate: Decimal): number => rate.mul(10000).toNumber();
  return {
    makerCommission: bp(fees.maker),
    takerCommission: bp(fees.taker),
    buyerCommission: 0,
    sellerCommission: 0,
    commissionRates: {
      maker: fees.maker.toFixed(8),
      taker: fees.taker.toFixed(8),
      buyer: '0.00000000',
      seller: '0.00000000',
    },
    canTrade: true,
    canWithdraw: true,
    canDeposit: true,
    brokered: false,
    requireSelfTradePrevention: false,
    preventSor: false,
    updateTime: account.updateTime,
    accountType: 'SPOT',
    balances: [...account.spot.entries()].map(([asset, balance]) => ({
      asset,
      free: balance.free.toFixed(8),
      locked: balance.locked.toFixed(8),
    })),
    permissions: ['SPOT'],
    uid: account.id,
  };
}

function futuresAssets(account: SimAccount): string[] {
  return [...new Set(['USDT', ...account.futuresWallet.keys()])];
}

export function futuresAssetJson(exchange: SimExchange, account: SimAccount, asset: string): Json {
  const m = exchange.futuresMargins(account, asset);
  const initial = m.positionInitialMargin.add(m.openOrderInitialMargin);
  const f = (value: Decimal): string => value.toFixed(8);
  return {
    asset,
    walletBalance: f(m.wallet),
    unrealizedProfit: f(m.unrealized),
    marginBalance: f(m.wallet.add(m.unrealized)),
    maintMargin: f(m.maintenanceMargin),
    initialMargin: f(initial),
    positionInitialMargin: f(m.positionInitialMargin),
    openOrderInitialMargin: f(m.openOrderInitialMargin),
    crossWalletBalance: f(m.wallet),
    crossUnPnl: f(m.unrealized),
    availableBalance: f(m.available),
    maxWithdrawAmount: f(Decimal.max(ZERO, Decimal.min(m.available, m.wallet))),
    marginAvailable: true,
    // ccxt skips assets whose updateTime is 0 (never touched), as Binance lists every asset.
    updateTime: account.updateTime,
  };
}

export function positionJson(exchange: SimExchange, account: SimAccount, market: MarketRules): Json {
  const position = account.position(market.symbol);
  const mark = exchange.markPrice(market.symbol, 'futures') ?? position.entryPrice;
  const notional = position.amount.mul(mark);
  const leverage = account.leverageOf(market.symbol);
  const unrealized = mark.sub(position.entryPrice).mul(position.amount);
  const initial = notional.abs().div(leverage);
  const f = (value: Decimal): string => value.toFixed(8);
  return {
    symbol: market.symbol,
    positionSide: 'BOTH',
    positionAmt: qtyText(market, position.amount),
    entryPrice: fixed(position.entryPrice, 1),
    breakEvenPrice: fixed(position.entryPrice, 1),
    markPrice: fixed(mark, 8),
    unRealizedProfit: f(unrealized),
    unrealizedProfit: f(unrealized),
    liquidationPrice: '0',
    isolatedMargin: '0',
    notional: f(notional),
    marginAsset: market.quoteAsset,
    isolatedWallet: '0',
    initialMargin: f(initial),
    maintMargin: f(notional.abs().mul(market.maintenanceMarginRate)),
    positionInitialMargin: f(initial),
    openOrderInitialMargin: '0',
    adl: 0,
    bidNotional: '0',
    askNotional: '0',
    leverage: String(leverage),
    marginType: 'cross',
    isolated: false,
    maxNotionalValue: '1000000',
    updateTime: position.updateTime,
  };
}

export function futuresAccountJson(exchange: SimExchange, account: SimAccount): Json {
  const assets = futuresAssets(account).map((asset) => futuresAssetJson(exchange, account, asset));
  const usdt = exchange.futuresMargins(account, 'USDT');
  const f = (value: Decimal): string => value.toFixed(8);
  const positions = exchange
    .markets('futures')
    .filter((market) => !account.position(market.symbol).amount.isZero())
    .map((market) => positionJson(exchange, account, market));
  return {
    feeTier: 0,
    canTrade: true,
    canDeposit: true,
    canWithdraw: true,
    updateTime: 0,
    multiAssetsMargin: false,
    tradeGroupId: -1,
    totalInitialMargin: f(usdt.positionInitialMargin.add(usdt.openOrderInitialMargin)),
    totalMaintMargin: f(usdt.maintenanceMargin),
    totalWalletBalance: f(usdt.wallet),
    totalUnrealizedProfit: f(usdt.unrealized),
    totalMarginBalance: f(usdt.wallet.add(usdt.unrealized)),
    totalPositionInitialMargin: f(usdt.positionInitialMargin),
    totalOpenOrderInitialMargin: f(usdt.openOrderInitialMargin),
    totalCrossWalletBalance: f(usdt.wallet),
    totalCrossUnPnl: f(usdt.unrealized),
    availableBalance: f(usdt.available),
    maxWithdrawAmount: f(Decimal.max(ZERO, Decimal.min(usdt.available, usdt.wallet))),
    assets,
    positions,
  };
}

export function futuresBalanceJson(exchange: SimExchange, account: SimAccount): Json[] {
  return futuresAssets(account).map((asset) => {
    const row = futuresAssetJson(exchange, account, asset);
    return {
      accountAlias: `sim${account.id}`,
      asset,
      balance: row['walletBalance'],
      crossWalletBalance: row['crossWalletBalance'],
      crossUnPnl: row['crossUnPnl'],
      availableBalance: row['availableBalance'],
      maxWithdrawAmount: row['maxWithdrawAmount'],
      marginAvailable: true,
      updateTime: row['updateTime'],
    };
  });
}

export function ticker24hrJson(exchange: SimExchange, market: MarketRules): Json {
  const { symbol, marketType } = market;
  const stats = exchange.tickerStats(symbol, marketType);
  const mark = exchange.markPrice(symbol, marketType);
  const last = stats.last ?? mark ?? ZERO;
  const open = stats.open ?? last;
  const change = last.sub(open);
  const now = Date.now();
  const p = (value: Decimal): string => priceText(market, value);
  const common: Json = {
    symbol,
    priceChange: p(change),
    priceChangePercent: open.isZero() ? '0.000' : change.div(open).mul(100).toFixed(3),
    weightedAvgPrice: p(
      stats.volume.isZero() ? last : stats.quoteVolume.div(stats.volume).toDecimalPlaces(8),
    ),
    lastPrice: p(last),
    lastQty: qtyText(market, stats.lastQty),
    openPrice: p(open),
    highPrice: p(stats.high ?? last),
    lowPrice: p(stats.low ?? last),
    volume: qtyText(market, stats.volume),
    quoteVolume: quoteText(market, stats.quoteVolume),
    openTime: stats.openTime,
    closeTime: now,
    firstId: stats.firstTradeId,
    lastId: stats.lastTradeId,
    count: stats.count,
  };
  if (marketType === 'futures') return common;
  const bid = exchange.bestBid(symbol, marketType);
  const ask = exchange.bestAsk(symbol, marketType);
  return {
    ...common,
    prevClosePrice: p(open),
    bidPrice: p(bid?.price ?? ZERO),
    bidQty: qtyText(market, bid?.quantity ?? ZERO),
    askPrice: p(ask?.price ?? ZERO),
    askQty: qtyText(market, ask?.quantity ?? ZERO),
  };
}

export function tickerPriceJson(exchange: SimExchange, market: MarketRules): Json {
  const stats = exchange.tickerStats(market.symbol, market.marketType);
  const last = stats.last ?? exchange.markPrice(market.symbol, market.marketType) ?? ZERO;
  return {
    symbol: market.symbol,
    price: priceText(market, last),
    ...(market.marketType === 'futures' && { time: Date.now() }),
  };
}

export function bookTickerJson(exchange: SimExchange, market: MarketRules): Json {
  const bid = exchange.bestBid(market.symbol, market.marketType);
  const ask = exchange.bestAsk(market.symbol, market.marketType);
  return {
    symbol: market.symbol,
    bidPrice: priceText(market, bid?.price ?? ZERO),
    bidQty: qtyText(market, bid?.quantity ?? ZERO),
    askPrice: priceText(market, ask?.price ?? ZERO),
    askQty: qtyText(market, ask?.quantity ?? ZERO),
    ...(market.marketType === 'futures' && { time: Date.now() }),
  };
}

export function levelsJson(market: MarketRules, levels: readonly BookLevel[]): [string, string][] {
  return levels.map((level) => [priceText(market, level.price), qtyText(market, level.quantity)]);
}

export function depthJson(exchange: SimExchange, market: MarketRules, limit: number): Json {
  const view = exchange.depth(market.symbol, market.marketType, limit);
  const now = Date.now();
  return {
    lastUpdateId: view.lastUpdateId,
    ...(market.marketType === 'futures' && { E: now, T: now }),
    bids: levelsJson(market, view.bids),
    asks: levelsJson(market, view.asks),
  };
}

/** Stream payloads (`depthUpdate`, `24hrTicker`, `trade`) for a market event. */
export function marketStreamPayload(
  exchange: SimExchange,
  market: MarketRules,
  event: MarketStreamEvent,
): Json | undefined {
  if (event.channel === 'depth' && event.depth) {
    const { depth } = event;
    return {
      e: 'depthUpdate',
      E: event.time,
      ...(market.marketType === 'futures' && { T: event.time }),
      s: market.symbol,
      U: depth.first,
      u: depth.last,
      ...(market.marketType === 'futures' && { pu: depth.previous }),
      b: levelsJson(market, depth.bids),
      a: levelsJson(market, depth.asks),
    };
  }
  if (event.channel === 'trade' && event.trade) {
    const { id, event: trade } = event.trade;
    return {
      e: 'trade',
      E: event.time,
      s: market.symbol,
      t: id,
      p: priceText(market, trade.price),
      q: qtyText(market, trade.quantity),
      T: trade.timestamp.getTime(),
      m: trade.aggressor === 'sell',
      ...(market.marketType === 'spot' && { M: true }),
      ...(market.marketType === 'futures' && { X: 'MARKET' }),
    };
  }
  if (event.channel === 'ticker') {
    const t = ticker24hrJson(exchange, market);
    return {
      e: '24hrTicker',
      E: event.time,
      s: market.symbol,
      p: t['priceChange'],
      P: t['priceChangePercent'],
      w: t['weightedAvgPrice'],
      ...(market.marketType === 'spot' && { x: t['prevClosePrice'] }),
      c: t['lastPrice'],
      Q: t['lastQty'],
      ...(market.marketType === 'spot' && {
        b: t['bidPrice'],
        B: t['bidQty'],
        a: t['askPrice'],
        A: t['askQty'],
      }),
      o: t['openPrice'],
      h: t['highPrice'],
      l: t['lowPrice'],
      v: t['volume'],
      q: t['quoteVolume'],
      O: t['openTime'],
      C: t['closeTime'],
      F: t['firstId'],
      L: t['lastId'],
      n: t['count'],
    };
  }
  return undefined;
}

export function executionReport(event: OrderEvent): Json {
  const { order, trade } = event;
  const { market } = order;
  return {
    e: 'executionReport',
    E: event.time,
    s: market.symbol,
    c: order.clientOrderId,
    S: order.side,
    o: order.type,
    f: order.timeInForce,
    q: qtyText(market, order.origQty),
    p: priceText(market, order.price ?? ZERO),
    P: priceText(market, order.stopPrice ?? ZERO),
    F: '0.00000000',
    g: -1,
    C: event.executionType === 'CANCELED' ? order.clientOrderId : '',
    x: event.executionType,
    X: event.status,
    r: 'NONE',
    i: order.orderId,
    l: qtyText(market, trade?.qty ?? ZERO),
    z: qtyText(market, event.filled),
    L: priceText(market, trade?.price ?? ZERO),
    n: (trade?.commission ?? ZERO).toFixed(8),
    N: trade?.commissionAsset ?? null,
    T: event.time,
    t: trade?.id ?? -1,
    v: 0,
    I: event.time,
    w: event.status === 'NEW' || event.status === 'PARTIALLY_FILLED',
    m: trade?.maker ?? false,
    M: false,
    O: order.time,
    Z: quoteText(market, event.quoteFilled),
    Y: quoteText(market, trade?.quoteQty ?? ZERO),
    Q: quoteText(market, order.origQuoteOrderQty),
    W: order.time,
    V: 'EXPIRE_MAKER',
  };
}

export function outboundAccountPosition(account: SimAccount, time: number, assets: readonly string[]): Json {
  return {
    e: 'outboundAccountPosition',
    E: time,
    u: account.updateTime,
    B: assets.map((asset) => {
      const balance = account.spotBalance(asset);
      return { a: asset, f: balance.free.toFixed(8), l: balance.locked.toFixed(8) };
    }),
  };
}

export function orderTradeUpdate(event: OrderEvent): Json {
  const { order, trade } = event;
  const { market } = order;
  const type = futuresOrderJson(order, false)['type'];
  return {
    e: 'ORDER_TRADE_UPDATE',
    E: event.time,
    T: event.time,
    o: {
      s: market.symbol,
      c: order.clientOrderId,
      S: order.side,
      o: type,
      f: order.timeInForce,
      q: qtyText(market, order.origQty),
      p: priceText(market, order.price ?? ZERO),
      ap: priceText(market, average(event.filled, event.quoteFilled)),
      sp: priceText(market, order.stopPrice ?? ZERO),
      x: event.executionType,
      X: event.status,
      i: order.orderId,
      l: qtyText(market, trade?.qty ?? ZERO),
      z: qtyText(market, event.filled),
      L: priceText(market, trade?.price ?? ZERO),
      N: trade?.commissionAsset ?? market.quoteAsset,
      n: (trade?.commission ?? ZERO).toFixed(8),
      T: event.time,
      t: trade?.id ?? 0,
      b: '0',
      a: '0',
      m: trade?.maker ?? false,
      R: order.reduceOnly,
      wt: 'CONTRACT_PRICE',
      ot: type,
      ps: 'BOTH',
      cp: false,
      rp: (trade?.realizedPnl ?? ZERO).toFixed(8),
      pP: false,
      si: 0,
      ss: 0,
      V: 'EXPIRE_MAKER',
      pm: 'NONE',
      gtd: 0,
    },
  };
}

/** USD-M `ALGO_UPDATE`: what happens to an algo order in the algo service (before its trigger). */
export function algoUpdate(event: OrderEvent): Json {
  const algo = algoOrderJson(event.order);
  return {
    e: 'ALGO_UPDATE',
    T: event.time,
    E: event.time,
    o: {
      caid: algo['clientAlgoId'],
      aid: algo['algoId'],
      at: 'CONDITIONAL',
      o: algo['orderType'],
      s: algo['symbol'],
      S: algo['side'],
      ps: 'BOTH',
      f: algo['timeInForce'],
      q: algo['quantity'],
      X: algo['algoStatus'],
      ai: algo['actualOrderId'],
      tp: algo['triggerPrice'],
      p: algo['price'],
      V: 'EXPIRE_MAKER',
      wt: 'CONTRACT_PRICE',
      pm: 'NONE',
      cp: false,
      pP: false,
      R: algo['reduceOnly'],
      tt: algo['triggerTime'],
      gtd: 0,
    },
  };
}

export function accountUpdate(
  exchange: SimExchange,
  account: SimAccount,
  time: number,
  symbols: readonly string[],
): Json {
  return {
    e: 'ACCOUNT_UPDATE',
    E: time,
    T: time,
    a: {
      m: 'ORDER',
      B: futuresAssets(account).map((asset) => ({
        a: asset,
        wb: account.wallet(asset).toFixed(8),
        cw: account.wallet(asset).toFixed(8),
        bc: '0',
      })),
      P: symbols.flatMap((symbol) => {
        const market = exchange.market(symbol, 'futures');
        if (!market) return [];
        const position = account.position(symbol);
        const mark = exchange.markPrice(symbol, 'futures') ?? position.entryPrice;
        return [
          {
            s: symbol,
            pa: qtyText(market, position.amount),
            ep: fixed(position.entryPrice, 1),
            bep: fixed(position.entryPrice, 1),
            cr: '0',
            up: mark.sub(position.entryPrice).mul(position.amount).toFixed(8),
            mt: 'cross',
            iw: '0',
            ps: 'BOTH',
          },
        ];
      }),
    },
  };
}
