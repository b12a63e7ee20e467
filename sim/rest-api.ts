import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { Decimal, parseDecimal } from '../src/domain/decimal.ts';
import type { MarketRules } from '../src/domain/market-rules.ts';
import type { MarketType } from '../src/domain/order-types.ts';
import { BinanceError, binanceErrors } from './binance-error.ts';
import {
  algoOrderJson,
  bookTickerJson,
  depthJson,
  futuresAccountJson,
  futuresBalanceJson,
  futuresOrderJson,
  futuresTradeJson,
  type Json,
  positionJson,
  priceText,
  spotAccountJson,
  spotCancelJson,
  spotOrderJson,
  spotTradeJson,
  ticker24hrJson,
  tickerPriceJson,
} from './binance-payloads.ts';
import { exchangeInfoDocument } from './exchange-info-document.ts';
import type { FaultController, FaultSettings } from './fault-controller.ts';
import type { ListenKeyRegistry } from './listen-key-registry.ts';
import { signatureMatches, splitSignature } from './request-signature.ts';
import { DEFAULT_RATE_LIMIT, RequestWeightLimiter } from './request-weight-limiter.ts';
import type { SimAccount } from './sim-account.ts';
import type { SimExchange, SimOrder } from './sim-exchange.ts';

type Security = 'NONE' | 'API_KEY' | 'SIGNED';

interface RequestContext {
  readonly method: string;
  readonly path: string;
  readonly marketType: MarketType;
  readonly params: URLSearchParams;
  /** Set for API_KEY and SIGNED routes. */
  readonly account: SimAccount | undefined;
}

interface Route {
  readonly security: Security;
  /** Binance request weight; a function when it depends on the parameters. */
  readonly weight: number | ((params: URLSearchParams) => number);
  readonly handler: (ctx: RequestContext) => Json | Json[];
}

export interface RestApiOptions {
  readonly exchange: SimExchange;
  readonly faults: FaultController;
  readonly listenKeys: ListenKeyRegistry;
  /** Receives what the admin endpoint is asked to do with WebSocket connections. */
  readonly onAdminDisconnect?: (kind: 'market' | 'user' | 'all') => void;
}

const MAX_RECV_WINDOW = 60_000;

/**
 * Binance's REST surface for spot (`/api/v3`) and USD-M (`/fapi/v1`, `/fapi/v2`, `/fapi/v3`): request
 * weights and their headers, API-key and HMAC checks on the raw payload, the faults the controller
 * injects, then one handler per endpoint. Admin endpoints live under `/__admin`.
 */
export class RestApi {
  private readonly routes = new Map<string, Route>();
  private readonly limiter = new RequestWeightLimiter();
  /** Requests received per `METHOD /path` (tests prove which calls a client made, or did not). */
  private readonly received = new Map<string, number>();
  private readonly exchange: SimExchange;
  private readonly faults: FaultController;
  private readonly listenKeys: ListenKeyRegistry;
  private readonly onAdminDisconnect: ((kind: 'market' | 'user' | 'all') => void) | undefined;

  constructor(options: RestApiOptions) {
    this.exchange = options.exchange;
    this.faults = options.faults;
    this.listenKeys = options.listenKeys;
    this.onAdminDisconnect = options.onAdminDisconnect;
    this.registerMarketData('/api/v3', 'spot');
    this.registerMarketData('/fapi/v1', 'futures');
    this.registerSpotPrivate();
    this.registerFuturesPrivate();
  }

  resetRateLimits(): void {
    this.limiter.reset();
  }

  /** How many requests `METHOD /path` (e.g. `GET /fapi/v1/order`) received so far. */
  requestCount(endpoint: string): number {
    return this.received.get(endpoint) ?? 0;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const path = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
    const rawQuery = queryStart < 0 ? '' : rawUrl.slice(queryStart + 1);
    const rawBody = await readBody(req);

    if (path.startsWith('/__admin/')) {
      this.handleAdmin(method, path, rawBody, res);
      return;
    }

    const endpoint = `${method} ${path}`;
    this.received.set(endpoint, (this.received.get(endpoint) ?? 0) + 1);
    const latency = this.faults.latencyMs();
    if (latency > 0) await delay(latency);
    if (this.faults.connectionReset(endpoint)) {
      req.socket.destroy();
      return;
    }

    const marketType: MarketType = path.startsWith('/fapi/') ? 'futures' : 'spot';
    const headers: Record<string, string> = {};
    try {
      const route = this.routes.get(endpoint);
      if (!route) throw binanceErrors.notFound();
      const params = new URLSearchParams(rawQuery);
      if (rawBody.length > 0)
        for (const [key, value] of new URLSearchParams(rawBody)) params.append(key, value);

      const weight = typeof route.weight === 'number' ? route.weight : route.weight(params);
      const limit = { ...DEFAULT_RATE_LIMIT, ...this.faults.rateLimit() };
      const ip = req.socket.remoteAddress ?? 'local';
      const used = this.limiter.consume(`${ip}|${marketType}`, weight, limit);
      headers['X-MBX-USED-WEIGHT-1M'] = String(used);
      headers['X-MBX-USED-WEIGHT'] = String(used);

      const injected = this.faults.error(endpoint);
      if (injected) {
        if (injected.status === 504 && injected.code === undefined) {
          res.writeHead(504, { 'Content-Type': 'text/html', ...headers });
          res.end('<html><body><h1>504 Gateway Time-out</h1></body></html>');
          return;
        }
        throw new BinanceError(
          injected.status ?? 503,
          injected.code ?? -1001,
          injected.msg ?? 'Internal error; unable to process your request. Please try again.',
        );
      }

      const account =
        route.security === 'NONE'
          ? undefined
          : this.authenticate(req, route.security, method, rawQuery, rawBody, params);
      const ctx: RequestContext = { method, path, marketType, params, account };

      const unknown = this.faults.unknownExecution(endpoint);
      if (unknown) {
        if (unknown.place) this.runQuietly(route, ctx);
        throw binanceErrors.executionUnknown();
      }
      if (this.faults.acceptThenDrop(endpoint)) {
        this.runQuietly(route, ctx);
        req.socket.destroy();
        return;
      }
      sendJson(res, 200, route.handler(ctx), headers);
    } catch (error) {
      if (!(error instanceof BinanceError)) throw error;
      const used = String(this.limiter.used(`${req.socket.remoteAddress ?? 'local'}|${marketType}`));
      const weightHeaders = { 'X-MBX-USED-WEIGHT-1M': used, 'X-MBX-USED-WEIGHT': used };
      sendJson(res, error.status, error.body(), { ...weightHeaders, ...headers, ...error.headers });
    }
  }

  /** Processes a request whose answer is then lost (a fault): an error answer is lost just the same. */
  private runQuietly(route: Route, ctx: RequestContext): void {
    try {
      route.handler(ctx);
    } catch (error) {
      if (!(error instanceof BinanceError)) throw error;
    }
  }

  private authenticate(
    req: IncomingMessage,
    security: Security,
    method: string,
    rawQuery: string,
    rawBody: string,
    params: URLSearchParams,
  ): SimAccount {
    const apiKey = req.headers['x-mbx-apikey'];
    if (typeof apiKey !== 'string' || !/^[A-Za-z0-9]{1,128}$/.test(apiKey))
      throw binanceErrors.badApiKeyFormat();
    const account = this.exchange.accountByKey(apiKey);
    if (!account) throw binanceErrors.rejectedApiKey();
    if (security === 'API_KEY') return account;

    // Binance signs `query + body` concatenated as sent (POST bodies usually carry everything).
    const total = method === 'GET' || method === 'DELETE' ? rawQuery : `${rawQuery}${rawBody}`;
    const { signed, signature } = splitSignature(total);
    if (signature === undefined) throw binanceErrors.mandatory('signature');
    const timestampText = params.get('timestamp');
    if (timestampText === null) throw binanceErrors.mandatory('timestamp');
    if (!/^\d{1,20}$/.test(timestampText)) throw binanceErrors.illegalChars('timestamp');
    if (!signatureMatches(signed, signature, account.secret)) throw binanceErrors.badSignature();
    const recvWindowText = params.get('recvWindow');
    const recvWindow = recvWindowText === null ? 5000 : Number(recvWindowText);
    if (!Number.isFinite(recvWindow) || recvWindow <= 0) throw binanceErrors.invalidValue('recvWindow');
    if (recvWindow > MAX_RECV_WINDOW) throw binanceErrors.recvWindowTooLarge();
    const now = Date.now();
    const timestamp = Number(timestampText);
    if (timestamp > now + 1000) throw binanceErrors.timestampAhead();
    if (now - timestamp > recvWindow) throw binanceErrors.timestampOutside();
    return account;
  }

  private handleAdmin(method: string, path: string, rawBody: string, res: ServerResponse): void {
    if (path === '/__admin/faults' && method === 'GET') {
      sendJson(res, 200, this.faults.current() as Json, {});
    } else if (path === '/__admin/faults' && method === 'POST') {
      let settings: unknown;
      try {
        settings = rawBody.length > 0 ? JSON.parse(rawBody) : {};
      } catch {
        sendJson(res, 400, { error: 'body is not JSON' }, {});
        return;
      }
      if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
        sendJson(res, 400, { error: 'expected a JSON object of fault settings' }, {});
        return;
      }
      this.faults.set(settings as FaultSettings);
      this.limiter.reset();
      sendJson(res, 200, this.faults.current() as Json, {});
    } else if (path === '/__admin/faults' && method === 'DELETE') {
      this.faults.clear();
      this.limiter.reset();
      sendJson(res, 200, {}, {});
    } else if (path === '/__admin/ws/disconnect' && method === 'POST') {
      const kind = rawBody.includes('market') ? 'market' : rawBody.includes('user') ? 'user' : 'all';
      this.faults.disconnectStreams(kind);
      this.onAdminDisconnect?.(kind);
      sendJson(res, 200, { disconnected: kind }, {});
    } else {
      sendJson(res, 404, { error: 'unknown admin endpoint' }, {});
    }
  }

  private add(method: string, path: string, route: Route): void {
    this.routes.set(`${method} ${path}`, route);
  }

  private registerMarketData(prefix: string, marketType: MarketType): void {
    const spot = marketType === 'spot';
    const exchange = this.exchange;
    const bySymbol = (params: URLSearchParams, render: (market: MarketRules) => Json): Json | Json[] => {
      const symbol = params.get('symbol');
      if (symbol !== null) return render(this.market(symbol, marketType));
      return exchange.markets(marketType).map(render);
    };
    this.add('GET', `${prefix}/ping`, { security: 'NONE', weight: 1, handler: () => ({}) });
    this.add('GET', `${prefix}/time`, {
      security: 'NONE',
      weight: 1,
      handler: () => ({ serverTime: Date.now() }),
    });
    this.add('GET', `${prefix}/exchangeInfo`, {
      security: 'NONE',
      weight: spot ? 20 : 1,
      handler: () => exchangeInfoDocument(exchange.markets(marketType), marketType, Date.now()),
    });
    this.add('GET', `${prefix}/depth`, {
      security: 'NONE',
      weight: (params) => depthWeight(Number(params.get('limit') ?? 100), spot),
      handler: ({ params }) => {
        const market = this.market(required(params, 'symbol'), marketType);
        const limit = Number(params.get('limit') ?? (spot ? 100 : 500));
        if (!Number.isInteger(limit) || limit < 1 || limit > 5000) throw binanceErrors.invalidValue('limit');
        return depthJson(exchange, market, limit);
      },
    });
    this.add('GET', `${prefix}/ticker/24hr`, {
      security: 'NONE',
      weight: (params) => (params.has('symbol') ? (spot ? 2 : 1) : spot ? 80 : 40),
      handler: ({ params }) => bySymbol(params, (market) => ticker24hrJson(exchange, market)),
    });
    this.add('GET', `${prefix}/ticker/price`, {
      security: 'NONE',
      weight: (params) => (params.has('symbol') ? (spot ? 2 : 1) : spot ? 4 : 2),
      handler: ({ params }) => bySymbol(params, (market) => tickerPriceJson(exchange, market)),
    });
    this.add('GET', `${prefix}/ticker/bookTicker`, {
      security: 'NONE',
      weight: (params) => (params.has('symbol') ? 2 : spot ? 4 : 5),
      handler: ({ params }) => bySymbol(params, (market) => bookTickerJson(exchange, market)),
    });
    if (spot) {
      this.add('GET', `${prefix}/avgPrice`, {
        security: 'NONE',
        weight: 2,
        handler: ({ params }) => {
          const market = this.market(required(params, 'symbol'), 'spot');
          const price = exchange.markPrice(market.symbol, 'spot') ?? new Decimal(0);
          return { mins: 5, price: priceText(market, price), closeTime: Date.now() };
        },
      });
    } else {
      this.add('GET', `${prefix}/premiumIndex`, {
        security: 'NONE',
        weight: (params) => (params.has('symbol') ? 1 : 10),
        handler: ({ params }) =>
          bySymbol(params, (market) => {
            const mark = exchange.markPrice(market.symbol, 'futures') ?? new Decimal(0);
            return {
              symbol: market.symbol,
              markPrice: mark.toFixed(8),
              indexPrice: mark.toFixed(8),
              estimatedSettlePrice: mark.toFixed(8),
              lastFundingRate: '0.00010000',
              interestRate: '0.00010000',
              nextFundingTime: Math.ceil(Date.now() / 28_800_000) * 28_800_000,
              time: Date.now(),
            };
          }),
      });
    }
  }

  private registerSpotPrivate(): void {
    const exchange = this.exchange;
    this.add('GET', '/api/v3/account', {
      security: 'SIGNED',
      weight: 20,
      handler: ({ account }) => spotAccountJson(exchange, account!),
    });
    this.add('POST', '/api/v3/order', {
      security: 'SIGNED',
      weight: 1,
      handler: ({ params, account }) => {
        const order = exchange.placeOrder(account!, 'spot', {
          symbol: required(params, 'symbol'),
          side: required(params, 'side'),
          type: required(params, 'type'),
          ...optionalText(params, 'timeInForce'),
          ...optionalDecimal(params, 'quantity'),
          ...optionalDecimal(params, 'quoteOrderQty'),
          ...optionalDecimal(params, 'price'),
          ...optionalDecimal(params, 'stopPrice'),
          reduceOnly: false,
          ...clientId(params, 'newClientOrderId'),
          algo: false,
        });
        const requested = params.get('newOrderRespType');
        const defaultShape = order.type === 'MARKET' || order.type === 'LIMIT' ? 'FULL' : 'ACK';
        const shape = (requested ?? defaultShape).toUpperCase();
        if (shape !== 'ACK' && shape !== 'RESULT' && shape !== 'FULL')
          throw binanceErrors.invalidValue('newOrderRespType');
        return spotOrderJson(order, shape === 'ACK' ? 'ack' : shape === 'RESULT' ? 'result' : 'full');
      },
    });
    this.add('GET', '/api/v3/order', {
      security: 'SIGNED',
      weight: 4,
      handler: ({ params, account }) => spotOrderJson(this.lookup(params, account!, 'spot', false), 'query'),
    });
    this.add('DELETE', '/api/v3/order', {
      security: 'SIGNED',
      weight: 1,
      handler: ({ params, account }) => {
        const symbol = this.market(required(params, 'symbol'), 'spot').symbol;
        const order = exchange.cancelOrder(
          account!,
          'spot',
          symbol,
          lookupOf(params, 'origClientOrderId', 'orderId'),
        );
        return spotCancelJson(
          order,
          params.get('newClientOrderId') ?? `sim${randomBytes(8).toString('hex')}`,
        );
      },
    });
    this.add('GET', '/api/v3/openOrders', {
      security: 'SIGNED',
      weight: (params) => (params.has('symbol') ? 6 : 80),
      handler: ({ params, account }) =>
        exchange
          .openOrders(account!, 'spot', this.optionalSymbol(params, 'spot'))
          .map((o) => spotOrderJson(o, 'query')),
    });
    this.add('DELETE', '/api/v3/openOrders', {
      security: 'SIGNED',
      weight: 1,
      handler: ({ params, account }) => {
        const symbol = this.market(required(params, 'symbol'), 'spot').symbol;
        return exchange
          .openOrders(account!, 'spot', symbol)
          .map((order) => exchange.cancelOrder(account!, 'spot', symbol, { orderId: order.orderId }))
          .map((order) => spotCancelJson(order, `sim${randomBytes(8).toString('hex')}`));
      },
    });
    this.add('GET', '/api/v3/allOrders', {
      security: 'SIGNED',
      weight: 20,
      handler: ({ params, account }) => {
        const symbol = this.market(required(params, 'symbol'), 'spot').symbol;
        return limited(
          exchange.ordersOf(account!, 'spot').filter((order) => order.market.symbol === symbol),
          params,
        ).map((order) => spotOrderJson(order, 'query'));
      },
    });
    this.add('GET', '/api/v3/myTrades', {
      security: 'SIGNED',
      // Binance: 20, or 5 for one order's trades.
      weight: (params) => (params.has('orderId') ? 5 : 20),
      handler: ({ params, account }) => {
        const market = this.market(required(params, 'symbol'), 'spot');
        const orderId = params.get('orderId');
        const trades = exchange
          .trades(account!, 'spot', market.symbol)
          .filter((trade) => orderId === null || String(trade.orderId) === orderId);
        return limited(trades, params).map((trade) => spotTradeJson(trade, market));
      },
    });
    this.registerListenKey('/api/v3/userDataStream', 'spot');
  }

  private registerFuturesPrivate(): void {
    const exchange = this.exchange;
    const placeFutures = (params: URLSearchParams, account: SimAccount, algo: boolean): SimOrder =>
      exchange.placeOrder(account, 'futures', {
        symbol: required(params, 'symbol'),
        side: required(params, 'side'),
        type: required(params, 'type'),
        ...optionalText(params, 'timeInForce'),
        ...optionalDecimal(params, 'quantity'),
        ...optionalDecimal(params, 'price'),
        ...(params.has('triggerPrice')
          ? { stopPrice: decimalParam(params, 'triggerPrice') }
          : optionalDecimal(params, 'stopPrice')),
        reduceOnly: params.get('reduceOnly') === 'true',
        ...clientId(params, algo ? 'clientAlgoId' : 'newClientOrderId'),
        algo,
      });
    this.add('POST', '/fapi/v1/order', {
      security: 'SIGNED',
      weight: 1,
      handler: ({ params, account }) => {
        const positionSide = params.get('positionSide');
        if (positionSide !== null && positionSide !== 'BOTH') {
          throw new BinanceError(400, -4061, "Order's position side does not match user's setting.");
        }
        return futuresOrderJson(placeFutures(params, account!, false), false);
      },
    });
    this.add('GET', '/fapi/v1/order', {
      security: 'SIGNED',
      weight: 1,
      handler: ({ params, account }) =>
        futuresOrderJson(this.lookup(params, account!, 'futures', false), true),
    });
    this.add('DELETE', '/fapi/v1/order', {
      security: 'SIGNED',
      weight: 1,
      handler: ({ params, account }) => {
        const symbol = this.market(required(params, 'symbol'), 'futures').symbol;
        const order = exchange.cancelOrder(
          account!,
          'futures',
          symbol,
          lookupOf(params, 'origClientOrderId', 'orderId'),
        );
        return futuresOrderJson(order, false);
      },
    });
    this.add('GET', '/fapi/v1/openOrders', {
      security: 'SIGNED',
      weight: (params) => (params.has('symbol') ? 1 : 40),
      handler: ({ params, account }) =>
        exchange
          .openOrders(account!, 'futures', this.optionalSymbol(params, 'futures'), false)
          .map((order) => futuresOrderJson(order, true)),
    });
    this.add('GET', '/fapi/v1/allOrders', {
      security: 'SIGNED',
      weight: 5,
      handler: ({ params, account }) => {
        const symbol = this.market(required(params, 'symbol'), 'futures').symbol;
        return limited(
          exchange.ordersOf(account!, 'futures').filter((order) => order.market.symbol === symbol),
          params,
        ).map((order) => futuresOrderJson(order, true));
      },
    });
    this.add('DELETE', '/fapi/v1/allOpenOrders', {
      security: 'SIGNED',
      weight: 1,
      handler: ({ params, account }) => {
        const symbol = this.market(required(params, 'symbol'), 'futures').symbol;
        for (const order of exchange.openOrders(account!, 'futures', symbol, false)) {
          exchange.cancelOrder(account!, 'futures', symbol, { orderId: order.orderId });
        }
        return { code: 200, msg: 'The operation of cancel all open order is done.' };
      },
    });
    this.add('GET', '/fapi/v1/userTrades', {
      security: 'SIGNED',
      weight: 5,
      handler: ({ params, account }) => {
        const market = this.market(required(params, 'symbol'), 'futures');
        const orderId = params.get('orderId');
        const trades = exchange
          .trades(account!, 'futures', market.symbol)
          .filter((trade) => orderId === null || String(trade.orderId) === orderId);
        return limited(trades, params).map((trade) => futuresTradeJson(trade, market));
      },
    });
    this.add('POST', '/fapi/v1/algoOrder', {
      security: 'SIGNED',
      weight: 1,
      handler: ({ params, account }) => {
        if (required(params, 'algoType') !== 'CONDITIONAL') throw binanceErrors.invalidValue('algoType');
        return algoOrderJson(placeFutures(params, account!, true));
      },
    });
    this.add('GET', '/fapi/v1/algoOrder', {
      security: 'SIGNED',
      weight: 1,
      handler: ({ params, account }) => algoOrderJson(this.lookup(params, account!, 'futures', true)),
    });
    this.add('DELETE', '/fapi/v1/algoOrder', {
      security: 'SIGNED',
      weight: 1,
      handler: ({ params, account }) => {
        const order = this.lookup(params, account!, 'futures', true, true);
        // A triggered algo order lives on as an order in the matching engine: that one is canceled there.
        if (order.snapshot.triggered || order.snapshot.status !== 'NEW') {
          throw binanceErrors.algoNotCancelable();
        }
        const canceled = exchange.cancelOrder(account!, 'futures', order.market.symbol, {
          orderId: order.algoId!,
          algo: true,
        });
        return { algoId: canceled.algoId, clientAlgoId: canceled.clientOrderId, code: '200', msg: 'success' };
      },
    });
    this.add('GET', '/fapi/v1/openAlgoOrders', {
      security: 'SIGNED',
      weight: (params) => (params.has('symbol') ? 1 : 40),
      handler: ({ params, account }) =>
        exchange
          .openOrders(account!, 'futures', this.optionalSymbol(params, 'futures'), true)
          .map((order) => algoOrderJson(order)),
    });
    this.add('POST', '/fapi/v1/leverage', {
      security: 'SIGNED',
      weight: 1,
      handler: ({ params, account }) => {
        const text = required(params, 'leverage');
        if (!/^\d{1,3}$/.test(text)) throw binanceErrors.invalidLeverage(text);
        const market = exchange.setLeverage(account!, required(params, 'symbol'), Number(text));
        return { leverage: Number(text), maxNotionalValue: '1000000', symbol: market.symbol };
      },
    });
    this.add('GET', '/fapi/v1/leverageBracket', {
      security: 'SIGNED',
      weight: 1,
      handler: ({ params }) => {
        const symbol = this.optionalSymbol(params, 'futures');
        return exchange
          .markets('futures')
          .filter((market) => symbol === undefined || market.symbol === symbol)
          .map((market) => ({
            symbol: market.symbol,
            notionalCoef: 1,
            brackets: [
              {
                bracket: 1,
                initialLeverage: market.maxLeverage,
                notionalCap: 1_000_000,
                notionalFloor: 0,
                maintMarginRatio: market.maintenanceMarginRate.toNumber(),
                cum: 0,
              },
            ],
          }));
      },
    });
    this.add('POST', '/fapi/v1/marginType', {
      security: 'SIGNED',
      weight: 1,
      handler: ({ params }) => {
        if (required(params, 'marginType') === 'CROSSED') {
          throw new BinanceError(400, -4046, 'No need to change margin type.');
        }
        throw new BinanceError(400, -4048, 'Margin type cannot be changed if there exists position.');
      },
    });
    this.add('GET', '/fapi/v1/positionSide/dual', {
      security: 'SIGNED',
      weight: 30,
      handler: () => ({ dualSidePosition: false }),
    });
    this.add('GET', '/fapi/v1/commissionRate', {
      security: 'SIGNED',
      weight: 20,
      handler: ({ params }) => {
        const fees = exchange.feeRates('futures');
        return {
          symbol: this.market(required(params, 'symbol'), 'futures').symbol,
          makerCommissionRate: fees.maker.toFixed(),
          takerCommissionRate: fees.taker.toFixed(),
        };
      },
    });
    for (const version of ['v2', 'v3']) {
      this.add('GET', `/fapi/${version}/account`, {
        security: 'SIGNED',
        weight: 5,
        handler: ({ account }) => futuresAccountJson(exchange, account!),
      });
      this.add('GET', `/fapi/${version}/balance`, {
        security: 'SIGNED',
        weight: 5,
        handler: ({ account }) => futuresBalanceJson(exchange, account!),
      });
      this.add('GET', `/fapi/${version}/positionRisk`, {
        security: 'SIGNED',
        weight: 5,
        handler: ({ params, account }) => {
          const symbol = this.optionalSymbol(params, 'futures');
          return exchange
            .markets('futures')
            .filter((market) => (symbol === undefined ? true : market.symbol === symbol))
            .filter(
              (market) =>
                version === 'v2' || symbol !== undefined || !account!.position(market.symbol).amount.isZero(),
            )
            .map((market) => positionJson(exchange, account!, market));
        },
      });
    }
    this.registerListenKey('/fapi/v1/listenKey', 'futures');
  }

  private registerListenKey(path: string, marketType: MarketType): void {
    const listenKeys = this.listenKeys;
    this.add('POST', path, {
      security: 'API_KEY',
      weight: marketType === 'spot' ? 2 : 1,
      handler: ({ account }) => ({ listenKey: listenKeys.create(account!, marketType).listenKey }),
    });
    this.add('PUT', path, {
      security: 'API_KEY',
      weight: marketType === 'spot' ? 2 : 1,
      handler: ({ params, account }) => {
        const key = params.get('listenKey');
        const entry = key === null ? listenKeys.forAccount(account!, marketType) : listenKeys.get(key);
        if (!entry || entry.account !== account) throw binanceErrors.invalidListenKey();
        entry.keepAliveAt = Date.now();
        return marketType === 'futures' ? { listenKey: entry.listenKey } : {};
      },
    });
    this.add('DELETE', path, {
      security: 'API_KEY',
      weight: marketType === 'spot' ? 2 : 1,
      handler: ({ params, account }) => {
        const key = params.get('listenKey') ?? listenKeys.forAccount(account!, marketType)?.listenKey;
        if (key !== undefined) listenKeys.delete(key);
        return {};
      },
    });
  }

  private market(symbol: string, marketType: MarketType): MarketRules {
    const market = this.exchange.market(symbol, marketType);
    if (!market) throw binanceErrors.invalidSymbol();
    return market;
  }

  private optionalSymbol(params: URLSearchParams, marketType: MarketType): string | undefined {
    const symbol = params.get('symbol');
    return symbol === null ? undefined : this.market(symbol, marketType).symbol;
  }

  private lookup(
    params: URLSearchParams,
    account: SimAccount,
    marketType: MarketType,
    algo: boolean,
    forCancel = false,
  ): SimOrder {
    const symbol = params.get('symbol');
    const lookup = algo
      ? lookupOf(params, 'clientAlgoId', 'algoId')
      : lookupOf(params, 'origClientOrderId', 'orderId');
    const notFound = !forCancel
      ? binanceErrors.noSuchOrder()
      : algo
        ? binanceErrors.algoNotCancelable()
        : binanceErrors.cancelRejected();
    if (symbol === null) {
      if (!algo) throw binanceErrors.mandatory('symbol');
      // Algo orders are addressed by id alone.
      const order = this.exchange
        .ordersOf(account, marketType)
        .find((o) =>
          lookup.orderId !== undefined
            ? o.algoId === lookup.orderId
            : o.algoId !== undefined && o.clientOrderId === lookup.clientOrderId,
        );
      if (!order) throw notFound;
      return order;
    }
    const order = this.exchange.findOrder(account, marketType, this.market(symbol, marketType).symbol, {
      ...lookup,
      algo,
    });
    if (!order) throw notFound;
    return order;
  }
}

function depthWeight(limit: number, spot: boolean): number {
  if (spot) return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
  return limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') throw binanceErrors.mandatory(name);
  return value;
}

function decimalParam(params: URLSearchParams, name: string): Decimal {
  const parsed = parseDecimal(required(params, name));
  if (!parsed || parsed.isNegative()) {
    throw new BinanceError(
      400,
      -1100,
      `Illegal characters found in parameter '${name}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`,
    );
  }
  return parsed;
}

function optionalDecimal(params: URLSearchParams, name: string): Partial<Record<string, Decimal>> {
  return params.has(name) ? { [name]: decimalParam(params, name) } : {};
}

function optionalText(params: URLSearchParams, name: string): Partial<Record<string, string>> {
  const value = params.get(name);
  return value === null ? {} : { [name]: value };
}

function clientId(params: URLSearchParams, name: string): { clientOrderId?: string } {
  const value = params.get(name);
  return value === null ? {} : { clientOrderId: value };
}

function lookupOf(
  params: URLSearchParams,
  clientName: string,
  idName: string,
): { orderId?: number; clientOrderId?: string } {
  const id = params.get(idName);
  if (id !== null) {
    if (!/^\d{1,20}$/.test(id)) throw binanceErrors.illegalChars(idName);
    return { orderId: Number(id) };
  }
  const client = params.get(clientName);
  if (client !== null) return { clientOrderId: client };
  throw new BinanceError(
    400,
    -1102,
    `Param '${clientName}' or '${idName}' must be sent, but both were empty/null!`,
  );
}

function limited<T>(items: readonly T[], params: URLSearchParams): T[] {
  const limit = Number(params.get('limit') ?? 500);
  return items.slice(-Math.max(1, Math.min(Number.isFinite(limit) ? limit : 500, 1000)));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: Json | Json[],
  headers: Record<string, string>,
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
