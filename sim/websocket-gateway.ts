import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { MarketType } from '../src/domain/order-types.ts';
import { BinanceError, binanceErrors } from './binance-error.ts';
import {
  accountUpdate,
  executionReport,
  type Json,
  marketStreamPayload,
  algoUpdate,
  orderTradeUpdate,
  outboundAccountPosition,
} from './binance-payloads.ts';
import type { FaultController, StreamKind } from './fault-controller.ts';
import type { ListenKeyRegistry } from './listen-key-registry.ts';
import { signatureMatches, wsApiPayload } from './request-signature.ts';
import type { SimAccount } from './sim-account.ts';
import type { MarketStreamEvent, SimExchange, UserEvent } from './sim-exchange.ts';

interface Connection {
  readonly socket: WebSocket;
  readonly kind: 'market' | 'user' | 'api';
  readonly marketType: MarketType;
  /** `/stream` connections wrap every payload as `{ stream, data }`. */
  readonly combined: boolean;
  readonly streams: Set<string>;
  /** User data: the account whose events this connection carries. */
  account: SimAccount | undefined;
  /** WebSocket API: the user data subscription id, once subscribed. */
  subscriptionId: number | undefined;
  /** Recent payloads, the pool a "stale event" fault re-sends from. */
  readonly sent: string[];
}

const STALE_POOL = 20;

/** Stream names (the part after `<symbol>@`) and the market event channel that feeds them. */
const STREAM_CHANNELS: Readonly<Record<string, MarketStreamEvent['channel']>> = {
  depth: 'depth',
  ticker: 'ticker',
  miniTicker: 'ticker',
  trade: 'trade',
};

/** `24hrMiniTicker` is the `24hrTicker` without price change and best bid/ask (ccxt's watchTicker uses it). */
function miniTicker(ticker: Json): Json {
  const {
    e: _e,
    p: _p,
    P: _P,
    w: _w,
    x: _x,
    Q: _Q,
    b: _b,
    B: _B,
    a: _a,
    A: _A,
    O: _O,
    C: _C,
    F: _F,
    L: _L,
    n: _n,
    ...rest
  } = ticker;
  return { e: '24hrMiniTicker', ...rest };
}

/**
 * The WebSocket face of the simulator, on the same HTTP server:
 *
 * - market streams: spot `/ws/...` (raw) and `/stream/...` (combined), USD-M `/fstream/{public,market}/ws/...`;
 *   streams named in the path or added with `SUBSCRIBE` (`btcusdt@depth@100ms`, `btcusdt@ticker`,
 *   `btcusdt@trade`);
 * - USD-M user data through a listenKey (`/fstream/private/ws?listenKey=`, or `/ws/<listenKey>`):
 *   `ORDER_TRADE_UPDATE` and `ACCOUNT_UPDATE`;
 * - spot user data over the WebSocket API (`/ws-api/v3`, `userDataStream.subscribe.signature`):
 *   `executionReport` and `outboundAccountPosition`, wrapped as `{ subscriptionId, event }`.
 */
export class WebSocketGateway {
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  private readonly unsubscribers: (() => void)[] = [];
  private nextSubscriptionId = 0;

  constructor(
    private readonly exchange: SimExchange,
    private readonly faults: FaultController,
    private readonly listenKeys: ListenKeyRegistry,
  ) {
    this.unsubscribers.push(
      exchange.onMarketStream((event) => this.onMarketStream(event)),
      exchange.onUserEvent((event) => this.onUserEvent(event)),
      faults.onDisconnect((kind) => this.disconnect(kind)),
    );
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'ws://localhost');
    const route = this.route(url);
    if (!route) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.server.handleUpgrade(req, socket, head, (ws) => {
      const connection: Connection = {
        socket: ws,
        kind: route.kind,
        marketType: route.marketType,
        combined: route.combined,
        streams: new Set(route.streams),
        account: route.account,
        subscriptionId: undefined,
        sent: [],
      };
      this.connections.add(connection);
      ws.on('message', (data) => this.onMessage(connection, data));
      ws.on('close', () => this.connections.delete(connection));
      ws.on('error', () => this.connections.delete(connection));
    });
  }

  /** Drops connections abruptly (no close frame), as a network cut does. */
  disconnect(kind: StreamKind = 'all'): void {
    for (const connection of [...this.connections]) {
      const userLike = connection.kind === 'user' || connection.subscriptionId !== undefined;
      if (kind === 'all' || (kind === 'user' ? userLike : connection.kind === 'market')) {
        connection.socket.terminate();
        this.connections.delete(connection);
      }
    }
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  close(): void {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.disconnect('all');
    this.server.close();
  }

  private route(url: URL):
    | {
        readonly kind: Connection['kind'];
        readonly marketType: MarketType;
        readonly combined: boolean;
        readonly streams: string[];
        readonly account?: SimAccount;
      }
    | undefined {
    const path = url.pathname;
    if (path.startsWith('/ws-api/')) return { kind: 'api', marketType: 'spot', combined: false, streams: [] };
    if (path.startsWith('/ws-fapi/'))
      return { kind: 'api', marketType: 'futures', combined: false, streams: [] };
    const segments = path.split('/').filter((segment) => segment.length > 0);
    const listenKey =
      url.searchParams.get('listenKey') ?? segments.find((segment) => this.listenKeys.get(segment));
    if (listenKey) {
      const entry = this.listenKeys.get(listenKey);
      if (!entry) return undefined;
      return {
        kind: 'user',
        marketType: entry.marketType,
        combined: segments.includes('stream'),
        streams: [],
        account: entry.account,
      };
    }
    const futures = segments[0] === 'fstream';
    if (!futures && segments[0] !== 'ws' && segments[0] !== 'stream') return undefined;
    const combined = segments.includes('stream');
    const streams = [
      ...segments.filter((segment) => segment.includes('@')),
      ...(url.searchParams.get('streams')?.split('/') ?? []),
    ];
    return { kind: 'market', marketType: futures ? 'futures' : 'spot', combined, streams };
  }

  private onMessage(connection: Connection, data: RawData): void {
    let message: unknown;
    try {
      message = JSON.parse(rawText(data));
    } catch {
      this.send(connection, { error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' } });
      return;
    }
    if (!isRecord(message)) return;
    if (connection.kind === 'api') this.onApiRequest(connection, message);
    else this.onStreamRequest(connection, message);
  }

  private onStreamRequest(connection: Connection, message: Record<string, unknown>): void {
    const id = message['id'] ?? null;
    const params = Array.isArray(message['params']) ? message['params'].map(String) : [];
    switch (message['method']) {
      case 'SUBSCRIBE':
        for (const stream of params) connection.streams.add(stream);
        this.send(connection, { result: null, id });
        return;
      case 'UNSUBSCRIBE':
        for (const stream of params) connection.streams.delete(stream);
        this.send(connection, { result: null, id });
        return;
      case 'LIST_SUBSCRIPTIONS':
        this.send(connection, { result: [...connection.streams], id });
        return;
      default:
        this.send(connection, { error: { code: 2, msg: 'Invalid request: unknown method' }, id });
    }
  }

  /** The WebSocket API: the requests ccxt sends for spot user data, answered Binance's way. */
  private onApiRequest(connection: Connection, message: Record<string, unknown>): void {
    const id = message['id'] ?? null;
    const params = isRecord(message['params']) ? message['params'] : {};
    const ok = (result: Json): void => this.send(connection, { id, status: 200, result, rateLimits: [] });
    try {
      switch (message['method']) {
        case 'ping':
          ok({});
          return;
        case 'time':
          ok({ serverTime: Date.now() });
          return;
        case 'session.logon':
          connection.account = this.verifyApiSignature(params);
          ok({
            apiKey: connection.account.apiKey,
            authorizedSince: Date.now(),
            connectedSince: Date.now(),
            serverTime: Date.now(),
          });
          return;
        case 'userDataStream.subscribe':
          if (!connection.account)
            throw new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.');
          connection.subscriptionId = this.nextSubscriptionId++;
          ok({ subscriptionId: connection.subscriptionId });
          return;
        case 'userDataStream.subscribe.signature':
          connection.account = this.verifyApiSignature(params);
          connection.subscriptionId = this.nextSubscriptionId++;
          ok({ subscriptionId: connection.subscriptionId });
          return;
        case 'userDataStream.unsubscribe':
          connection.subscriptionId = undefined;
          ok({});
          return;
        default:
          throw new BinanceError(400, -1000, 'Unknown method.');
      }
    } catch (error) {
      if (!(error instanceof BinanceError)) throw error;
      this.send(connection, { id, status: error.status, error: error.body(), rateLimits: [] });
    }
  }

  private verifyApiSignature(params: Record<string, unknown>): SimAccount {
    const apiKey = params['apiKey'];
    if (typeof apiKey !== 'string') throw binanceErrors.badApiKeyFormat();
    const account = this.exchange.accountByKey(apiKey);
    if (!account) throw binanceErrors.rejectedApiKey();
    const signature = params['signature'];
    if (typeof signature !== 'string') throw binanceErrors.mandatory('signature');
    if (!signatureMatches(wsApiPayload(params), signature, account.secret))
      throw binanceErrors.badSignature();
    const timestamp = Number(params['timestamp']);
    const recvWindow = params['recvWindow'] === undefined ? 5000 : Number(params['recvWindow']);
    const now = Date.now();
    if (!Number.isFinite(timestamp)) throw binanceErrors.mandatory('timestamp');
    if (timestamp > now + 1000) throw binanceErrors.timestampAhead();
    if (now - timestamp > recvWindow) throw binanceErrors.timestampOutside();
    return account;
  }

  private onMarketStream(event: MarketStreamEvent): void {
    const market = this.exchange.market(event.symbol, event.marketType);
    if (!market) return;
    const symbol = event.symbol.toLowerCase();
    const payloads = new Map<string, Json | undefined>();
    for (const connection of this.connections) {
      if (connection.kind !== 'market' || connection.marketType !== event.marketType) continue;
      for (const stream of connection.streams) {
        const [streamSymbol, name] = stream.split('@');
        if (streamSymbol !== symbol || name === undefined || STREAM_CHANNELS[name] !== event.channel)
          continue;
        if (!payloads.has(name)) {
          const payload = marketStreamPayload(this.exchange, market, event);
          payloads.set(name, payload && name === 'miniTicker' ? miniTicker(payload) : payload);
        }
        const payload = payloads.get(name);
        if (payload) this.push(connection, connection.combined ? { stream, data: payload } : payload);
      }
    }
  }

  private onUserEvent(event: UserEvent): void {
    const account = event.kind === 'order' ? event.order.account : event.account;
    const marketType = event.kind === 'order' ? event.order.market.marketType : event.marketType;
    let payload: Json;
    if (marketType === 'spot') {
      if (event.kind === 'order') {
        payload = executionReport(event);
      } else {
        const market = this.exchange.market(event.symbols[0] ?? '', 'spot');
        payload = outboundAccountPosition(
          account,
          event.time,
          market ? [market.baseAsset, market.quoteAsset] : [],
        );
      }
    } else {
      // Until its trigger an algo order is the algo service's (ALGO_UPDATE); after it, the matching
      // engine's order it placed reports as any order does.
      payload =
        event.kind !== 'order'
          ? accountUpdate(this.exchange, account, event.time, event.symbols)
          : event.order.algoId !== undefined && !event.order.snapshot.triggered
            ? algoUpdate(event)
            : orderTradeUpdate(event);
    }
    for (const connection of this.connections) {
      if (connection.account !== account || connection.marketType !== marketType) continue;
      if (connection.kind === 'api') {
        if (connection.subscriptionId !== undefined) {
          this.push(connection, { subscriptionId: connection.subscriptionId, event: payload });
        }
      } else if (connection.kind === 'user') {
        this.push(connection, connection.combined ? { stream: 'userData', data: payload } : payload);
      }
    }
  }

  /** Sends a pushed event, with the duplicate and stale faults the controller may inject. */
  private push(connection: Connection, payload: Json): void {
    const text = JSON.stringify(payload);
    const stale = connection.sent.length > 0 && this.faults.staleWsEvent() ? connection.sent[0] : undefined;
    this.sendText(connection, text);
    if (this.faults.duplicateWsEvent()) this.sendText(connection, text);
    if (stale !== undefined) this.sendText(connection, stale);
    connection.sent.push(text);
    if (connection.sent.length > STALE_POOL) connection.sent.shift();
  }

  private send(connection: Connection, payload: Json): void {
    this.sendText(connection, JSON.stringify(payload));
  }

  private sendText(connection: Connection, text: string): void {
    if (connection.socket.readyState === WebSocket.OPEN) connection.socket.send(text);
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
