import ccxt from 'ccxt';

/*
 * ccxt clients for Binance spot and USD-M, optionally aimed at another host (the simulator, a proxy).
 * The one place that knows how to aim ccxt at a non-Binance host; sim/local-binance-client.ts builds on it.
 */

export interface BinanceEndpoint {
  /** `http://127.0.0.1:<port>`; undefined = Binance production. */
  readonly baseUrl?: string;
  /** WebSocket base; derived from baseUrl (`http` -> `ws`) when omitted. */
  readonly wsUrl?: string;
}

export interface BinanceClientOptions extends BinanceEndpoint {
  readonly apiKey: string;
  readonly secret: string;
  readonly recvWindowMs: number;
  readonly timeoutMs: number;
}

/**
 * Every `urls.api` entry ccxt 4.5 uses for spot and USD-M, pointed at one host. Never call
 * `setSandboxMode` afterwards: it replaces these with the testnet URLs.
 */
export function binanceUrls(baseUrl: string, wsUrl: string): Record<string, unknown> {
  return {
    public: `${baseUrl}/api/v3`,
    private: `${baseUrl}/api/v3`,
    v1: `${baseUrl}/api/v1`,
    sapi: `${baseUrl}/sapi/v1`,
    fapiPublic: `${baseUrl}/fapi/v1`,
    fapiPublicV2: `${baseUrl}/fapi/v2`,
    fapiPublicV3: `${baseUrl}/fapi/v3`,
    fapiPrivate: `${baseUrl}/fapi/v1`,
    fapiPrivateV2: `${baseUrl}/fapi/v2`,
    fapiPrivateV3: `${baseUrl}/fapi/v3`,
    ws: {
      // ccxt tells a spot stream from a futures one by `/stream` in the URL.
      spot: `${wsUrl}/stream`,
      margin: `${wsUrl}/stream`,
      future: `${wsUrl}/fstream/ws`,
      delivery: `${wsUrl}/dstream/ws`,
      'ws-api': {
        spot: `${wsUrl}/ws-api/v3`,
        future: `${wsUrl}/ws-fapi/v1`,
        delivery: `${wsUrl}/ws-dapi/v1`,
      },
    },
  };
}

function marketTypeOfUrl(url: string | undefined): 'spot' | 'linear' | undefined {
  if (url === undefined) return undefined;
  if (/\/fapi\/|\/fstream\/|\/ws-fapi\//.test(url)) return 'linear';
  if (/\/api\/v\d|\/ws-api\/|\/stream/.test(url)) return 'spot';
  return undefined;
}

type Exceptions = ReturnType<InstanceType<typeof ccxt.pro.binance>['getExceptionsByUrl']>;

/**
 * ccxt picks its per-market error table by Binance's host names; on any other host a USD-M -2019 would be
 * a plain ExchangeError. Choosing the table by path keeps the production mapping on every host.
 */
export class BinanceSpotClient extends ccxt.pro.binance {
  override getExceptionsByUrl(url: string | undefined, exactOrBroad: string): Exceptions {
    const marketType = marketTypeOfUrl(url);
    if (marketType === undefined) return super.getExceptionsByUrl(url, exactOrBroad);
    return this.safeDict(this.safeDict(this.exceptions, marketType, {}), exactOrBroad, {}) as Exceptions;
  }
}

export class BinanceUsdmClient extends ccxt.pro.binanceusdm {
  override getExceptionsByUrl(url: string | undefined, exactOrBroad: string): Exceptions {
    const marketType = marketTypeOfUrl(url);
    if (marketType === undefined) return super.getExceptionsByUrl(url, exactOrBroad);
    return this.safeDict(this.safeDict(this.exceptions, marketType, {}), exactOrBroad, {}) as Exceptions;
  }
}

export type BinanceClient = BinanceSpotClient | BinanceUsdmClient;

function configure<T extends BinanceClient>(client: T, options: BinanceClientOptions, types: string[]): T {
  if (options.baseUrl !== undefined) {
    const wsUrl = options.wsUrl ?? options.baseUrl.replace(/^http/, 'ws');
    client.urls['api'] = {
      ...client.urls['api'],
      ...binanceUrls(options.baseUrl.replace(/\/+$/, ''), wsUrl),
    } as typeof client.urls.api;
  }
  Object.assign(client.options, {
    fetchCurrencies: false,
    fetchMargins: false,
    fetchMarkets: { types },
    adjustForTimeDifference: false,
    recvWindow: options.recvWindowMs,
  });
  return client;
}

function settings(options: BinanceClientOptions) {
  // ccxt's own throttle is replaced by our weight budget (one per venue, fed by the used-weight header).
  return {
    apiKey: options.apiKey,
    secret: options.secret,
    enableRateLimit: false,
    timeout: options.timeoutMs,
  };
}

export function createSpotClient(options: BinanceClientOptions): BinanceSpotClient {
  return configure(new BinanceSpotClient(settings(options)), options, ['spot']);
}

export function createUsdmClient(options: BinanceClientOptions): BinanceUsdmClient {
  return configure(new BinanceUsdmClient(settings(options)), options, ['linear']);
}
