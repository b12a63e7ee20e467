import ccxt from 'ccxt';

/*
 * ccxt clients pointed at a local Binance-compatible exchange (the simulator). The later ccxt venue
 * adapter can copy this file: it is the one place that knows how to aim ccxt at a non-Binance host.
 */

export interface LocalBinanceEndpoint {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string;
}

export interface LocalBinanceOptions {
  readonly apiKey?: string;
  readonly secret?: string;
  /** ccxt's own request throttle; off by default so tests run at loopback speed. */
  readonly enableRateLimit?: boolean;
  /** Default 5000 ms, Binance's default. */
  readonly recvWindow?: number;
  /** Request timeout in ms; default ccxt's 10 s. */
  readonly timeout?: number;
}

/**
 * Every `urls.api` entry ccxt 4.5 uses for spot and USD-M, pointed at one local host. Never call
 * `setSandboxMode` afterwards: it replaces these with the testnet URLs.
 */
export function localBinanceUrls(endpoint: LocalBinanceEndpoint): Record<string, unknown> {
  const { baseUrl, wsUrl } = endpoint;
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
      // ccxt tells a spot stream from a futures one by `/stream` in the connection URL.
      spot: `${wsUrl}/stream`,
      margin: `${wsUrl}/stream`,
      // ccxt rewrites a futures URL ending in `/ws` to `.../{public,market,private}/ws`, as Binance routes.
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

/** Which of ccxt's per-market error tables applies to a local URL (ccxt only knows Binance's hosts). */
function localMarketType(url: string | undefined): 'spot' | 'linear' | undefined {
  if (url === undefined) return undefined;
  if (/\/fapi\/|\/fstream\/|\/ws-fapi\//.test(url)) return 'linear';
  if (/\/api\/v\d|\/ws-api\/|\/stream/.test(url)) return 'spot';
  return undefined;
}

type Exceptions = ReturnType<InstanceType<typeof ccxt.pro.binance>['getExceptionsByUrl']>;

/**
 * ccxt picks its per-market error table by Binance's host names, so against a local URL a USD-M -2019
 * would be a plain `ExchangeError` instead of `InsufficientFunds`. These subclasses restore the mapping.
 */
export class LocalBinance extends ccxt.pro.binance {
  override getExceptionsByUrl(url: string | undefined, exactOrBroad: string): Exceptions {
    const marketType = localMarketType(url);
    if (marketType === undefined) return super.getExceptionsByUrl(url, exactOrBroad);
    return this.safeDict(this.safeDict(this.exceptions, marketType, {}), exactOrBroad, {}) as Exceptions;
  }
}

export class LocalBinanceUsdm extends ccxt.pro.binanceusdm {
  override getExceptionsByUrl(url: string | undefined, exactOrBroad: string): Exceptions {
    const marketType = localMarketType(url);
    if (marketType === undefined) return super.getExceptionsByUrl(url, exactOrBroad);
    return this.safeDict(this.safeDict(this.exceptions, marketType, {}), exactOrBroad, {}) as Exceptions;
  }
}

function configure<T extends LocalBinance | LocalBinanceUsdm>(
  client: T,
  endpoint: LocalBinanceEndpoint,
  types: readonly string[],
  options: LocalBinanceOptions,
): T {
  client.urls['api'] = { ...client.urls['api'], ...localBinanceUrls(endpoint) } as typeof client.urls.api;
  Object.assign(client.options, {
    fetchCurrencies: false,
    fetchMargins: false,
    fetchMarkets: { types: [...types] },
    adjustForTimeDifference: false,
    recvWindow: options.recvWindow ?? 5000,
  });
  return client;
}

/**
 * A ccxt.pro binance (spot) client for the local exchange. `loadMarkets` calls only
 * `GET /api/v3/exchangeInfo` and `GET /fapi/v1/exchangeInfo`. Call `await client.loadHttpProxyAgent()`
 * before WebSocket use: ccxt refuses plain `ws://` URLs without it.
 */
export function createLocalBinance(
  endpoint: LocalBinanceEndpoint,
  options: LocalBinanceOptions = {},
): LocalBinance {
  const client = new LocalBinance({
    ...(options.apiKey !== undefined && { apiKey: options.apiKey }),
    ...(options.secret !== undefined && { secret: options.secret }),
    enableRateLimit: options.enableRateLimit ?? false,
    ...(options.timeout !== undefined && { timeout: options.timeout }),
  });
  return configure(client, endpoint, ['spot', 'linear'], options);
}

/** A ccxt.pro binanceusdm (USD-M futures) client for the local exchange. */
export function createLocalBinanceUsdm(
  endpoint: LocalBinanceEndpoint,
  options: LocalBinanceOptions = {},
): LocalBinanceUsdm {
  const client = new LocalBinanceUsdm({
    ...(options.apiKey !== undefined && { apiKey: options.apiKey }),
    ...(options.secret !== undefined && { secret: options.secret }),
    enableRateLimit: options.enableRateLimit ?? false,
    ...(options.timeout !== undefined && { timeout: options.timeout }),
  });
  return configure(client, endpoint, ['linear'], options);
}
