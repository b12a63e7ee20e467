import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  type CircuitBreakerPolicy,
  type RetryPolicy,
} from 'cockatiel';
import { Decimal, ZERO, decimalString } from '../../domain/decimal.ts';
import {
  DEFAULT_FUTURES_LEVERAGE,
  parseExchangeInfo,
  type LeverageFacts,
} from '../../domain/exchange-info-parser.ts';
import { marketKey, type MarketRules } from '../../domain/market-rules.ts';
import type { MarketType, OrderType } from '../../domain/order-types.ts';
import type {
  ExecutionReport,
  OrderRef,
  VenueCancelResult,
  VenueFill,
  VenueHealth,
  VenueOrderRequest,
  VenueOrderSnapshot,
  VenuePort,
  VenuePosition,
  VenueSubmitResult,
} from '../../execution/venue-port.ts';
import {
  createSpotClient,
  createUsdmClient,
  type BinanceClient,
  type BinanceSpotClient,
  type BinanceUsdmClient,
} from './binance-client.ts';
import {
  classifyBinanceError,
  isDuplicateOrder,
  isOrderNotFound,
  sanitizeVenueMessage,
  type BinanceErrorClass,
} from './binance-error-map.ts';
import {
  actualOrderIdOf,
  fillFromBinance,
  isRawRecord,
  snapshotFromBinance,
  snapshotFromBinanceAlgo,
  snapshotFromStream,
  streamClientOrderId,
  text,
  type RawRecord,
} from './binance-order-snapshot.ts';
import { positionFromBinance } from './binance-position.ts';
import { RequestWeightBudget, WeightBudgetExhausted, type RequestPriority } from './request-weight-budget.ts';

export interface CcxtBinanceVenueOptions {
  /** The VenuePort id stored on accounts and orders, e.g. `binance:<exchange account id>`. */
  readonly id: string;
  readonly apiKey: string;
  readonly secret: string;
  /** Default: Binance production. Tests: the simulator's `http://127.0.0.1:<port>`. */
  readonly baseUrl?: string;
  readonly wsUrl?: string;
  /** Which faces to load: `spot` (ccxt binance), `futures` (ccxt binanceusdm). Default both. */
  readonly marketTypes?: readonly MarketType[];
  /** Binance's receive window; also how long an unknown outcome must age before a lookup proves absence. */
  readonly recvWindowMs?: number;
  readonly timeoutMs?: number;
  readonly pricePollMs?: number;
  readonly orderPollMs?: number;
  readonly marketsRefreshMs?: number;
  readonly retry?: {
    readonly maxAttempts: number;
    readonly initialDelayMs: number;
    readonly maxDelayMs: number;
  };
  readonly breaker?: { readonly consecutiveFailures: number; readonly halfOpenAfterMs: number };
  readonly weightLimitPerMinute?: { readonly spot: number; readonly futures: number };
  readonly fees?: Partial<Record<MarketType, { readonly maker: Decimal; readonly taker: Decimal }>>;
  /**
   * Follow the user data stream (ccxt.pro watchMyTrades and watchOrders): fills and status changes are
   * reported from the events themselves, at stream speed; the open-orders poll stays on as the fallback.
   * Default on.
   */
  readonly userDataStream?: boolean;
  /** Where background failures (polling) are reported; messages are already sanitized. */
  readonly onBackgroundError?: (context: string, message: string) => void;
}

/** A failed venue call, classified by the error map; `cause` is kept for the adapter's own checks only. */
class VenueCallError extends Error {
  override readonly name = 'VenueCallError';
  constructor(
    readonly classified: BinanceErrorClass,
    readonly original: unknown,
  ) {
    super(classified.message);
  }
}

const DEFAULT_FEES: Record<MarketType, { maker: Decimal; taker: Decimal }> = {
  spot: { maker: new Decimal('0.001'), taker: new Decimal('0.001') },
  futures: { maker: new Decimal('0.0002'), taker: new Decimal('0.0005') },
};

/** A request with less of its receive window left than this would expire on the way: it is not sent. */
const MIN_RECV_WINDOW_MS = 50;

/** Binance's request weights for the calls we make. */
const WEIGHT = {
  order: 1,
  queryOrder: { spot: 4, futures: 1 },
  // One order's trades (we always name the order): spot 5, not the 20 of a whole-symbol query.
  trades: { spot: 5, futures: 5 },
  openOrders: { spot: 80, futures: 40 },
  openOrdersOfSymbol: { spot: 6, futures: 1 },
  openAlgoOrders: 40,
  openAlgoOrdersOfSymbol: 1,
  prices: { spot: 4, futures: 10 },
  exchangeInfo: { spot: 20, futures: 1 },
  account: { spot: 20, futures: 5 },
  positionRisk: 5,
} as const;

/** A working order followed until final: what the venue last told of it, and every fill known so far. */
interface TrackedOrder {
  readonly ref: OrderRef;
  readonly executed: Decimal;
  readonly status: VenueOrderSnapshot['status'];
  readonly fills: readonly VenueFill[];
}

/**
 * Our order types that USD-M takes only through the algo order API (`/fapi/v1/algoOrder`, CONDITIONAL)
 * since December 2025; `/fapi/v1/order` refuses them with -4120.
 */
const FUTURES_CONDITIONAL_TYPES: ReadonlySet<OrderType> = new Set([
  'stop_market',
  'stop_limit',
  'take_profit',
]);
/** How many client order ids the adapter remembers the USD-M service of (algo or matching engine). */
const REMEMBERED_SERVICES = 10_000;

/**
 * The live VenuePort for Binance spot (ccxt `binance`) and USD-M (ccxt `binanceusdm`), one instance per
 * exchange key. Requests go through ccxt's implicit API (signing, error decoding) and are parsed from the
 * raw payloads so every amount stays a decimal string. Every call passes the circuit breaker and the
 * weight budget; only definitely-not-placed failures are retried.
 */
export class CcxtBinanceVenue implements VenuePort {
  readonly id: string;
  private readonly clients = new Map<MarketType, BinanceClient>();
  private readonly budgets = new Map<MarketType, RequestWeightBudget>();
  private readonly rules = new Map<string, MarketRules>();
  private readonly prices = new Map<string, Decimal>();
  private readonly pricesAt = new Map<MarketType, number>();
  private readonly leverageSet = new Map<string, number>();
  private readonly listeners = new Set<(report: ExecutionReport) => void>();
  /** Orders we know are working at the venue: polled until final. Keyed by client order id. */
  private readonly tracked = new Map<string, TrackedOrder>();
  /**
   * USD-M client order ids known to belong to the algo service (true) or the matching engine (false).
   * An id not here (placed before a restart, or elsewhere) is looked up at both.
   */
  private readonly algoService = new Map<string, boolean>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly breaker: CircuitBreakerPolicy;
  private readonly retryPolicy: RetryPolicy;
  private readonly recvWindowMs: number;
  private readonly fees: Record<MarketType, { maker: Decimal; taker: Decimal }>;
  private lastError: string | undefined;
  private polling = false;
  private closed = false;
  private readonly streams = new Map<MarketType, 'connecting' | 'up' | 'down'>();

  constructor(private readonly options: CcxtBinanceVenueOptions) {
    this.id = options.id;
    this.recvWindowMs = options.recvWindowMs ?? 5_000;
    const clientOptions = {
      apiKey: options.apiKey,
      secret: options.secret,
      recvWindowMs: this.recvWindowMs,
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(options.baseUrl !== undefined && { baseUrl: options.baseUrl }),
      ...(options.wsUrl !== undefined && { wsUrl: options.wsUrl }),
    };
    const types = options.marketTypes ?? ['spot', 'futures'];
    const limits = options.weightLimitPerMinute ?? { spot: 6_000, futures: 2_400 };
    for (const type of types) {
      this.clients.set(
        type,
        type === 'spot' ? createSpotClient(clientOptions) : createUsdmClient(clientOptions),
      );
      this.budgets.set(type, new RequestWeightBudget({ limitPerMinute: limits[type] }));
    }
    this.fees = {
      spot: options.fees?.spot ?? DEFAULT_FEES.spot,
      futures: options.fees?.futures ?? DEFAULT_FEES.futures,
    };
    const breaker = options.breaker ?? { consecutiveFailures: 5, halfOpenAfterMs: 10_000 };
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof VenueCallError && error.classified.infrastructure),
      {
        halfOpenAfter: breaker.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(breaker.consecutiveFailures),
      },
    );
    const policy = options.retry ?? { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 2_000 };
    // Only failures the venue definitely did not act on are retried, and only when any Retry-After it
    // gave is short enough to wait out within the request. ExponentialBackoff's default generator is
    // decorrelated jitter, so retries from many orders do not line up.
    this.retryPolicy = retry(
      handleWhen(
        (error) =>
          error instanceof VenueCallError &&
          error.classified.outcome === 'rejected' &&
          error.classified.retryable &&
          (error.classified.retryAfterMs ?? 0) <= policy.maxDelayMs,
      ),
      {
        maxAttempts: policy.maxAttempts,
        backoff: new ExponentialBackoff({ initialDelay: policy.initialDelayMs, maxDelay: policy.maxDelayMs }),
      },
    );
  }

  /** Loads markets and prices once, then keeps them fresh and polls working orders. */
  async start(): Promise<void> {
    await this.loadMarkets();
    await this.pollPrices();
    const every = (ms: number, work: () => Promise<void>, context: string) => {
      const timer = setInterval(() => {
        work().catch((error: unknown) => this.background(context, error));
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.marketsRefreshMs ?? 3_600_000, () => this.loadMarkets(), 'markets refresh');
    every(this.options.pricePollMs ?? 2_000, () => this.pollPrices(), 'price poll');
    every(this.options.orderPollMs ?? 2_000, () => this.pollOrders(), 'order poll');
    if (this.options.userDataStream ?? true) {
      for (const marketType of this.clients.keys()) {
        void this.followUserData(marketType, 'orders');
        void this.followUserData(marketType, 'trades');
      }
    }
  }

  /**
   * The user data stream, two subscriptions on one connection: watchMyTrades brings every trade event
   * (ccxt keeps each trade, where it folds an order's quick successive events into one), watchOrders the
   * status changes. Each event is reported as it stands when it proves the order's state: its trade and
   * the fills already known add up to its cumulative filled quantity. Otherwise (an event was missed, or
   * the order is a USD-M algo order, whose fills are those of the order its trigger placed) the order is
   * read over REST. A duplicated or stale event changes nothing. A broken stream is reconnected; the poll
   * covers the gap.
   */
  private async followUserData(marketType: MarketType, feed: 'orders' | 'trades'): Promise<void> {
    const client = this.clients.get(marketType);
    if (!client) return;
    let prepared = false;
    while (!this.closed) {
      try {
        if (feed === 'orders') this.streams.set(marketType, 'connecting');
        if (!prepared) {
          await client.loadHttpProxyAgent();
          await this.call(marketType, 'query', WEIGHT.exchangeInfo[marketType], () => client.loadMarkets());
          prepared = true;
        }
        const next = feed === 'orders' ? client.watchOrders() : client.watchMyTrades();
        // Subscribed (or subscribing): "up" until the stream fails.
        if (feed === 'orders') this.streams.set(marketType, 'up');
        for (const update of await next) {
          if (isRawRecord(update.info)) await this.onStreamEvent(update.info);
        }
      } catch (error) {
        if (this.closed) return;
        this.streams.set(marketType, 'down');
        this.background(`${marketType} user data stream`, error);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  private async onStreamEvent(event: RawRecord): Promise<void> {
    const clientOrderId = streamClientOrderId(event);
    const entry = clientOrderId === undefined ? undefined : this.tracked.get(clientOrderId);
    if (!entry) return;
    const rules = this.market(entry.ref.symbol, entry.ref.marketType);
    if (!rules) return;
    const algo = this.algoService.get(entry.ref.clientOrderId) === true;
    const order = algo ? undefined : snapshotFromStream(event, entry.ref.marketType, rules, entry.fills);
    if (!order) {
      try {
        const looked = await this.fetchOrder(entry.ref);
        if (looked) this.emit(entry.ref, looked);
      } catch (error) {
        this.background('order lookup after a stream event', error);
      }
      return;
    }
    const executed = order.filledQuantity;
    // A stale event (an earlier state re-sent) or a duplicate says nothing new.
    if (executed.lessThan(entry.executed)) return;
    if (
      executed.equals(entry.executed) &&
      order.status === entry.status &&
      order.fills.length === entry.fills.length
    ) {
      return;
    }
    this.track(entry.ref, order);
    this.emit(entry.ref, order);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await Promise.allSettled([...this.clients.values()].map((client) => client.close()));
  }

  market(symbol: string, marketType: MarketType): MarketRules | undefined {
    return this.rules.get(marketKey(symbol, marketType));
  }

  markets(): readonly MarketRules[] {
    return [...this.rules.values()];
  }

  markPrice(symbol: string, marketType: MarketType): Decimal | undefined {
    return this.prices.get(marketKey(symbol, marketType));
  }

  feeRates(_symbol: string, marketType: MarketType): { readonly maker: Decimal; readonly taker: Decimal } {
    return this.fees[marketType];
  }

  onExecutionReport(listener: (report: ExecutionReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  health(): VenueHealth {
    const state = this.breaker.state;
    const breaker =
      state === CircuitState.Closed ? 'closed' : state === CircuitState.HalfOpen ? 'half-open' : 'open';
    const budgets = [...this.budgets.entries()]
      .map(([type, budget]) => {
        const s = budget.status();
        return `${type} weight ${s.used}/${s.limit}${s.blockedForMs > 0 ? ` (backing off ${Math.ceil(s.blockedForMs / 1000)} s)` : ''}`;
      })
      .join(', ');
    const stale = [...this.clients.keys()].some(
      (type) =>
        Date.now() - (this.pricesAt.get(type) ?? 0) >
        Math.max(15_000, 5 * (this.options.pricePollMs ?? 2_000)),
    );
    const status = breaker === 'open' ? 'down' : breaker === 'half-open' || stale ? 'degraded' : 'up';
    const streams = [...this.streams.entries()]
      .map(([type, state]) => `${type} user stream ${state}`)
      .join(', ');
    const detail = [`circuit ${breaker}`, budgets, streams, stale ? 'prices stale' : '', this.lastError ?? '']
      .filter((part) => part !== '')
      .join('; ');
    return { venue: this.id, status, detail, breaker };
  }

  async submit(request: VenueOrderRequest): Promise<VenueSubmitResult> {
    const rules = this.market(request.symbol, request.marketType);
    if (!rules || !this.clients.has(request.marketType)) {
      return {
        kind: 'rejected',
        code: 'BAD_SYMBOL',
        message: `${request.symbol} (${request.marketType}) is not listed at ${this.id}.`,
        retryable: false,
      };
    }
    const priority: RequestPriority = request.reduceOnly ? 'exit' : 'entry';
    if (request.marketType === 'futures' && request.leverage !== undefined) {
      try {
        await this.ensureLeverage(request.symbol, request.leverage, priority);
      } catch (error) {
        // The order itself was never sent: whatever happened to the leverage call, nothing is placed.
        const c = error instanceof VenueCallError ? error.classified : undefined;
        return {
          kind: 'rejected',
          code: c?.outcome === 'rejected' ? c.code : 'LEVERAGE_NOT_SET',
          message: `leverage ${request.leverage}x could not be set: ${messageOf(error)}`,
          retryable: c === undefined || c.outcome === 'unknown' || c.retryable,
        };
      }
    }
    const algo = request.marketType === 'futures' && FUTURES_CONDITIONAL_TYPES.has(request.type);
    // Known before sending: an unknown outcome is then resolved at the algo service directly.
    if (request.marketType === 'futures') this.rememberService(request.clientOrderId, algo);
    try {
      const params = this.orderParams(request, algo);
      const raw = await this.retryPolicy.execute(() =>
        this.call(request.marketType, priority, WEIGHT.order, (client) => {
          // Signed only now, after any wait for the weight budget: the deadline counts from here.
          const signed = { ...params, ...this.validity(request.sendBy) };
          return request.marketType === 'spot'
            ? (client as BinanceSpotClient).privatePostOrder(signed)
            : algo
              ? (client as BinanceUsdmClient).fapiPrivatePostAlgoOrder(signed)
              : (client as BinanceUsdmClient).fapiPrivatePostOrder(signed);
        }),
      );
      if (!isRawRecord(raw))
        return { kind: 'unknown', message: 'the venue answered the order with no object' };
      const order = algo
        ? await this.algoSnapshot(raw, rules, false)
        : await this.withFills(raw, request.marketType, rules, request.type === 'market');
      this.track(
        {
          accountRef: request.accountRef,
          symbol: request.symbol,
          marketType: request.marketType,
          clientOrderId: request.clientOrderId,
        },
        order,
      );
      return { kind: 'accepted', order };
    } catch (error) {
      if (!(error instanceof VenueCallError)) {
        return { kind: 'unknown', message: sanitizeVenueMessage(String(error)) };
      }
      if (isDuplicateOrder(error.original)) {
        // Our client order ids are derived from our order ids, so an open order with this id is ours:
        // an earlier attempt reached the venue. Its state is the answer, not a rejection.
        return this.adoptDuplicate(request);
      }
      const c = error.classified;
      if (c.outcome === 'unknown')
        return { kind: 'unknown', message: `${c.code}: ${c.message}`, raw: { code: c.code } };
      return {
        kind: 'rejected',
        code: c.code,
        message: c.message,
        retryable: c.retryable,
        raw: { code: c.code },
      };
    }
  }

  async cancel(ref: OrderRef): Promise<VenueCancelResult> {
    const rules = this.market(ref.symbol, ref.marketType);
    if (!rules) return { kind: 'not_found', message: `${ref.symbol} is not listed at ${this.id}.` };
    if (ref.marketType === 'futures' && this.algoService.get(ref.clientOrderId) === undefined) {
      // Which USD-M service holds it decides the endpoint: its record tells.
      try {
        if (!(await this.fetchOrder(ref))) {
          return { kind: 'not_found', message: `${this.id} has no order ${ref.clientOrderId}.` };
        }
      } catch (lookup) {
        return { kind: 'unknown', message: messageOf(lookup) };
      }
    }
    if (ref.marketType === 'futures' && this.algoService.get(ref.clientOrderId) === true) {
      return this.cancelAlgo(ref, rules);
    }
    return this.cancelInEngine(ref, rules, { symbol: ref.symbol, origClientOrderId: ref.clientOrderId });
  }

  /**
   * Cancels a USD-M conditional order at the algo service. One already triggered is refused there
   * (-20124): the order it placed in the matching engine is then canceled, if it still works.
   */
  private async cancelAlgo(ref: OrderRef, rules: MarketRules): Promise<VenueCancelResult> {
    const params = { symbol: ref.symbol, clientAlgoId: ref.clientOrderId };
    try {
      await this.retryPolicy.execute(() =>
        this.call('futures', 'cancel', WEIGHT.order, (client) =>
          (client as BinanceUsdmClient).fapiPrivateDeleteAlgoOrder(params),
        ),
      );
    } catch (error) {
      if (!(error instanceof VenueCallError && isOrderNotFound(error.original))) {
        return { kind: 'unknown', message: messageOf(error) };
      }
      let found: VenueOrderSnapshot | undefined;
      try {
        found = await this.fetchOrder(ref);
      } catch (lookup) {
        return { kind: 'unknown', message: messageOf(lookup) };
      }
      if (!found) return { kind: 'not_found', message: `${this.id} has no order ${ref.clientOrderId}.` };
      const working = found.status === 'NEW' || found.status === 'PARTIALLY_FILLED';
      if (!working) return { kind: 'already_final', order: found };
      const actualOrderId = isRawRecord(found.raw) ? actualOrderIdOf(found.raw) : undefined;
      if (actualOrderId === undefined) {
        return {
          kind: 'unknown',
          message: `${this.id} refused to cancel working order ${ref.clientOrderId}.`,
        };
      }
      const result = await this.cancelInEngine(ref, rules, { symbol: ref.symbol, orderId: actualOrderId });
      if (result.kind !== 'canceled') return result;
    }
    try {
      const order = await this.fetchOrder(ref);
      if (order) return { kind: 'canceled', order };
      return { kind: 'unknown', message: `${ref.clientOrderId} was canceled, yet its record is gone` };
    } catch (lookup) {
      return { kind: 'unknown', message: messageOf(lookup) };
    }
  }

  /** Cancels an order in a matching engine (spot, USD-M regular, or the order an algo order placed). */
  private async cancelInEngine(
    ref: OrderRef,
    rules: MarketRules,
    params: Record<string, string>,
  ): Promise<VenueCancelResult> {
    try {
      const raw = await this.retryPolicy.execute(() =>
        this.call(ref.marketType, 'cancel', WEIGHT.order, (client) =>
          ref.marketType === 'spot'
            ? (client as BinanceSpotClient).privateDeleteOrder(params)
            : (client as BinanceUsdmClient).fapiPrivateDeleteOrder(params),
        ),
      );
      if (!isRawRecord(raw))
        return { kind: 'unknown', message: 'the venue answered the cancel with no object' };
      const order = await this.withFills(raw, ref.marketType, rules, false);
      if (params['orderId'] === undefined) this.track(ref, order);
      return { kind: 'canceled', order };
    } catch (error) {
      if (error instanceof VenueCallError && isOrderNotFound(error.original)) {
        // -2011 covers both "never existed" and "already final": the order lookup tells them apart.
        try {
          const order = await this.fetchOrder(ref);
          return order
            ? { kind: 'already_final', order }
            : { kind: 'not_found', message: `${this.id} has no order ${ref.clientOrderId}.` };
        } catch (lookup) {
          return { kind: 'unknown', message: messageOf(lookup) };
        }
      }
      return { kind: 'unknown', message: messageOf(error) };
    }
  }

  /**
   * Undefined only when the venue says the order does not exist (-2013) wherever it could be: a USD-M
   * order whose service is not known is looked up at the matching engine and then at the algo service,
   * so an order is never taken for absent while one of them may hold it. Other failures throw.
   */
  async fetchOrder(ref: OrderRef): Promise<VenueOrderSnapshot | undefined> {
    const rules = this.market(ref.symbol, ref.marketType);
    if (!rules) throw new Error(`${ref.symbol} (${ref.marketType}) is not listed at ${this.id}.`);
    const algo = ref.marketType === 'futures' ? this.algoService.get(ref.clientOrderId) : false;
    if (algo === true) return this.fetchAlgoOrder(ref, rules);
    const order = await this.fetchEngineOrder(ref, rules);
    if (order || algo === false) return order;
    return this.fetchAlgoOrder(ref, rules);
  }

  private async fetchAlgoOrder(ref: OrderRef, rules: MarketRules): Promise<VenueOrderSnapshot | undefined> {
    const params = { clientAlgoId: ref.clientOrderId };
    let raw: unknown;
    try {
      raw = await this.retryPolicy.execute(() =>
        this.call('futures', 'query', WEIGHT.queryOrder.futures, (client) =>
          (client as BinanceUsdmClient).fapiPrivateGetAlgoOrder(params),
        ),
      );
    } catch (error) {
      if (error instanceof VenueCallError && isOrderNotFound(error.original)) return undefined;
      throw new Error(messageOf(error));
    }
    if (!isRawRecord(raw)) throw new Error('the venue answered the algo order lookup with no object');
    this.rememberService(ref.clientOrderId, true);
    // Any failure reading the order its trigger placed throws: the algo order exists, whatever that says.
    let order: VenueOrderSnapshot;
    try {
      order = await this.algoSnapshot(raw, rules, true);
    } catch (error) {
      throw new Error(messageOf(error));
    }
    this.track(ref, order);
    return order;
  }

  private async fetchEngineOrder(ref: OrderRef, rules: MarketRules): Promise<VenueOrderSnapshot | undefined> {
    const params = { symbol: ref.symbol, origClientOrderId: ref.clientOrderId };
    try {
      const raw = await this.retryPolicy.execute(() =>
        this.call(ref.marketType, 'lookup', WEIGHT.queryOrder[ref.marketType], (client) =>
          ref.marketType === 'spot'
            ? (client as BinanceSpotClient).privateGetOrder(params)
            : (client as BinanceUsdmClient).fapiPrivateGetOrder(params),
        ),
      );
      if (!isRawRecord(raw)) throw new Error('the venue answered the order lookup with no object');
      const order = await this.withFills(raw, ref.marketType, rules, false);
      if (ref.marketType === 'futures') this.rememberService(ref.clientOrderId, false);
      this.track(ref, order);
      return order;
    } catch (error) {
      if (error instanceof VenueCallError && isOrderNotFound(error.original)) return undefined;
      throw new Error(messageOf(error));
    }
  }

  /** The venue's balances (spot: free + locked; USD-M: wallet balance), as decimal strings. */
  async fetchBalances(marketType: MarketType): Promise<ReadonlyMap<string, Decimal>> {
    const raw = await this.call(marketType, 'query', WEIGHT.account[marketType], (client) =>
      marketType === 'spot'
        ? (client as BinanceSpotClient).privateGetAccount()
        : (client as BinanceUsdmClient).fapiPrivateV2GetAccount(),
    );
    const balances = new Map<string, Decimal>();
    const rows = isRawRecord(raw) ? (marketType === 'spot' ? raw['balances'] : raw['assets']) : undefined;
    if (!Array.isArray(rows)) return balances;
    for (const row of rows) {
      if (!isRawRecord(row)) continue;
      const asset = text(row, 'asset');
      if (asset === undefined) continue;
      const total =
        marketType === 'spot'
          ? dec(text(row, 'free')).plus(dec(text(row, 'locked')))
          : dec(text(row, 'walletBalance'));
      balances.set(asset, total);
    }
    return balances;
  }

  /** The venue's open orders (for adopting orders we did not place), as snapshots. */
  async fetchOpenOrders(marketType: MarketType): Promise<readonly VenueOrderSnapshot[]> {
    const raw = await this.openOrders(marketType);
    const out: VenueOrderSnapshot[] = [];
    for (const row of raw) {
      const rules = this.market(text(row, 'symbol') ?? '', marketType);
      if (rules) out.push(await this.withFills(row, marketType, rules, false));
    }
    if (marketType !== 'futures') return out;
    // Conditional orders wait at the algo service until triggered; then the order they placed is in the
    // list above under the same client id, and is listed once.
    const listed = new Set(out.map((order) => order.clientOrderId));
    for (const row of await this.openAlgoOrders()) {
      const rules = this.market(text(row, 'symbol') ?? '', marketType);
      const clientAlgoId = text(row, 'clientAlgoId');
      if (!rules || clientAlgoId === undefined || listed.has(clientAlgoId)) continue;
      listed.add(clientAlgoId);
      this.rememberService(clientAlgoId, true);
      out.push(await this.algoSnapshot(row, rules, false));
    }
    return out;
  }

  /** The account's open USD-M positions (one-way mode: the sign of positionAmt is the side). */
  async fetchPositions(marketType: MarketType): Promise<readonly VenuePosition[]> {
    if (marketType !== 'futures') return [];
    const raw = await this.call('futures', 'query', WEIGHT.positionRisk, (client) =>
      (client as BinanceUsdmClient).fapiPrivateV3GetPositionRisk(),
    );
    return Array.isArray(raw) ? raw.filter(isRawRecord).flatMap(positionFromBinance) : [];
  }

  private orderParams(request: VenueOrderRequest, algo: boolean): Record<string, string> {
    const spot = request.marketType === 'spot';
    const params: Record<string, string> = {
      symbol: request.symbol,
      side: request.side.toUpperCase(),
      quantity: decimalString(request.quantity),
      newClientOrderId: request.clientOrderId,
    };
    const limitTif = () => {
      params['timeInForce'] = request.timeInForce;
    };
    switch (request.type) {
      case 'market':
        params['type'] = 'MARKET';
        break;
      case 'limit':
        params['type'] = 'LIMIT';
        limitTif();
        break;
      case 'stop_market':
        params['type'] = spot ? 'STOP_LOSS' : 'STOP_MARKET';
        break;
      case 'stop_limit':
        params['type'] = spot ? 'STOP_LOSS_LIMIT' : 'STOP';
        limitTif();
        break;
      case 'take_profit':
        if (request.price !== undefined) {
          params['type'] = spot ? 'TAKE_PROFIT_LIMIT' : 'TAKE_PROFIT';
          limitTif();
        } else {
          params['type'] = spot ? 'TAKE_PROFIT' : 'TAKE_PROFIT_MARKET';
        }
        break;
    }
    if (request.price !== undefined && request.type !== 'market' && request.type !== 'stop_market') {
      params['price'] = decimalString(request.price);
    }
    if (request.stopPrice !== undefined) params['stopPrice'] = decimalString(request.stopPrice);
    if (spot) params['newOrderRespType'] = 'FULL';
    else {
      if (request.reduceOnly) params['reduceOnly'] = 'true';
      // ccxt resolves the futures market from these fields; ask for the full result.
      params['newOrderRespType'] = 'RESULT';
    }
    if (!algo) return params;
    // The algo order API's names for the same terms; it answers with the algo order.
    const { newClientOrderId, stopPrice, newOrderRespType: _answer, ...terms } = params;
    return {
      ...terms,
      algoType: 'CONDITIONAL',
      ...(newClientOrderId !== undefined && { clientAlgoId: newClientOrderId }),
      ...(stopPrice !== undefined && { triggerPrice: stopPrice }),
    };
  }

  private async ensureLeverage(symbol: string, leverage: number, priority: RequestPriority): Promise<void> {
    if (this.leverageSet.get(symbol) === leverage) return;
    await this.retryPolicy.execute(() =>
      this.call('futures', priority, WEIGHT.order, (client) =>
        (client as BinanceUsdmClient).fapiPrivatePostLeverage({ symbol, leverage: String(leverage) }),
      ),
    );
    this.leverageSet.set(symbol, leverage);
  }

  private async adoptDuplicate(request: VenueOrderRequest): Promise<VenueSubmitResult> {
    try {
      const order = await this.fetchOrder({
        accountRef: request.accountRef,
        symbol: request.symbol,
        marketType: request.marketType,
        clientOrderId: request.clientOrderId,
      });
      if (order) return { kind: 'accepted', order };
      return { kind: 'unknown', message: 'duplicate client order id, yet no such order at the venue' };
    } catch (error) {
      return { kind: 'unknown', message: messageOf(error) };
    }
  }

  /** The order payload plus every trade of the order (the FULL answer's fills, or a trades query). */
  private async withFills(
    raw: RawRecord,
    marketType: MarketType,
    rules: MarketRules,
    taker: boolean,
  ): Promise<VenueOrderSnapshot> {
    const executed = dec(text(raw, 'executedQty'));
    const time = Number(text(raw, 'transactTime') ?? text(raw, 'updateTime') ?? Date.now());
    const inline = raw['fills'];
    let trades: RawRecord[] = [];
    if (executed.greaterThan(ZERO)) {
      if (
        Array.isArray(inline) &&
        inline.length > 0 &&
        inline.every((f) => isRawRecord(f) && f['tradeId'] !== undefined)
      ) {
        trades = inline.filter(isRawRecord);
      } else {
        try {
          trades = await this.tradesOf(marketType, rules.symbol, text(raw, 'orderId') ?? '');
        } catch (error) {
          // The snapshot is lowered to a working status; the poller fetches the trades again.
          this.background('trades of order', error);
        }
      }
    }
    const fills = trades.flatMap((trade) => {
      const fill = fillFromBinance(trade, rules, time, taker);
      return fill ? [fill] : [];
    });
    return snapshotFromBinance(raw, marketType, rules, fills);
  }

  private async tradesOf(marketType: MarketType, symbol: string, orderId: string): Promise<RawRecord[]> {
    const params = { symbol, orderId };
    const raw = await this.retryPolicy.execute(() =>
      this.call(marketType, 'query', WEIGHT.trades[marketType], (client) =>
        marketType === 'spot'
          ? (client as BinanceSpotClient).privateGetMyTrades(params)
          : (client as BinanceUsdmClient).fapiPrivateGetUserTrades(params),
      ),
    );
    return Array.isArray(raw) ? raw.filter(isRawRecord) : [];
  }

  /**
   * A USD-M algo order as a snapshot; once triggered, with the order it placed in the matching engine and
   * that order's trades. `strict`: a failed read of that order throws instead of lowering the snapshot to
   * a working status.
   */
  private async algoSnapshot(
    algo: RawRecord,
    rules: MarketRules,
    strict: boolean,
  ): Promise<VenueOrderSnapshot> {
    const actualOrderId = actualOrderIdOf(algo);
    if (actualOrderId === undefined) return snapshotFromBinanceAlgo(algo, 'futures', rules, undefined);
    try {
      const params = { symbol: rules.symbol, orderId: actualOrderId };
      const raw = await this.retryPolicy.execute(() =>
        this.call('futures', 'query', WEIGHT.queryOrder.futures, (client) =>
          (client as BinanceUsdmClient).fapiPrivateGetOrder(params),
        ),
      );
      if (!isRawRecord(raw)) throw new Error('the venue answered the order lookup with no object');
      const actual = await this.withFills(raw, 'futures', rules, false);
      return snapshotFromBinanceAlgo(algo, 'futures', rules, actual);
    } catch (error) {
      if (strict) throw error;
      this.background('order placed by a triggered algo order', error);
      return snapshotFromBinanceAlgo(algo, 'futures', rules, undefined);
    }
  }

  private async openAlgoOrders(symbol?: string): Promise<RawRecord[]> {
    const params = symbol === undefined ? {} : { symbol };
    const weight = symbol === undefined ? WEIGHT.openAlgoOrders : WEIGHT.openAlgoOrdersOfSymbol;
    const raw = await this.call('futures', 'query', weight, (client) =>
      (client as BinanceUsdmClient).fapiPrivateGetOpenAlgoOrders(params),
    );
    return Array.isArray(raw) ? raw.filter(isRawRecord) : [];
  }

  private rememberService(clientOrderId: string, algo: boolean): void {
    this.algoService.delete(clientOrderId);
    this.algoService.set(clientOrderId, algo);
    if (this.algoService.size > REMEMBERED_SERVICES) {
      const oldest = this.algoService.keys().next().value;
      if (oldest !== undefined) this.algoService.delete(oldest);
    }
  }

  private async openOrders(marketType: MarketType, symbol?: string): Promise<RawRecord[]> {
    const params = symbol === undefined ? {} : { symbol };
    const weight =
      symbol === undefined ? WEIGHT.openOrders[marketType] : WEIGHT.openOrdersOfSymbol[marketType];
    // Every symbol at once is the adoption scan: heavy, and it can wait for a quieter minute.
    const priority = symbol === undefined ? 'scan' : 'query';
    const raw = await this.call(marketType, priority, weight, (client) =>
      marketType === 'spot'
        ? (client as BinanceSpotClient).privateGetOpenOrders(params)
        : (client as BinanceUsdmClient).fapiPrivateGetOpenOrders(params),
    );
    return Array.isArray(raw) ? raw.filter(isRawRecord) : [];
  }

  /** Working orders are followed until final; a final one is forgotten. */
  private track(ref: OrderRef, order: VenueOrderSnapshot): void {
    if (order.status === 'NEW' || order.status === 'PARTIALLY_FILLED') {
      const known = new Map((this.tracked.get(ref.clientOrderId)?.fills ?? []).map((f) => [f.tradeId, f]));
      for (const fill of order.fills) known.set(fill.tradeId, fill);
      this.tracked.set(ref.clientOrderId, {
        ref,
        executed: order.filledQuantity,
        status: order.status,
        fills: [...known.values()],
      });
    } else {
      this.tracked.delete(ref.clientOrderId);
    }
  }

  /**
   * The polling order tracker: one open-orders request per market type; an order whose filled quantity
   * moved, or that left the open list, is looked up and reported. The OrderTracker records each report
   * once (fills by venue trade id), so a report repeated by a later poll changes nothing.
   */
  private async pollOrders(): Promise<void> {
    if (this.polling || this.closed || this.tracked.size === 0) return;
    this.polling = true;
    try {
      const bySymbol = new Map<string, TrackedOrder[]>();
      for (const entry of this.tracked.values()) {
        const key = marketKey(entry.ref.symbol, entry.ref.marketType);
        bySymbol.set(key, [...(bySymbol.get(key) ?? []), entry]);
      }
      for (const entries of bySymbol.values()) {
        const { symbol, marketType } = entries[0]!.ref;
        const open = new Map(
          (await this.openOrders(marketType, symbol)).map((row) => [text(row, 'clientOrderId') ?? '', row]),
        );
        if (entries.some((entry) => this.algoService.get(entry.ref.clientOrderId) === true)) {
          // Untriggered conditional orders: listed by the algo service, nothing executed yet.
          for (const row of await this.openAlgoOrders(symbol)) {
            const clientAlgoId = text(row, 'clientAlgoId');
            if (clientAlgoId !== undefined && !open.has(clientAlgoId)) open.set(clientAlgoId, row);
          }
        }
        for (const entry of entries) {
          const row = open.get(entry.ref.clientOrderId);
          if (row && dec(text(row, 'executedQty')).equals(entry.executed)) continue;
          const order = await this.fetchOrder(entry.ref);
          if (!order) {
            this.tracked.delete(entry.ref.clientOrderId);
            continue;
          }
          this.emit(entry.ref, order);
        }
      }
    } finally {
      this.polling = false;
    }
  }

  private emit(ref: OrderRef, order: VenueOrderSnapshot): void {
    const report: ExecutionReport = {
      kind: 'execution_report',
      venue: this.id,
      accountRef: ref.accountRef,
      order,
    };
    for (const listener of this.listeners) listener(report);
  }

  private async loadMarkets(): Promise<void> {
    const loaded: MarketRules[] = [];
    for (const marketType of this.clients.keys()) {
      const info = await this.call(marketType, 'query', WEIGHT.exchangeInfo[marketType], (client) =>
        marketType === 'spot'
          ? (client as BinanceSpotClient).publicGetExchangeInfo()
          : (client as BinanceUsdmClient).fapiPublicGetExchangeInfo(),
      );
      const leverage = marketType === 'futures' ? await this.leverageBrackets() : undefined;
      loaded.push(...parseExchangeInfo(info, marketType, leverage));
    }
    for (const market of loaded) this.rules.set(marketKey(market.symbol, market.marketType), market);
  }

  /** First-bracket leverage per USD-M symbol; without it the parser's conservative default applies. */
  private async leverageBrackets(): Promise<ReadonlyMap<string, LeverageFacts> | undefined> {
    try {
      const raw = await this.call('futures', 'query', 1, (client) =>
        (client as BinanceUsdmClient).fapiPrivateGetLeverageBracket(),
      );
      const out = new Map<string, LeverageFacts>();
      for (const entry of Array.isArray(raw) ? raw : []) {
        if (!isRawRecord(entry)) continue;
        const symbol = text(entry, 'symbol');
        const brackets = entry['brackets'];
        const first = Array.isArray(brackets) ? brackets[0] : undefined;
        if (symbol === undefined || !isRawRecord(first)) continue;
        out.set(symbol, {
          maxLeverage: Number(text(first, 'initialLeverage') ?? DEFAULT_FUTURES_LEVERAGE.maxLeverage),
          maintenanceMarginRate: dec(
            text(first, 'maintMarginRatio') ?? DEFAULT_FUTURES_LEVERAGE.maintenanceMarginRate.toFixed(),
          ),
        });
      }
      return out;
    } catch (error) {
      this.background('leverage brackets', error);
      return undefined;
    }
  }

  /** Spot: book mid; USD-M: the mark price. One all-symbols request per market type. */
  private async pollPrices(): Promise<void> {
    for (const marketType of this.clients.keys()) {
      const rows = await this.call(marketType, 'query', WEIGHT.prices[marketType], (client) =>
        marketType === 'spot'
          ? (client as BinanceSpotClient).publicGetTickerBookTicker()
          : (client as BinanceUsdmClient).fapiPublicGetPremiumIndex(),
      );
      for (const row of Array.isArray(rows) ? rows : []) {
        if (!isRawRecord(row)) continue;
        const symbol = text(row, 'symbol');
        if (symbol === undefined) continue;
        let price: Decimal;
        if (marketType === 'spot') {
          const bid = dec(text(row, 'bidPrice'));
          const ask = dec(text(row, 'askPrice'));
          if (bid.isZero() || ask.isZero()) continue;
          price = bid.plus(ask).div(2);
        } else {
          price = dec(text(row, 'markPrice'));
          if (price.isZero()) continue;
        }
        this.prices.set(marketKey(symbol, marketType), price);
      }
      this.pricesAt.set(marketType, Date.now());
    }
  }

  /** One venue request through the breaker and the weight budget, its failure classified. */
  /**
   * `timestamp` and `recvWindow` that make the venue refuse the request after `sendBy`; past it (or too
   * close to it for the request to arrive in time) the order is not sent at all.
   */
  private validity(sendBy: Date | undefined): Record<string, string> {
    if (sendBy === undefined) return {};
    const now = Date.now();
    const window = Math.min(this.recvWindowMs, sendBy.getTime() - now);
    if (window < MIN_RECV_WINDOW_MS) {
      throw new VenueCallError(
        {
          outcome: 'rejected',
          code: 'SEND_WINDOW_PASSED',
          message: `Not sent: ${this.id} could not be reached before the order's send deadline (${sendBy.toISOString()}), so nothing was placed. Send the order again.`,
          retryable: false,
          infrastructure: false,
        },
        undefined,
      );
    }
    return { timestamp: String(now), recvWindow: String(Math.floor(window)) };
  }

  private async call<T>(
    marketType: MarketType,
    priority: RequestPriority,
    weight: number,
    work: (client: BinanceClient) => Promise<T>,
  ): Promise<T> {
    const client = this.clients.get(marketType);
    const budget = this.budgets.get(marketType);
    if (!client || !budget) throw new Error(`${this.id} does not serve ${marketType}`);
    try {
      return await this.breaker.execute(async () => {
        await budget.acquire(priority, weight);
        try {
          const result = await work(client);
          this.observe(client, budget);
          return result;
        } catch (error) {
          this.observe(client, budget);
          if (error instanceof VenueCallError) throw error;
          const classified = classifyBinanceError(error, retryAfterOf(client));
          if (classified.outcome === 'rejected' && classified.retryAfterMs !== undefined) {
            budget.blockFor(classified.retryAfterMs);
          }
          if (classified.infrastructure) this.lastError = `${classified.code}: ${classified.message}`;
          throw new VenueCallError(classified, error);
        }
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new VenueCallError(
          {
            outcome: 'rejected',
            code: 'CIRCUIT_OPEN',
            message: `${this.id} is failing; requests are paused until the circuit half-opens.`,
            retryable: true,
            infrastructure: false,
          },
          error,
        );
      }
      if (error instanceof WeightBudgetExhausted) {
        throw new VenueCallError(
          {
            outcome: 'rejected',
            code: 'WEIGHT_BUDGET',
            message: error.message,
            retryable: true,
            retryAfterMs: error.retryAfterMs,
            infrastructure: false,
          },
          error,
        );
      }
      throw error;
    }
  }

  private observe(client: BinanceClient, budget: RequestWeightBudget): void {
    const used = header(client, 'x-mbx-used-weight-1m');
    if (used !== undefined) budget.observeUsedWeight(Number(used));
  }

  private background(context: string, error: unknown): void {
    const message = messageOf(error);
    this.lastError = `${context}: ${message}`;
    this.options.onBackgroundError?.(context, message);
  }
}

function dec(value: string | undefined): Decimal {
  if (value === undefined || value === '') return ZERO;
  try {
    return new Decimal(value);
  } catch {
    return ZERO;
  }
}

function header(client: BinanceClient, name: string): string | undefined {
  const headers = client.last_response_headers;
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return String(value);
  }
  return undefined;
}

function retryAfterOf(client: BinanceClient): number | undefined {
  const value = header(client, 'retry-after');
  const seconds = value === undefined ? NaN : Number(value);
  return Number.isFinite(seconds) ? seconds : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof VenueCallError) return `${error.classified.code}: ${error.classified.message}`;
  return sanitizeVenueMessage(error instanceof Error ? error.message : String(error));
}
