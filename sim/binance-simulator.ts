import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BUILTIN_MARKETS } from '../src/domain/builtin-markets.ts';
import { Decimal } from '../src/domain/decimal.ts';
import type { MarketRules } from '../src/domain/market-rules.ts';
import type { MarketType } from '../src/domain/order-types.ts';
import type { MarketDataFeed } from '../src/venues/market-data/market-event.ts';
import { SyntheticFeed } from '../src/venues/market-data/synthetic-feed.ts';
import { marketsFromExchangeInfoFile } from './exchange-info-document.ts';
import { FaultController, type FaultSettings } from './fault-controller.ts';
import { ListenKeyRegistry } from './listen-key-registry.ts';
import { RestApi } from './rest-api.ts';
import { SimAccount } from './sim-account.ts';
import { SimExchange, type SimOrder } from './sim-exchange.ts';
import { WebSocketGateway } from './websocket-gateway.ts';

/** Start prices of the default synthetic market, by base asset (spot and USD-M alike). */
export const DEFAULT_START_PRICES: Readonly<Record<string, string>> = {
  BTC: '96000',
  ETH: '3400',
  SOL: '190',
  BNB: '650',
  XRP: '2.2',
};

export interface StartingBalances {
  /** Spot assets, decimal strings; default 10,000 USDT. */
  readonly spot?: Readonly<Record<string, string>>;
  /** USD-M wallet per margin asset; default 10,000 USDT. */
  readonly futures?: Readonly<Record<string, string>>;
}

export interface BinanceSimulatorOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1: the simulator has no business on a public interface. */
  readonly host?: string;
  /** Default `BUILTIN_MARKETS`. */
  readonly markets?: readonly MarketRules[];
  /** Real `exchangeInfo` snapshots; each replaces the markets of its type. */
  readonly exchangeInfoFiles?: { readonly spot?: string; readonly futures?: string };
  /**
   * Market data. Default: a seeded `SyntheticFeed` over the markets with a default start price, stepped
   * once at start (so books exist) and every `feedIntervalMs` after; the simulator owns and stops it.
   * A feed passed in belongs to the caller: the simulator neither starts nor stops it.
   */
  readonly feed?: MarketDataFeed;
  readonly feedIntervalMs?: number;
  readonly feedSeed?: number | string;
  /** Number of funded accounts; default 1. */
  readonly accounts?: number;
  readonly startingBalances?: StartingBalances;
  /** Fee rates as decimal strings; default spot 0.1% / 0.1%, USD-M 0.02% maker / 0.05% taker. */
  readonly fees?: {
    readonly spot?: { readonly maker: string; readonly taker: string };
    readonly futures?: { readonly maker: string; readonly taker: string };
  };
  /** Faults active from the start (also settable later through `faults`). */
  readonly faults?: FaultSettings;
}

export interface SimCredentials {
  readonly apiKey: string;
  readonly secret: string;
}

export interface RunningSimulator {
  /** `http://127.0.0.1:<port>`: REST under `/api/v3`, `/fapi/v1..v3`, admin under `/__admin`. */
  readonly baseUrl: string;
  /** `ws://127.0.0.1:<port>`: streams under `/stream`, `/ws`, `/fstream`, WebSocket API under `/ws-api/v3`. */
  readonly wsUrl: string;
  readonly port: number;
  readonly accounts: readonly SimCredentials[];
  readonly faults: FaultController;
  readonly exchange: SimExchange;
  readonly feed: MarketDataFeed;
  /** Every order the account placed (tests assert "exactly one order" after retries and faults). */
  ordersOf(apiKey: string, marketType?: MarketType): SimOrder[];
  /** REST requests received so far at `METHOD /path`, e.g. `GET /api/v3/order`. */
  requestCount(endpoint: string): number;
  /** Forgets request weight used so far (tests that provoke 429 clean up with this). */
  resetRateLimits(): void;
  /** Open WebSocket connections. */
  readonly wsConnections: number;
  close(): Promise<void>;
}

/**
 * Starts a Binance-compatible exchange (spot and USD-M REST, the WebSocket streams ccxt uses) over the
 * paper matching engine, on loopback. Tests drive the real ccxt against it; `fillgate sim` runs it by hand.
 */
export async function startBinanceSimulator(
  options: BinanceSimulatorOptions = {},
): Promise<RunningSimulator> {
  const markets = resolveMarkets(options);
  let ownedFeed: SyntheticFeed | undefined;
  const feed =
    options.feed ??
    (ownedFeed = new SyntheticFeed({
      markets: markets.flatMap((market) => {
        const start = DEFAULT_START_PRICES[market.baseAsset];
        return start === undefined
          ? []
          : [
              {
                symbol: market.symbol,
                marketType: market.marketType,
                startPrice: new Decimal(start),
                tickSize: market.tickSize,
                stepSize: market.stepSize,
              },
            ];
      }),
      seed: options.feedSeed ?? 'fillgate-sim',
      intervalMs: options.feedIntervalMs ?? 500,
    }));

  const fee = (rates: { readonly maker: string; readonly taker: string } | undefined) =>
    rates && { maker: new Decimal(rates.maker), taker: new Decimal(rates.taker) };
  const spotFees = fee(options.fees?.spot);
  const futuresFees = fee(options.fees?.futures);
  const exchange = new SimExchange({
    markets,
    feed,
    ...(spotFees && { spotFees }),
    ...(futuresFees && { futuresFees }),
  });
  const credentials: SimCredentials[] = [];
  for (let id = 1; id <= (options.accounts ?? 1); id++) {
    const account = new SimAccount(id, randomBytes(32).toString('hex'), randomBytes(32).toString('hex'));
    for (const [asset, amount] of Object.entries(options.startingBalances?.spot ?? { USDT: '10000' })) {
      account.deposit(asset, new Decimal(amount));
    }
    for (const [asset, amount] of Object.entries(options.startingBalances?.futures ?? { USDT: '10000' })) {
      account.depositFutures(asset, new Decimal(amount));
    }
    exchange.addAccount(account);
    credentials.push({ apiKey: account.apiKey, secret: account.secret });
  }

  const faults = new FaultController();
  if (options.faults) faults.set(options.faults);
  const listenKeys = new ListenKeyRegistry();
  const rest = new RestApi({ exchange, faults, listenKeys });
  const gateway = new WebSocketGateway(exchange, faults, listenKeys);

  const server = createServer((req, res) => {
    rest.handle(req, res).catch((error: unknown) => {
      // A bug in the simulator must be loud in the test that hit it, not a hung request.
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ code: -1000, msg: `simulator error: ${String(error)}` }));
    });
  });
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  // ccxt keeps connections alive; close() must not wait for idle sockets.
  server.keepAliveTimeout = 5_000;
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const { port, address } = server.address() as AddressInfo;

  if (ownedFeed) {
    ownedFeed.step();
    ownedFeed.start();
  }

  let closed = false;
  return {
    baseUrl: `http://${address}:${port}`,
    wsUrl: `ws://${address}:${port}`,
    port,
    accounts: credentials,
    faults,
    exchange,
    feed,
    ordersOf: (apiKey, marketType) => {
      const account = exchange.accountByKey(apiKey);
      return account ? exchange.ordersOf(account, marketType) : [];
    },
    requestCount: (endpoint) => rest.requestCount(endpoint),
    resetRateLimits: () => rest.resetRateLimits(),
    get wsConnections() {
      return gateway.connectionCount;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      ownedFeed?.stop();
      gateway.close();
      exchange.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function resolveMarkets(options: BinanceSimulatorOptions): MarketRules[] {
  let markets = [...(options.markets ?? BUILTIN_MARKETS)];
  for (const marketType of ['spot', 'futures'] as const) {
    const file = options.exchangeInfoFiles?.[marketType];
    if (file === undefined) continue;
    markets = [
      ...markets.filter((market) => market.marketType !== marketType),
      ...marketsFromExchangeInfoFile(file, marketType),
    ];
  }
  return markets;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
