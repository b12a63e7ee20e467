import { randomBytes } from 'node:crypto';
import { Decimal, decimalString, maxDecimal, minDecimal, ZERO } from '../../domain/decimal.ts';
import { marketKey, type MarketRules } from '../../domain/market-rules.ts';
import { isTriggerType, type Liquidity, type MarketType, type Side } from '../../domain/order-types.ts';
import type {
  OrderRef,
  VenueCancelResult,
  VenueFill,
  VenueOrderRequest,
  VenueOrderSnapshot,
  VenueOrderStatus,
  VenueSubmitResult,
} from '../../execution/venue-port.ts';
import type { BookSnapshotEvent, MarketEvent, TradeEvent } from '../market-data/market-event.ts';
import { OrderBook } from './order-book.ts';
import type { RestoredOrder } from './restored-order.ts';

export interface MatchingEngineOptions {
  readonly markets: readonly MarketRules[];
  /** Default 0.001 (0.1%). */
  readonly makerFeeRate?: Decimal;
  /** Default 0.001 (0.1%). */
  readonly takerFeeRate?: Decimal;
  /**
   * Prefix of every venue order id and trade id. Random by default: fills are applied exactly once by
   * trade id, so ids must never repeat, not even after a restart restarts the counters.
   */
  readonly instanceId?: string;
  /** Timestamps fills made on submit; fills caused by market events carry the event's time. */
  readonly clock?: () => Date;
}

/** An order the engine changed on its own while processing a market event. */
export interface OrderUpdate {
  readonly kind: 'order_update';
  readonly accountRef: string;
  readonly order: VenueOrderSnapshot;
}

export interface RestoreSkip {
  readonly accountRef: string;
  readonly clientOrderId: string;
  readonly reason: string;
}

export interface RestoreSummary {
  readonly kind: 'restore_summary';
  /** Client order ids now resting again. */
  readonly restored: readonly string[];
  readonly skipped: readonly RestoreSkip[];
}

/** How an order trades right now: waiting for its trigger, taking liquidity, or resting at a limit. */
type Behaviour = 'trigger' | 'market' | 'limit';

interface PaperOrder {
  readonly request: VenueOrderRequest;
  readonly market: MarketRules;
  readonly venueOrderId: string;
  /** Time priority among our own resting orders. */
  readonly sequence: number;
  /** Filled before a restart: counted in `filled`, but its fills live in the store, not here. */
  readonly restoredQuantity: Decimal;
  status: VenueOrderStatus;
  triggered: boolean;
  filled: Decimal;
  quoteFilled: Decimal;
  readonly fills: VenueFill[];
}

const DEFAULT_FEE_RATE = new Decimal('0.001');
const FINAL_STATUSES: ReadonlySet<VenueOrderStatus> = new Set(['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED']);

/**
 * Matches one venue's orders against the market the feed shows. Orders never match each other: every
 * account trades against the market, as a small trader does on a real venue.
 *
 * - Takers (market orders, marketable limits, triggered stops) walk the book level by level, so slippage
 *   is real, and never past `protectionPrice` (market) or the limit price.
 * - Resting limits fill as maker when a trade prints at or through their price, shared out of that
 *   trade's quantity in price-time priority, and when a new snapshot's opposite side crosses them,
 *   bounded by each crossing level's size.
 * - Stops and take-profits trigger on trade prints.
 *
 * The engine checks no balances and holds no positions (so `reduceOnly` and leverage are not its
 * business): the execution layer reserves funds before it submits.
 */
export class MatchingEngine {
  readonly book = new OrderBook();
  private readonly markets = new Map<string, MarketRules>();
  private readonly makerFeeRate: Decimal;
  private readonly takerFeeRate: Decimal;
  private readonly instanceId: string;
  private readonly clock: () => Date;
  /** Every order each account has placed here, by client order id. */
  private readonly accounts = new Map<string, Map<string, PaperOrder>>();
  /** Working (non-final) orders per market, in time priority. */
  private readonly working = new Map<string, PaperOrder[]>();
  private orderSequence = 0;
  private orderIdSequence = 0;
  private tradeSequence = 0;

  constructor(options: MatchingEngineOptions) {
    for (const market of options.markets) {
      this.markets.set(marketKey(market.symbol, market.marketType), market);
    }
    this.makerFeeRate = options.makerFeeRate ?? DEFAULT_FEE_RATE;
    this.takerFeeRate = options.takerFeeRate ?? DEFAULT_FEE_RATE;
    if (this.makerFeeRate.isNegative() || this.takerFeeRate.isNegative()) {
      throw new RangeError('fee rates must not be negative');
    }
    this.instanceId = options.instanceId ?? randomBytes(4).toString('hex');
    this.clock = options.clock ?? (() => new Date());
  }

  market(symbol: string, marketType: MarketType): MarketRules | undefined {
    return this.markets.get(marketKey(symbol, marketType));
  }

  /** Mid of the best bid and ask, else the last trade. */
  markPrice(symbol: string, marketType: MarketType): Decimal | undefined {
    return this.book.mid(symbol, marketType) ?? this.book.lastTradePrice(symbol, marketType);
  }

  submit(request: VenueOrderRequest): VenueSubmitResult {
    const market = this.market(request.symbol, request.marketType);
    if (!market) return rejected('-1121', 'Invalid symbol.', false);
    const invalid = this.validate(request, market);
    if (invalid) return invalid;

    const order = this.register(request, market, `${this.instanceId}-${++this.orderIdSequence}`, ZERO, false);
    if (behaviour(order) !== 'trigger') this.take(order, this.clock());
    return { kind: 'accepted', order: snapshot(order) };
  }

  cancel(ref: OrderRef): VenueCancelResult {
    const order = this.find(ref);
    if (!order) return { kind: 'not_found', message: 'Unknown order sent.' };
    if (FINAL_STATUSES.has(order.status)) return { kind: 'already_final', order: snapshot(order) };
    this.finish(order, 'CANCELED');
    return { kind: 'canceled', order: snapshot(order) };
  }

  order(ref: OrderRef): VenueOrderSnapshot | undefined {
    const order = this.find(ref);
    return order && snapshot(order);
  }

  /** Working orders, oldest first; all accounts unless one is named. */
  openOrders(accountRef?: string): VenueOrderSnapshot[] {
    return [...this.working.values()]
      .flat()
      .filter((order) => accountRef === undefined || order.request.accountRef === accountRef)
      .sort((a, b) => a.sequence - b.sequence)
      .map(snapshot);
  }

  /**
   * Re-registers working orders after a restart. Each keeps its venue order id and rests with what is
   * left of its quantity; fills before the restart count in `filledQuantity` but are not listed again
   * (the store already applied them). No matching happens here: the next market event does it.
   * Orders that cannot rest (market orders: in-memory paper fills died with the process) or that
   * contradict what is known are skipped and reported, never half-restored.
   */
  restore(orders: readonly RestoredOrder[]): RestoreSummary {
    const restored: string[] = [];
    const skipped: RestoreSkip[] = [];
    for (const order of orders) {
      const reason = this.restoreOne(order);
      if (reason === undefined) restored.push(order.clientOrderId);
      else skipped.push({ accountRef: order.accountRef, clientOrderId: order.clientOrderId, reason });
    }
    return { kind: 'restore_summary', restored, skipped };
  }

  feeRates(): { readonly maker: Decimal; readonly taker: Decimal } {
    return { maker: this.makerFeeRate, taker: this.takerFeeRate };
  }

  /** Applies a market event; returns every order it changed. */
  onMarketEvent(event: MarketEvent): OrderUpdate[] {
    if (!this.market(event.symbol, event.marketType)) return [];
    const changed = new Set<PaperOrder>();
    if (event.kind === 'book') {
      this.book.applySnapshot(event);
      this.crossRestingOrders(event, changed);
    } else {
      this.book.recordTrade(event);
      this.fillOnTrade(event, changed);
      this.triggerOnTrade(event, changed);
    }
    return [...changed].map((order) => ({
      kind: 'order_update',
      accountRef: order.request.accountRef,
      order: snapshot(order),
    }));
  }

  private restoreOne(restored: RestoredOrder): string | undefined {
    const market = this.market(restored.symbol, restored.marketType);
    if (!market) return `unknown market ${restored.marketType}:${restored.symbol}`;
    const known = this.accounts.get(restored.accountRef)?.get(restored.clientOrderId);
    if (known) {
      return known.venueOrderId === restored.venueOrderId
        ? 'already known'
        : `client order id already used by venue order ${known.venueOrderId}`;
    }
    const invalid = this.validate(restored, market, { restoring: true });
    if (invalid?.kind === 'rejected') return invalid.message;
    if (restored.filledQuantity.isNegative() || restored.filledQuantity.gte(restored.quantity)) {
      return 'filledQuantity must be in [0, quantity) for a working order';
    }
    const triggered = isTriggerType(restored.type) && restored.triggered === true;
    // A triggered stop-market (or price-less take-profit) was a market order the moment it triggered.
    const takesNow =
      restored.type === 'market' ||
      (triggered &&
        (restored.type === 'stop_market' || (restored.type === 'take_profit' && !restored.price)));
    if (takesNow) return `a ${restored.type} order does not rest`;
    this.register(restored, market, restored.venueOrderId, restored.filledQuantity, triggered);
    return undefined;
  }

  private validate(
    request: VenueOrderRequest,
    market: MarketRules,
    { restoring = false } = {},
  ): VenueSubmitResult | undefined {
    if (market.status !== 'TRADING') return rejected('-1013', 'Market is closed.', false);
    if (!request.quantity.gt(0)) return rejected('-1013', 'Invalid quantity.', false);
    const needsPrice = request.type === 'limit' || request.type === 'stop_limit';
    if (needsPrice && !request.price) return rejected('-1102', mandatory('price'), false);
    if (request.price && !request.price.gt(0)) return rejected('-1013', 'Invalid price.', false);
    if (isTriggerType(request.type)) {
      if (!request.stopPrice) return rejected('-1102', mandatory('stopPrice'), false);
      if (!request.stopPrice.gt(0)) return rejected('-1013', 'Invalid stop price.', false);
    }
    if (restoring) return undefined;

    if (this.accounts.get(request.accountRef)?.has(request.clientOrderId)) {
      return rejected('-2010', 'Duplicate order sent.', false);
    }
    const { symbol, marketType } = request;
    if (request.type === 'market' && !this.book.hasBook(symbol, marketType)) {
      return rejected('NO_LIQUIDITY', `No order book for ${marketType}:${symbol} yet.`, true);
    }
    if (isTriggerType(request.type)) {
      // Binance refuses a stop that is already through the market rather than filling it by surprise.
      const reference = this.book.lastTradePrice(symbol, marketType) ?? this.book.mid(symbol, marketType);
      if (reference && triggers(request, reference)) {
        return rejected('-2021', 'Order would immediately trigger.', false);
      }
    }
    return undefined;
  }

  private register(
    request: VenueOrderRequest,
    market: MarketRules,
    venueOrderId: string,
    restoredQuantity: Decimal,
    triggered: boolean,
  ): PaperOrder {
    const order: PaperOrder = {
      request,
      market,
      venueOrderId,
      sequence: ++this.orderSequence,
      restoredQuantity,
      status: restoredQuantity.gt(0) ? 'PARTIALLY_FILLED' : 'NEW',
      triggered,
      filled: restoredQuantity,
      quoteFilled: ZERO,
      fills: [],
    };
    let orders = this.accounts.get(request.accountRef);
    if (!orders) this.accounts.set(request.accountRef, (orders = new Map()));
    orders.set(request.clientOrderId, order);
    const key = marketKey(request.symbol, request.marketType);
    const list = this.working.get(key);
    if (list) list.push(order);
    else this.working.set(key, [order]);
    return order;
  }

  /**
   * The taker part of an order that trades now (on submit, or when triggered): walk the book up to the
   * worst allowed price, then rest what is left (GTC limit) or expire it (market, IOC, FOK).
   */
  private take(order: PaperOrder, timestamp: Date): void {
    const { request } = order;
    const isMarket = behaviour(order) === 'market';
    const worstPrice = isMarket ? request.protectionPrice : request.price;
    const timeInForce = isMarket && request.timeInForce === 'GTC' ? 'IOC' : request.timeInForce;
    const wanted = remaining(order);
    const slices = this.book.plan(request.symbol, request.marketType, request.side, wanted, worstPrice);
    const available = slices.reduce((sum, slice) => sum.add(slice.quantity), ZERO);
    if (timeInForce === 'FOK' && available.lt(wanted)) {
      this.finish(order, 'EXPIRED');
      return;
    }
    for (const slice of slices) {
      this.book.consume(request.symbol, request.marketType, request.side, slice.price, slice.quantity);
      this.fill(order, slice.price, slice.quantity, 'taker', timestamp);
    }
    if (order.status === 'FILLED') return;
    if (timeInForce !== 'GTC') this.finish(order, 'EXPIRED');
  }

  /** A new snapshot whose opposite side reaches a resting limit: the market moved through it. */
  private crossRestingOrders(event: BookSnapshotEvent, changed: Set<PaperOrder>): void {
    for (const side of ['buy', 'sell'] as const) {
      for (const order of this.restingLimits(event.symbol, event.marketType, side)) {
        const slices = this.book.plan(
          event.symbol,
          event.marketType,
          side,
          remaining(order),
          order.request.price,
        );
        for (const slice of slices) {
          this.book.consume(event.symbol, event.marketType, side, slice.price, slice.quantity);
          // The book's own price, as an opening auction would uncross: it is a price the market showed.
          this.fill(order, slice.price, slice.quantity, 'maker', event.timestamp);
          changed.add(order);
        }
      }
    }
  }

  /** A trade printed at or through resting limits fills them, out of that trade's quantity. */
  private fillOnTrade(event: TradeEvent, changed: Set<PaperOrder>): void {
    const { symbol, marketType, price } = event;
    for (const side of ['buy', 'sell'] as const) {
      let pool = event.quantity;
      for (const order of this.restingLimits(symbol, marketType, side)) {
        if (pool.lte(0)) break;
        const limit = order.request.price!;
        if (side === 'buy' ? price.gt(limit) : price.lt(limit)) break;
        const quantity = minDecimal(pool, remaining(order));
        this.fill(order, this.makerPrice(order, event), quantity, 'maker', event.timestamp);
        pool = pool.sub(quantity);
        changed.add(order);
      }
    }
  }

  /**
   * A resting order fills at its own price, as on a real venue, except when the market jumped past it:
   * when neither this trade nor the quoted book reached back to its price, it fills at the nearest price
   * the market did show. A paper fill never sits at a price nobody traded or quoted.
   */
  private makerPrice(order: PaperOrder, trade: TradeEvent): Decimal {
    const limit = order.request.price!;
    if (order.request.side === 'buy') {
      const farthestAsk = this.book.quotedWorstAsk(trade.symbol, trade.marketType);
      return minDecimal(limit, farthestAsk ? maxDecimal(trade.price, farthestAsk) : trade.price);
    }
    const farthestBid = this.book.quotedWorstBid(trade.symbol, trade.marketType);
    return maxDecimal(limit, farthestBid ? minDecimal(trade.price, farthestBid) : trade.price);
  }

  private triggerOnTrade(event: TradeEvent, changed: Set<PaperOrder>): void {
    const list = this.working.get(marketKey(event.symbol, event.marketType)) ?? [];
    const waiting = list.filter(
      (order) => behaviour(order) === 'trigger' && triggers(order.request, event.price),
    );
    for (const order of waiting) {
      order.triggered = true;
      changed.add(order);
      this.take(order, event.timestamp);
    }
  }

  /** Resting limit orders on one side, best price first, then oldest first. */
  private restingLimits(symbol: string, marketType: MarketType, side: Side): PaperOrder[] {
    const list = this.working.get(marketKey(symbol, marketType)) ?? [];
    return list
      .filter((order) => order.request.side === side && behaviour(order) === 'limit')
      .sort((a, b) => {
        const byPrice = a.request.price!.comparedTo(b.request.price!);
        return (side === 'buy' ? -byPrice : byPrice) || a.sequence - b.sequence;
      });
  }

  private fill(
    order: PaperOrder,
    price: Decimal,
    quantity: Decimal,
    liquidity: Liquidity,
    timestamp: Date,
  ): void {
    const notional = price.mul(quantity);
    const rate = liquidity === 'maker' ? this.makerFeeRate : this.takerFeeRate;
    order.fills.push({
      tradeId: `${this.instanceId}-t${++this.tradeSequence}`,
      price,
      quantity,
      fee: notional.mul(rate),
      feeAsset: order.market.quoteAsset,
      liquidity,
      timestamp,
    });
    order.filled = order.filled.add(quantity);
    order.quoteFilled = order.quoteFilled.add(notional);
    if (order.filled.gte(order.request.quantity)) this.finish(order, 'FILLED');
    else order.status = 'PARTIALLY_FILLED';
  }

  private finish(order: PaperOrder, status: VenueOrderStatus): void {
    order.status = status;
    const key = marketKey(order.request.symbol, order.request.marketType);
    const list = this.working.get(key);
    if (!list) return;
    const index = list.indexOf(order);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.working.delete(key);
  }

  private find(ref: OrderRef): PaperOrder | undefined {
    const order = this.accounts.get(ref.accountRef)?.get(ref.clientOrderId);
    if (!order || order.request.symbol !== ref.symbol || order.request.marketType !== ref.marketType)
      return undefined;
    return order;
  }
}

function behaviour(order: PaperOrder): Behaviour {
  const { type, price } = order.request;
  if (isTriggerType(type) && !order.triggered) return 'trigger';
  if (type === 'market' || type === 'stop_market') return 'market';
  if (type === 'take_profit') return price ? 'limit' : 'market';
  return 'limit';
}

/** Stops trigger when the market moves against the position they protect; take-profits when in favour. */
function triggers(request: VenueOrderRequest, price: Decimal): boolean {
  const stop = request.stopPrice!;
  const risesThrough = price.gte(stop);
  const fallsThrough = price.lte(stop);
  if (request.type === 'take_profit') return request.side === 'buy' ? fallsThrough : risesThrough;
  return request.side === 'buy' ? risesThrough : fallsThrough;
}

function remaining(order: PaperOrder): Decimal {
  return order.request.quantity.sub(order.filled);
}

function snapshot(order: PaperOrder): VenueOrderSnapshot {
  const { request } = order;
  const raw: Record<string, string | boolean> = {
    venueOrderId: order.venueOrderId,
    type: request.type,
    side: request.side,
    timeInForce: request.timeInForce,
    origQty: decimalString(request.quantity),
    executedQty: decimalString(order.filled),
    cummulativeQuoteQty: decimalString(order.quoteFilled),
    status: order.status,
    reduceOnly: request.reduceOnly,
  };
  if (request.price) raw.price = decimalString(request.price);
  if (request.stopPrice) raw.stopPrice = decimalString(request.stopPrice);
  if (order.restoredQuantity.gt(0)) raw.restoredQty = decimalString(order.restoredQuantity);
  return {
    venueOrderId: order.venueOrderId,
    clientOrderId: request.clientOrderId,
    symbol: request.symbol,
    marketType: request.marketType,
    status: order.status,
    triggered: isTriggerType(request.type) && order.triggered,
    filledQuantity: order.filled,
    fills: [...order.fills],
    raw,
  };
}

function rejected(code: string, message: string, retryable: boolean): VenueSubmitResult {
  return { kind: 'rejected', code, message, retryable };
}

function mandatory(parameter: string): string {
  return `Mandatory parameter '${parameter}' was not sent, was empty/null, or malformed.`;
}
