/**
 * A Binance error answer: `{ code, msg }` with its HTTP status. Thrown inside request handling and turned
 * into the response by the router, so handlers read top to bottom.
 */
export class BinanceError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly msg: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(msg);
    this.name = 'BinanceError';
  }

  body(): { readonly code: number; readonly msg: string } {
    return { code: this.code, msg: this.msg };
  }
}

/** The messages Binance sends, verbatim: clients (ccxt among them) match some of them by text. */
export const binanceErrors = {
  unknown: (): BinanceError =>
    new BinanceError(500, -1000, 'An unknown error occurred while processing the request.'),
  internal: (status = 503): BinanceError =>
    new BinanceError(status, -1001, 'Internal error; unable to process your request. Please try again.'),
  tooManyRequests: (limit: number, retryAfterSeconds: number): BinanceError =>
    new BinanceError(
      429,
      -1003,
      `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
      { 'Retry-After': String(retryAfterSeconds) },
    ),
  banned: (untilMs: number, retryAfterSeconds: number): BinanceError =>
    new BinanceError(
      418,
      -1003,
      `Way too much request weight used; IP banned until ${untilMs}. Please use WebSocket Streams for live updates to avoid bans.`,
      { 'Retry-After': String(retryAfterSeconds) },
    ),
  executionUnknown: (): BinanceError =>
    new BinanceError(
      503,
      -1007,
      'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
    ),
  timestampOutside: (): BinanceError =>
    new BinanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.'),
  timestampAhead: (): BinanceError =>
    new BinanceError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  badSignature: (): BinanceError => new BinanceError(400, -1022, 'Signature for this request is not valid.'),
  mandatory: (parameter: string): BinanceError =>
    new BinanceError(
      400,
      -1102,
      `Mandatory parameter '${parameter}' was not sent, was empty/null, or malformed.`,
    ),
  illegalChars: (parameter: string): BinanceError =>
    new BinanceError(
      400,
      -1100,
      `Illegal characters found in parameter '${parameter}'; legal range is '^[0-9]{1,20}$'.`,
    ),
  invalidValue: (parameter: string): BinanceError =>
    new BinanceError(400, -1130, `Data sent for parameter '${parameter}' is not valid.`),
  invalidTimeInForce: (): BinanceError => new BinanceError(400, -1115, 'Invalid timeInForce.'),
  invalidOrderType: (): BinanceError => new BinanceError(400, -1116, 'Invalid orderType.'),
  invalidSide: (): BinanceError => new BinanceError(400, -1117, 'Invalid side.'),
  invalidSymbol: (): BinanceError => new BinanceError(400, -1121, 'Invalid symbol.'),
  invalidListenKey: (): BinanceError => new BinanceError(400, -1125, 'This listenKey does not exist.'),
  recvWindowTooLarge: (): BinanceError => new BinanceError(400, -1131, 'recvWindow must be less than 60000'),
  filterFailure: (filter: string): BinanceError => new BinanceError(400, -1013, `Filter failure: ${filter}`),
  newOrderRejected: (msg: string): BinanceError => new BinanceError(400, -2010, msg),
  cancelRejected: (): BinanceError => new BinanceError(400, -2011, 'Unknown order sent.'),
  noSuchOrder: (): BinanceError => new BinanceError(400, -2013, 'Order does not exist.'),
  badApiKeyFormat: (): BinanceError => new BinanceError(401, -2014, 'API-key format invalid.'),
  rejectedApiKey: (): BinanceError =>
    new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  marginInsufficient: (): BinanceError => new BinanceError(400, -2019, 'Margin is insufficient.'),
  wouldTrigger: (): BinanceError => new BinanceError(400, -2021, 'Order would immediately trigger.'),
  reduceOnlyRejected: (): BinanceError => new BinanceError(400, -2022, 'ReduceOnly Order is rejected.'),
  futuresPrecision: (): BinanceError =>
    new BinanceError(400, -1111, 'Precision is over the maximum defined for this asset.'),
  invalidLeverage: (leverage: string): BinanceError =>
    new BinanceError(400, -4028, `Leverage ${leverage} is not valid`),
  duplicateClientId: (): BinanceError => new BinanceError(400, -4116, 'ClientOrderId is duplicated.'),
  /** USD-M since December 2025: conditional types only through `/fapi/v1/algoOrder`. */
  algoEndpointRequired: (): BinanceError =>
    new BinanceError(
      400,
      -4120,
      'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.',
    ),
  algoNotCancelable: (): BinanceError =>
    new BinanceError(400, -20124, 'Invalid algo id or it has been completed.'),
  duplicateClientAlgoId: (): BinanceError =>
    new BinanceError(400, -20132, 'The client algo id is duplicated.'),
  futuresMinNotional: (minNotional: string): BinanceError =>
    new BinanceError(
      400,
      -4164,
      `Order's notional must be no smaller than ${minNotional} (unless you choose reduce only).`,
    ),
  notFound: (): BinanceError => new BinanceError(404, -1000, 'Not found.'),
} as const;
