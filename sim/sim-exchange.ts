import { randomBytes } from 'node:crypto';
import { Decimal, floorToStep, isMultipleOf, ZERO } from '../src/domain/decimal.ts';
import { marketKey, type MarketRules } from '../src/domain/market-rules.ts';
import type { MarketType, OrderType, Side, TimeInForce } from '../src/domain/order-types.ts';
import type { OrderRef, VenueFill, VenueOrderSnapshot } from '../src/execution/venue-port.ts';
import type {
  BookLevel,
  MarketDataFeed,
  MarketEvent,
  TradeEvent,
} from '../src/venues/market-data/market-event.ts';
import { MatchingEngine, type OrderUpdate } from '../src/venues/paper/matching-engine.ts';
import { BinanceError, binanceErrors } from './binance-error.ts';
import { SimAccount } from './sim-account.ts';

export type BinanceSide = 'BUY' | 'SELL';

/** An order request after the REST layer parsed it: decimals are Decimals, names are Binance's. */
export interface PlaceOrderInput {
  readonly symbol: string;
  readonly side: string;
  readonly type: string;
  readonly timeInForce?: string;
  readonly quantity?: Decimal;
  /** Spot MARKET only: spend (buy) or receive (sell) this much quote asset. */
  readonly quoteOrderQty?: Decimal;
  readonly price?: Decimal;
  readonly stopPrice?: Decimal;
  readonly reduceOnly: boolean;
  readonly clientOrderId?: string;
  /** USD-M conditional orders placed through the algo order API (`/fapi/v1/algoOrder`). */
  readonly algo: boolean;
}

export interface OrderLookup {
  readonly orderId?: number;
  readonly clientOrderId?: string;
  /** USD-M algo orders are looked up by algoId / clientAlgoId. */
  readonly algo?: boolean;
}

/** One fill as the simulated venue books it, with Binance's numeric trade id. */
export interface SimTrade {
  readonly id: number;
  readonly orderId: number;
  readonly accountId: number;
  readonly symbol: string;
  readonly marketType: MarketType;
  readonly side: BinanceSide;
  readonly price: Decimal;
  readonly qty: Decimal;
  readonly quoteQty: Decimal;
  readonly commission: Decimal;
  readonly commissionAsset: string;
  readonly maker: boolean;
  readonly realizedPnl: Decimal;
  readonly time: number;
}

/** A Binance order over one matching-engine order. */
export interface SimOrder {
  readonly orderId: number;
  readonly algoId?: number;
  readonly account: SimAccount;
  readonly market: MarketRules;
  readonly clientOrderId: string;
  /** Binance's type name as placed (`STOP_LOSS_LIMIT`, `TAKE_PROFIT_MARKET`...). */
  readonly type: string;
  readonly side: BinanceSide;
  readonly timeInForce: string;
  readonly origQty: Decimal;
  readonly origQuoteOrderQty: Decimal;
  readonly price?: Decimal;
  readonly stopPrice?: Decimal;
  readonly reduceOnly: boolean;
  readonly time: number;
  readonly engineRef: OrderRef;
  updateTime: number;
  snapshot: VenueOrderSnapshot;
  /** Engine fills already booked to the account and reported. */
  appliedFills: number;
  /** Spot: what is still locked for this order, in `reservedAsset`. */
  reserved: Decimal;
  readonly reservedAsset: string;
  /** Last status reported on the user data stream. */
  reportedStatus: string;
  readonly trades: SimTrade[];
}

export interface DepthView {
  readonly lastUpdateId: number;
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
}

export interface TickerStats {
  readonly openTime: number;
  open: Decimal | undefined;
  high: Decimal | undefined;
  low: Decimal | undefined;
  last: Decimal | undefined;
  lastQty: Decimal;
  volume: Decimal;
  quoteVolume: Decimal;
  count: number;
  firstTradeId: number;
  lastTradeId: number;
}

/** What happened to an order, for the user data streams. */
export interface OrderEvent {
  readonly kind: 'order';
  readonly order: SimOrder;
  /** Binance execution type: NEW, TRADE, CANCELED, EXPIRED. */
  readonly executionType: 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED';
  readonly status: string;
  /** Cumulative figures as of this event. */
  readonly filled: Decimal;
  readonly quoteFilled: Decimal;
  readonly trade?: SimTrade;
  readonly time: number;
}

export interface BalanceEvent {
  readonly kind: 'balance';
  readonly account: SimAccount;
  readonly marketType: MarketType;
  readonly symbols: readonly string[];
  readonly time: number;
}

export type UserEvent = OrderEvent | BalanceEvent;

export interface MarketStreamEvent {
  readonly marketType: MarketType;
  readonly symbol: string;
  /** `depth`, `ticker` or `trade`. */
  readonly channel: 'depth' | 'ticker' | 'trade';
  readonly time: number;
  readonly depth?: {
    readonly first: number;
    readonly last: number;
    readonly previous: number;
    readonly bids: BookLevel[];
    readonly asks: BookLevel[];
  };
  readonly trade?: { readonly id: number; readonly event: TradeEvent };
}

export interface FeeRates {
  readonly maker: Decimal;
  readonly taker: Decimal;
}

export interface SimExchangeOptions {
  readonly markets: readonly MarketRules[];
  readonly feed: MarketDataFeed;
  readonly spotFees?: FeeRates;
  readonly futuresFees?: FeeRates;
}

interface DepthState {
  lastUpdateId: number;
  bids: Map<string, Decimal>;
  asks: Map<string, Decimal>;
}

interface TypeMapping {
  readonly engineType: OrderType;
  readonly needsPrice: boolean;
  readonly needsStop: boolean;
  readonly needsTimeInForce: boolean;
}

const SPOT_TYPES: Readonly<Record<string, TypeMapping>> = {
  MARKET: { engineType: 'market', needsPrice: false, needsStop: false, needsTimeInForce: false },
  LIMIT: { engineType: 'limit', needsPrice: true, needsStop: false, needsTimeInForce: true },
  LIMIT_MAKER: { engineType: 'limit', needsPrice: true, needsStop: false, needsTimeInForce: false },
  STOP_LOSS: { engineType: 'stop_market', needsPrice: false, needsStop: true, needsTimeInForce: false },
  STOP_LOSS_LIMIT: { engineType: 'stop_limit', needsPrice: true, needsStop: true, needsTimeInForce: true },
  TAKE_PROFIT: { engineType: 'take_profit', needsPrice: false, needsStop: true, needsTimeInForce: false },
  TAKE_PROFIT_LIMIT: { engineType: 'take_profit', needsPrice: true, needsStop: true, needsTimeInForce: true },
};

const FUTURES_TYPES: Readonly<Record<string, TypeMapping>> = {
  MARKET: { engineType: 'market', needsPrice: false, needsStop: false, needsTimeInForce: false },
  LIMIT: { engineType: 'limit', needsPrice: true, needsStop: false, needsTimeInForce: true },
  STOP: { engineType: 'stop_limit', needsPrice: true, needsStop: true, needsTimeInForce: false },
  STOP_MARKET: { engineType: 'stop_market', needsPrice: false, needsStop: true, needsTimeInForce: false },
  TAKE_PROFIT: { engineType: 'take_profit', needsPrice: true, needsStop: true, needsTimeInForce: false },
  TAKE_PROFIT_MARKET: {
    engineType: 'take_profit',
    needsPrice: false,
    needsStop: true,
    needsTimeInForce: false,
  },
};

const CONDITIONAL_TYPES = new Set(['STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET']);
/** What USD-M sends to the algo service since December 2025 (TRAILING_STOP_MARKET is not simulated). */
const ALGO_SERVICE_TYPES = new Set([...CONDITIONAL_TYPES, 'TRAILING_STOP_MARKET']);
const FINAL = new Set(['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED']);
/** A triggered spot stop-market buy may pay up to this much over its stop price (what it locks for). */
const STOP_MARKET_BUY_HEADROOM = new Decimal('1.1');

/**
 * The simulated venue behind both Binance faces: one matching engine per market type (the paper
 * venue's, reused as is), the accounts' books, Binance's order ids, and the state the market streams
 * publish (depth with update ids, 24-hour statistics). HTTP and WebSocket layers only translate.
 */
export class SimExchange {
  readonly engines: Readonly<Record<MarketType, MatchingEngine>>;
  private readonly accountsById = new Map<number, SimAccount>();
  private readonly orders = new Map<number, SimOrder>();
  private readonly ordersByAlgoId = new Map<number, SimOrder>();
  private readonly depthStates = new Map<string, DepthState>();
  private readonly stats = new Map<string, TickerStats>();
  private readonly userListeners = new Set<(event: UserEvent) => void>();
  private readonly marketListeners = new Set<(event: MarketStreamEvent) => void>();
  private readonly fees: Readonly<Record<MarketType, FeeRates>>;
  private readonly unsubscribe: () => void;
  private readonly marketRules: readonly MarketRules[];
  private nextOrderId = 1_000_001;
  private nextAlgoId = 5_000_001;
  private nextTradeId = 1;
  private nextMarketTradeId = 100_000_001;

  constructor(options: SimExchangeOptions) {
    this.marketRules = [...options.markets];
    this.fees = {
      spot: options.spotFees ?? { maker: new Decimal('0.001'), taker: new Decimal('0.001') },
      futures: options.futuresFees ?? { maker: new Decimal('0.0002'), taker: new Decimal('0.0005') },
    };
    const engine = (marketType: MarketType): MatchingEngine =>
      new MatchingEngine({
        markets: options.markets.filter((market) => market.marketType === marketType),
        makerFeeRate: this.fees[marketType].maker,
        takerFeeRate: this.fees[marketType].taker,
        instanceId: `sim-${marketType}`,
      });
    this.engines = { spot: engine('spot'), futures: engine('futures') };
    this.unsubscribe = options.feed.onEvent((event) => this.onMarketEvent(event));
  }

  close(): void {
    this.unsubscribe();
  }

  addAccount(account: SimAccount): void {
    this.accountsById.set(account.id, account);
  }

  accounts(): SimAccount[] {
    return [...this.accountsById.values()];
  }

  accountByKey(apiKey: string): SimAccount | undefined {
    return this.accounts().find((account) => account.apiKey === apiKey);
  }

  feeRates(marketType: MarketType): FeeRates {
    return this.fees[marketType];
  }

  market(symbol: string, marketType: MarketType): MarketRules | undefined {
    return this.engines[marketType].market(symbol, marketType);
  }

  markets(marketType: MarketType): MarketRules[] {
    return this.marketRules.filter((market) => market.marketType === marketType);
  }

  markPrice(symbol: string, marketType: MarketType): Decimal | undefined {
    return this.engines[marketType].markPrice(symbol, marketType);
  }

  onUserEvent(listener: (event: UserEvent) => void): () => void {
    this.userListeners.add(listener);
    return () => {
      this.userListeners.delete(listener);
    };
  }

  onMarketStream(listener: (event: MarketStreamEvent) => void): () => void {
    this.marketListeners.add(listener);
    return () => {
      this.marketListeners.delete(listener);
    };
  }

  /** Every order the account placed in the market type, oldest first (tests count them). */
  ordersOf(account: SimAccount, marketType?: MarketType): SimOrder[] {
    return [...this.orders.values()].filter(
      (order) =>
        order.account === account && (marketType === undefined || order.market.marketType === marketType),
    );
  }

  placeOrder(account: SimAccount, marketType: MarketType, input: PlaceOrderInput): SimOrder {
    const market = this.market(input.symbol, marketType);
    if (!market) throw binanceErrors.invalidSymbol();
    const futures = marketType === 'futures';
    if (futures && !input.algo && ALGO_SERVICE_TYPES.has(input.type))
      throw binanceErrors.algoEndpointRequired();
    const mapping = (futures ? FUTURES_TYPES : SPOT_TYPES)[input.type];
    if (!mapping) throw binanceErrors.invalidOrderType();
    if (input.side !== 'BUY' && input.side !== 'SELL') throw binanceErrors.invalidSide();
    const side: BinanceSide = input.side;
    if (mapping.needsPrice && !input.price) throw binanceErrors.mandatory('price');
    if (mapping.needsStop && !input.stopPrice)
      throw binanceErrors.mandatory(futures ? 'triggerPrice' : 'stopPrice');
    if (mapping.needsTimeInForce && !input.timeInForce) throw binanceErrors.mandatory('timeInForce');
    const timeInForce = input.timeInForce ?? 'GTC';
    if (!['GTC', 'IOC', 'FOK', 'GTX', 'GTD'].includes(timeInForce)) throw binanceErrors.invalidTimeInForce();
    if (input.reduceOnly && !futures) throw binanceErrors.invalidValue('reduceOnly');
    // The algo order API takes conditional types only, and the order endpoint refuses them (above).
    if (input.algo && !CONDITIONAL_TYPES.has(input.type)) throw binanceErrors.invalidOrderType();

    const clientOrderId = input.clientOrderId ?? `sim${randomBytes(10).toString('hex')}`;
    if (!/^[.A-Z:/a-z0-9_-]{1,36}$/.test(clientOrderId)) throw binanceErrors.invalidValue('newClientOrderId');
    const duplicate = this.ordersOf(account, marketType).some(
      (order) => order.clientOrderId === clientOrderId && !FINAL.has(order.snapshot.status),
    );
    if (duplicate) {
      if (input.algo) throw binanceErrors.duplicateClientAlgoId();
      throw futures
        ? binanceErrors.duplicateClientId()
        : binanceErrors.newOrderRejected('Duplicate order sent.');
    }

    const engine = this.engines[marketType];
    const engineSide: Side = side === 'BUY' ? 'buy' : 'sell';
    const isMarket = input.type === 'MARKET';
    let quantity = input.quantity;
    if (isMarket && input.quoteOrderQty && !futures) {
      if (quantity) throw new BinanceError(400, -1106, "Parameter 'quoteOrderQty' sent when not required.");
      quantity = this.quantityForQuote(market, engineSide, input.quoteOrderQty);
      if (quantity.isZero()) throw binanceErrors.filterFailure('NOTIONAL');
    }
    if (!quantity) throw binanceErrors.mandatory('quantity');

    this.checkFilters(account, market, mapping, input, quantity, isMarket);
    if (mapping.needsPrice && (input.type === 'LIMIT_MAKER' || timeInForce === 'GTX')) {
      const opposite =
        engineSide === 'buy'
          ? engine.book.asks(market.symbol, marketType)[0]
          : engine.book.bids(market.symbol, marketType)[0];
      const crosses =
        opposite &&
        (engineSide === 'buy' ? input.price!.gte(opposite.price) : input.price!.lte(opposite.price));
      if (crosses) {
        throw futures
          ? new BinanceError(
              400,
              -5022,
              'Due to the order could not be executed as maker, the Post Only order will be rejected.',
            )
          : binanceErrors.newOrderRejected('Order would immediately match and take.');
      }
    }

    // What a market order would get right now: the engine walks the same book synchronously, so the plan
    // is exactly what it fills, and bounds what the account must pay.
    const plan = isMarket ? engine.book.plan(market.symbol, marketType, engineSide, quantity, undefined) : [];
    const planCost = plan.reduce((sum, slice) => sum.add(slice.price.mul(slice.quantity)), ZERO);
    const protectionPrice = isMarket ? plan.at(-1)?.price : undefined;

    let reservedAsset = market.quoteAsset;
    let reserved = ZERO;
    if (futures) {
      this.checkMargin(
        account,
        market,
        engineSide,
        quantity,
        isMarket ? planCost : undefined,
        input,
        mapping,
      );
    } else {
      if (side === 'SELL') {
        reservedAsset = market.baseAsset;
        reserved = quantity;
      } else if (isMarket) {
        reserved = planCost;
      } else if (mapping.needsPrice) {
        reserved = quantity.mul(input.price!);
      } else {
        reserved = quantity.mul(input.stopPrice!).mul(STOP_MARKET_BUY_HEADROOM);
      }
      if (!account.lock(reservedAsset, reserved)) {
        throw binanceErrors.newOrderRejected('Account has insufficient balance for requested action.');
      }
    }

    const orderId = this.nextOrderId++;
    const now = Date.now();
    const engineRef: OrderRef = {
      accountRef: String(account.id),
      symbol: market.symbol,
      marketType,
      clientOrderId: String(orderId),
    };
    const engineTimeInForce: TimeInForce =
      timeInForce === 'IOC' || timeInForce === 'FOK' ? timeInForce : 'GTC';
    const stopMarketBuyProtection =
      mapping.engineType !== 'market' && !mapping.needsPrice && input.stopPrice && side === 'BUY' && !futures
        ? input.stopPrice.mul(STOP_MARKET_BUY_HEADROOM)
        : undefined;
    const result = engine.submit({
      ...engineRef,
      side: engineSide,
      type: mapping.engineType,
      timeInForce: engineTimeInForce,
      quantity,
      ...(mapping.needsPrice && { price: input.price }),
      ...(mapping.needsStop && { stopPrice: input.stopPrice }),
      ...((protectionPrice ?? stopMarketBuyProtection) && {
        protectionPrice: protectionPrice ?? stopMarketBuyProtection,
      }),
      reduceOnly: input.reduceOnly,
      ...(futures && { leverage: account.leverageOf(market.symbol) }),
    });
    if (result.kind !== 'accepted') {
      if (!futures) account.unlock(reservedAsset, reserved);
      const message = result.kind === 'rejected' ? result.message : 'Order rejected.';
      if (result.kind === 'rejected' && result.code === '-2021') {
        throw futures
          ? binanceErrors.wouldTrigger()
          : binanceErrors.newOrderRejected('Stop price would trigger immediately.');
      }
      throw binanceErrors.newOrderRejected(message);
    }

    const order: SimOrder = {
      orderId,
      ...(input.algo && { algoId: this.nextAlgoId++ }),
      account,
      market,
      clientOrderId,
      type: input.type,
      side,
      timeInForce,
      origQty: quantity,
      origQuoteOrderQty: input.quoteOrderQty ?? ZERO,
      ...(mapping.needsPrice && { price: input.price }),
      ...(mapping.needsStop && { stopPrice: input.stopPrice }),
      reduceOnly: input.reduceOnly,
      time: now,
      engineRef,
      updateTime: now,
      snapshot: result.order,
      appliedFills: 0,
      reserved,
      reservedAsset,
      reportedStatus: 'NEW',
      trades: [],
    };
    this.orders.set(orderId, order);
    if (order.algoId !== undefined) this.ordersByAlgoId.set(order.algoId, order);
    this.emitUser({
      kind: 'order',
      order,
      executionType: 'NEW',
      status: 'NEW',
      filled: ZERO,
      quoteFilled: ZERO,
      time: now,
    });
    this.settle(order, result.order);
    this.publishDepth(market.symbol, marketType, now);
    return order;
  }

  findOrder(
    account: SimAccount,
    marketType: MarketType,
    symbol: string,
    lookup: OrderLookup,
  ): SimOrder | undefined {
    const candidates = this.ordersOf(account, marketType).filter(
      (order) => order.market.symbol === symbol && inEndpoint(order, lookup.algo ?? false),
    );
    if (lookup.orderId !== undefined) {
      return candidates.find((order) => (lookup.algo ? order.algoId : order.orderId) === lookup.orderId);
    }
    if (lookup.clientOrderId !== undefined) {
      // A client id may be reused once its order is closed: the newest one is the one meant.
      return candidates.reverse().find((order) => order.clientOrderId === lookup.clientOrderId);
    }
    return undefined;
  }

  /** Cancels an open order; a closed or unknown one is Binance's -2011 "Unknown order sent.". */
  cancelOrder(account: SimAccount, marketType: MarketType, symbol: string, lookup: OrderLookup): SimOrder {
    const order = this.findOrder(account, marketType, symbol, lookup);
    if (!order) throw binanceErrors.cancelRejected();
    const result = this.engines[marketType].cancel(order.engineRef);
    if (result.kind !== 'canceled') throw binanceErrors.cancelRejected();
    this.settle(order, result.order);
    return order;
  }

  /**
   * Open orders; `algo` picks the endpoint's view: `true` the algo service's (conditional orders not yet
   * triggered), `false` the matching engine's (regular orders and the orders triggered algo orders became).
   */
  openOrders(account: SimAccount, marketType: MarketType, symbol?: string, algo?: boolean): SimOrder[] {
    return this.ordersOf(account, marketType).filter(
      (order) =>
        !FINAL.has(order.snapshot.status) &&
        (symbol === undefined || order.market.symbol === symbol) &&
        (algo === undefined ||
          (algo ? order.algoId !== undefined && !order.snapshot.triggered : inEndpoint(order, false))),
    );
  }

  trades(account: SimAccount, marketType: MarketType, symbol?: string): SimTrade[] {
    return this.ordersOf(account, marketType)
      .filter((order) => symbol === undefined || order.market.symbol === symbol)
      .flatMap((order) => order.trades)
      .sort((a, b) => a.id - b.id);
  }

  setLeverage(account: SimAccount, symbol: string, leverage: number): MarketRules {
    const market = this.market(symbol, 'futures');
    if (!market) throw binanceErrors.invalidSymbol();
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > market.maxLeverage) {
      throw binanceErrors.invalidLeverage(String(leverage));
    }
    account.leverage.set(symbol, leverage);
    return market;
  }

  /** The account's USD-M margin figures (cross margin, one margin asset per quote). */
  futuresMargins(
    account: SimAccount,
    asset = 'USDT',
  ): {
    readonly wallet: Decimal;
    readonly unrealized: Decimal;
    readonly positionInitialMargin: Decimal;
    readonly openOrderInitialMargin: Decimal;
    readonly maintenanceMargin: Decimal;
    readonly available: Decimal;
  } {
    let unrealized = ZERO;
    let positionInitialMargin = ZERO;
    let maintenanceMargin = ZERO;
    for (const [symbol, position] of account.positions) {
      const market = this.market(symbol, 'futures');
      if (!market || market.quoteAsset !== asset || position.amount.isZero()) continue;
      const mark = this.markPrice(symbol, 'futures') ?? position.entryPrice;
      const notional = position.amount.abs().mul(mark);
      unrealized = unrealized.add(mark.sub(position.entryPrice).mul(position.amount));
      positionInitialMargin = positionInitialMargin.add(notional.div(account.leverageOf(symbol)));
      maintenanceMargin = maintenanceMargin.add(notional.mul(market.maintenanceMarginRate));
    }
    let openOrderInitialMargin = ZERO;
    for (const order of this.openOrders(account, 'futures')) {
      if (order.reduceOnly || order.market.quoteAsset !== asset) continue;
      const price = order.price ?? order.stopPrice ?? this.markPrice(order.market.symbol, 'futures') ?? ZERO;
      const left = order.origQty.sub(order.snapshot.filledQuantity);
      openOrderInitialMargin = openOrderInitialMargin.add(
        left.mul(price).div(account.leverageOf(order.market.symbol)),
      );
    }
    const wallet = account.wallet(asset);
    const available = wallet.add(unrealized).sub(positionInitialMargin).sub(openOrderInitialMargin);
    return {
      wallet,
      unrealized,
      positionInitialMargin,
      openOrderInitialMargin,
      maintenanceMargin,
      available,
    };
  }

  depth(symbol: string, marketType: MarketType, limit: number): DepthView {
    const engine = this.engines[marketType];
    const state = this.depthState(symbol, marketType);
    return {
      lastUpdateId: state.lastUpdateId,
      bids: engine.book.bids(symbol, marketType).slice(0, limit),
      asks: engine.book.asks(symbol, marketType).slice(0, limit),
    };
  }

  tickerStats(symbol: string, marketType: MarketType): TickerStats {
    const key = marketKey(symbol, marketType);
    let stats = this.stats.get(key);
    if (!stats) {
      stats = {
        openTime: Date.now(),
        open: undefined,
        high: undefined,
        low: undefined,
        last: undefined,
        lastQty: ZERO,
        volume: ZERO,
        quoteVolume: ZERO,
        count: 0,
        firstTradeId: -1,
        lastTradeId: -1,
      };
      this.stats.set(key, stats);
    }
    return stats;
  }

  bestBid(symbol: string, marketType: MarketType): BookLevel | undefined {
    return this.engines[marketType].book.bids(symbol, marketType)[0];
  }

  bestAsk(symbol: string, marketType: MarketType): BookLevel | undefined {
    return this.engines[marketType].book.asks(symbol, marketType)[0];
  }

  private onMarketEvent(event: MarketEvent): void {
    const engine = this.engines[event.marketType];
    if (!engine.market(event.symbol, event.marketType)) return;
    const updates = engine.onMarketEvent(event);
    for (const update of updates) this.onOrderUpdate(update);
    const time = event.timestamp.getTime();
    if (event.kind === 'book') {
      this.publishDepth(event.symbol, event.marketType, time);
      this.emitMarket({ marketType: event.marketType, symbol: event.symbol, channel: 'ticker', time });
    } else {
      const stats = this.tickerStats(event.symbol, event.marketType);
      const id = this.nextMarketTradeId++;
      stats.open ??= event.price;
      stats.high = stats.high && stats.high.gt(event.price) ? stats.high : event.price;
      stats.low = stats.low && stats.low.lt(event.price) ? stats.low : event.price;
      stats.last = event.price;
      stats.lastQty = event.quantity;
      stats.volume = stats.volume.add(event.quantity);
      stats.quoteVolume = stats.quoteVolume.add(event.quantity.mul(event.price));
      stats.count++;
      if (stats.firstTradeId < 0) stats.firstTradeId = id;
      stats.lastTradeId = id;
      this.emitMarket({
        marketType: event.marketType,
        symbol: event.symbol,
        channel: 'trade',
        time,
        trade: { id, event },
      });
      // A trade can fill resting orders, which changes nothing in the book; a trigger that took
      // liquidity does.
      if (updates.length > 0) this.publishDepth(event.symbol, event.marketType, time);
    }
  }

  private onOrderUpdate(update: OrderUpdate): void {
    const order = this.orders.get(Number(update.order.clientOrderId));
    if (order) this.settle(order, update.order);
  }

  /** Books the engine's new fills to the account, records trades, reports every change. */
  private settle(order: SimOrder, snapshot: VenueOrderSnapshot): void {
    order.snapshot = snapshot;
    const newFills = snapshot.fills.slice(order.appliedFills);
    const futures = order.market.marketType === 'futures';
    let filled = snapshot.fills
      .slice(0, order.appliedFills)
      .reduce((sum, fill) => sum.add(fill.quantity), ZERO);
    let quoteFilled = snapshot.fills
      .slice(0, order.appliedFills)
      .reduce((sum, fill) => sum.add(fill.quantity.mul(fill.price)), ZERO);
    for (const fill of newFills) {
      const trade = futures ? this.bookFuturesFill(order, fill) : this.bookSpotFill(order, fill);
      order.trades.push(trade);
      order.appliedFills++;
      order.updateTime = trade.time;
      filled = filled.add(fill.quantity);
      quoteFilled = quoteFilled.add(fill.quantity.mul(fill.price));
      const status = filled.gte(order.origQty) ? 'FILLED' : 'PARTIALLY_FILLED';
      order.reportedStatus = status;
      this.emitUser({
        kind: 'order',
        order,
        executionType: 'TRADE',
        status,
        filled,
        quoteFilled,
        trade,
        time: trade.time,
      });
    }
    const status = snapshot.status;
    if (FINAL.has(status) && !order.reserved.isZero()) {
      order.account.unlock(order.reservedAsset, order.reserved);
      order.reserved = ZERO;
    }
    if (status !== order.reportedStatus && (status === 'CANCELED' || status === 'EXPIRED')) {
      order.updateTime = Date.now();
      order.reportedStatus = status;
      this.emitUser({
        kind: 'order',
        order,
        executionType: status,
        status,
        filled,
        quoteFilled,
        time: order.updateTime,
      });
    }
    if (newFills.length > 0 || FINAL.has(status)) {
      this.emitUser({
        kind: 'balance',
        account: order.account,
        marketType: order.market.marketType,
        symbols: [order.market.symbol],
        time: order.updateTime,
      });
    }
  }

  /** Binance spot charges the commission in the asset received: base on a buy, quote on a sell. */
  private bookSpotFill(order: SimOrder, fill: VenueFill): SimTrade {
    const { account, market } = order;
    const rate = fill.liquidity === 'maker' ? this.fees.spot.maker : this.fees.spot.taker;
    const quote = fill.price.mul(fill.quantity);
    let commission: Decimal;
    let commissionAsset: string;
    if (order.side === 'BUY') {
      const fromLock = account.spend(market.quoteAsset, quote, order.reserved);
      order.reserved = order.reserved.sub(fromLock);
      commission = fill.quantity.mul(rate);
      commissionAsset = market.baseAsset;
      account.credit(market.baseAsset, fill.quantity.sub(commission));
    } else {
      const fromLock = account.spend(market.baseAsset, fill.quantity, order.reserved);
      order.reserved = order.reserved.sub(fromLock);
      commission = quote.mul(rate);
      commissionAsset = market.quoteAsset;
      account.credit(market.quoteAsset, quote.sub(commission));
    }
    return this.trade(order, fill, commission, commissionAsset, ZERO);
  }

  private bookFuturesFill(order: SimOrder, fill: VenueFill): SimTrade {
    const signed = order.side === 'BUY' ? fill.quantity : fill.quantity.neg();
    const time = fill.timestamp.getTime();
    const realized = order.account.applyFuturesFill(
      order.market.symbol,
      order.market.quoteAsset,
      signed,
      fill.price,
      fill.fee,
      time,
    );
    return this.trade(order, fill, fill.fee, fill.feeAsset, realized);
  }

  private trade(
    order: SimOrder,
    fill: VenueFill,
    commission: Decimal,
    commissionAsset: string,
    realizedPnl: Decimal,
  ): SimTrade {
    return {
      id: this.nextTradeId++,
      orderId: order.orderId,
      accountId: order.account.id,
      symbol: order.market.symbol,
      marketType: order.market.marketType,
      side: order.side,
      price: fill.price,
      qty: fill.quantity,
      quoteQty: fill.price.mul(fill.quantity),
      commission,
      commissionAsset,
      maker: fill.liquidity === 'maker',
      realizedPnl,
      time: fill.timestamp.getTime(),
    };
  }

  /** Binance's filters, in the order Binance checks them, with its codes for each market type. */
  private checkFilters(
    account: SimAccount,
    market: MarketRules,
    mapping: TypeMapping,
    input: PlaceOrderInput,
    quantity: Decimal,
    isMarket: boolean,
  ): void {
    const futures = market.marketType === 'futures';
    for (const price of [
      mapping.needsPrice ? input.price : undefined,
      mapping.needsStop ? input.stopPrice : undefined,
    ]) {
      if (!price) continue;
      const maxOk = market.maxPrice.isZero() || price.lte(market.maxPrice);
      if (!price.gt(0) || price.lt(market.minPrice) || !maxOk || !isMultipleOf(price, market.tickSize)) {
        throw futures && price.gt(0) && !isMultipleOf(price, market.tickSize)
          ? binanceErrors.futuresPrecision()
          : binanceErrors.filterFailure('PRICE_FILTER');
      }
    }
    const step = isMarket ? market.marketStepSize : market.stepSize;
    const minQty = isMarket ? market.marketMinQty : market.minQty;
    const maxQty = isMarket ? market.marketMaxQty : market.maxQty;
    if (!quantity.gt(0))
      throw futures
        ? new BinanceError(400, -4003, 'Quantity less than or equal to zero.')
        : binanceErrors.filterFailure('LOT_SIZE');
    if (!isMultipleOf(quantity, step)) {
      throw futures
        ? binanceErrors.futuresPrecision()
        : binanceErrors.filterFailure(isMarket ? 'MARKET_LOT_SIZE' : 'LOT_SIZE');
    }
    if (quantity.lt(minQty) || quantity.gt(maxQty)) {
      throw binanceErrors.filterFailure(isMarket ? 'MARKET_LOT_SIZE' : 'LOT_SIZE');
    }
    const mark = this.markPrice(market.symbol, market.marketType);
    const reference = input.price ?? input.stopPrice ?? mark;
    if (reference && (!isMarket || market.applyMinToMarket) && !input.reduceOnly) {
      const notional = (isMarket && input.quoteOrderQty) || quantity.mul(reference);
      if (notional.lt(market.minNotional)) {
        throw futures
          ? binanceErrors.futuresMinNotional(market.minNotional.toFixed())
          : binanceErrors.filterFailure('NOTIONAL');
      }
      if (!futures && market.maxNotional && !isMarket && notional.gt(market.maxNotional)) {
        throw binanceErrors.filterFailure('NOTIONAL');
      }
    }
    if (market.priceBand && mark && input.price && mapping.needsPrice) {
      const band = market.priceBand;
      const [down, up] = input.side === 'BUY' ? [band.bidDown, band.bidUp] : [band.askDown, band.askUp];
      if (input.price.lt(mark.mul(down)) || input.price.gt(mark.mul(up))) {
        throw binanceErrors.filterFailure(futures ? 'PERCENT_PRICE' : 'PERCENT_PRICE_BY_SIDE');
      }
    }
    if (
      market.maxNumOrders !== undefined &&
      this.openOrders(account, market.marketType, market.symbol).length >= market.maxNumOrders
    ) {
      throw futures
        ? new BinanceError(400, -2025, 'Reach max open order limit.')
        : binanceErrors.filterFailure('MAX_NUM_ORDERS');
    }
  }

  /** USD-M: the part of an order that grows the position must fit in the available margin. */
  private checkMargin(
    account: SimAccount,
    market: MarketRules,
    side: Side,
    quantity: Decimal,
    marketCost: Decimal | undefined,
    input: PlaceOrderInput,
    mapping: TypeMapping,
  ): void {
    const position = account.position(market.symbol).amount;
    const reduces = side === 'buy' ? position.isNegative() : position.gt(0);
    if (input.reduceOnly) {
      if (!reduces) throw binanceErrors.reduceOnlyRejected();
      return;
    }
    const reducing = reduces ? Decimal.min(position.abs(), quantity) : ZERO;
    const opening = quantity.sub(reducing);
    if (opening.isZero()) return;
    const mark = this.markPrice(market.symbol, 'futures');
    const price =
      (mapping.needsPrice ? input.price : undefined) ??
      (marketCost && quantity.gt(0) && marketCost.gt(0) ? marketCost.div(quantity) : undefined) ??
      input.stopPrice ??
      mark;
    if (!price) return;
    const required = opening.mul(price).div(account.leverageOf(market.symbol));
    if (required.gt(this.futuresMargins(account, market.quoteAsset).available)) {
      throw binanceErrors.marginInsufficient();
    }
  }

  /** Base quantity a quote amount buys (walking the asks) or needs to sell (walking the bids). */
  private quantityForQuote(market: MarketRules, side: Side, quote: Decimal): Decimal {
    const book = this.engines[market.marketType].book;
    const levels =
      side === 'buy'
        ? book.asks(market.symbol, market.marketType)
        : book.bids(market.symbol, market.marketType);
    let left = quote;
    let quantity = ZERO;
    for (const level of levels) {
      if (left.lte(0)) break;
      const take = Decimal.min(level.quantity, left.div(level.price));
      quantity = quantity.add(take);
      left = left.sub(take.mul(level.price));
    }
    return floorToStep(quantity, market.marketStepSize);
  }

  private depthState(symbol: string, marketType: MarketType): DepthState {
    const key = marketKey(symbol, marketType);
    let state = this.depthStates.get(key);
    if (!state) {
      state = { lastUpdateId: 1_000_000, bids: new Map(), asks: new Map() };
      this.depthStates.set(key, state);
    }
    return state;
  }

  /**
   * Publishes what changed in the book since the last publication as one diff event with update ids
   * `first..last` (one id per changed level), so `GET depth`'s `lastUpdateId` and the stream's `U`/`u`/`pu`
   * line up exactly as Binance documents for local order-book maintenance.
   */
  private publishDepth(symbol: string, marketType: MarketType, time: number): void {
    const engine = this.engines[marketType];
    const state = this.depthState(symbol, marketType);
    const diff = (current: readonly BookLevel[], published: Map<string, Decimal>): BookLevel[] => {
      const next = new Map(current.map((level) => [level.price.toFixed(), level.quantity]));
      const changes: BookLevel[] = [];
      for (const [price, quantity] of next) {
        if (!published.get(price)?.eq(quantity)) changes.push({ price: new Decimal(price), quantity });
      }
      for (const price of published.keys()) {
        if (!next.has(price)) changes.push({ price: new Decimal(price), quantity: ZERO });
      }
      published.clear();
      for (const [price, quantity] of next) published.set(price, quantity);
      return changes;
    };
    const bids = diff(engine.book.bids(symbol, marketType), state.bids);
    const asks = diff(engine.book.asks(symbol, marketType), state.asks);
    const changes = bids.length + asks.length;
    if (changes === 0) return;
    const previous = state.lastUpdateId;
    state.lastUpdateId += changes;
    this.emitMarket({
      marketType,
      symbol,
      channel: 'depth',
      time,
      depth: { first: previous + 1, last: state.lastUpdateId, previous, bids, asks },
    });
  }

  private emitUser(event: UserEvent): void {
    for (const listener of [...this.userListeners]) listener(event);
  }

  private emitMarket(event: MarketStreamEvent): void {
    for (const listener of [...this.marketListeners]) listener(event);
  }
}

/**
 * Which endpoint knows the order: the algo endpoints every algo order (by algoId / clientAlgoId), the order
 * endpoints regular orders and, once triggered, the order an algo order placed in the matching engine
 * (by its own orderId, under the algo order's client id).
 */
function inEndpoint(order: SimOrder, algo: boolean): boolean {
  if (algo) return order.algoId !== undefined;
  return order.algoId === undefined || order.snapshot.triggered;
}
