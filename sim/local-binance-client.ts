import { BinanceSpotClient, BinanceUsdmClient, binanceUrls } from '../src/venues/ccxt/binance-client.ts';

/*
 * ccxt clients pointed at a local Binance-compatible exchange (the simulator), for tests and scripts that
 * drive it directly. The URL table and the error mapping are the live adapter's (src/venues/ccxt).
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

/** Every `urls.api` entry ccxt 4.5 uses, pointed at the local exchange (the live adapter's own table). */
export function localBinanceUrls(endpoint: LocalBinanceEndpoint): Record<string, unknown> {
  return binanceUrls(endpoint.baseUrl, endpoint.wsUrl);
}

/**
 * The live adapter's clients: they pick ccxt's per-market error table by URL path rather than Binance's host
 * names, so against a local URL a USD-M -2019 is still `InsufficientFunds`.
 */
export { BinanceSpotClient as LocalBinance, BinanceUsdmClient as LocalBinanceUsdm };

function configure<T extends BinanceSpotClient | BinanceUsdmClient>(
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
): BinanceSpotClient {
  const client = new BinanceSpotClient({
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
): BinanceUsdmClient {
  const client = new BinanceUsdmClient({
    ...(options.apiKey !== undefined && { apiKey: options.apiKey }),
    ...(options.secret !== undefined && { secret: options.secret }),
    enableRateLimit: options.enableRateLimit ?? false,
    ...(options.timeout !== undefined && { timeout: options.timeout }),
  });
  return configure(client, endpoint, ['linear'], options);
}
