import ccxt from 'ccxt';

/**
 * A venue failure, classified once, here, and nowhere else (DESIGN §5).
 * - `rejected`: the venue definitely did not place the order (or did not act on the request).
 *   `retryable` says whether sending the same request again could succeed.
 * - `unknown`: the request may have been processed; only the venue's records can tell.
 */
export type BinanceErrorClass =
  | {
      readonly outcome: 'rejected';
      readonly code: string;
      readonly message: string;
      readonly retryable: boolean;
      /** How long the venue asked us to stay away (Retry-After), if it said. */
      readonly retryAfterMs?: number;
      /** Counts against the circuit breaker (the venue or the path to it is in trouble). */
      readonly infrastructure: boolean;
    }
  | {
      readonly outcome: 'unknown';
      readonly code: string;
      readonly message: string;
      readonly infrastructure: true;
    };

/** The venue's `{code,msg}` inside a ccxt error message, when present. */
function binanceCode(message: string): { code?: number; msg?: string } {
  const code = /"code"\s*:\s*(-?\d+)/.exec(message);
  const msg = /"msg"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(message);
  return {
    ...(code?.[1] !== undefined && { code: Number(code[1]) }),
    ...(msg?.[1] !== undefined && { msg: msg[1] }),
  };
}

/**
 * ccxt error messages can carry the request URL, and a signed GET/DELETE URL carries the query with the
 * signature and timestamp. Every message that leaves the adapter goes through here: query strings and
 * anything that looks like a signature or API key header are cut.
 */
export function sanitizeVenueMessage(message: string): string {
  return message
    .replace(
      /(https?|wss?):\/\/[^\s"'?]+\?[^\s"']*/g,
      (url) => `${url.slice(0, url.indexOf('?'))}?[redacted]`,
    )
    .replace(/signature=[0-9a-fA-F]+/g, 'signature=[redacted]')
    .replace(/X-MBX-APIKEY["':=\s]+[A-Za-z0-9]+/gi, 'X-MBX-APIKEY=[redacted]')
    .slice(0, 500);
}

function describe(error: unknown): string {
  return sanitizeVenueMessage(error instanceof Error ? error.message : String(error));
}

/** Binance codes that say the request was refused before any processing and may succeed later. */
const NOT_PROCESSED_RETRYABLE = new Set([
  -1003, // too many requests (weight)
  -1008, // server overloaded: "request rejected, not processed"
  -1015, // too many new orders
  -1021, // timestamp outside recvWindow: refused before matching
]);

/**
 * USD-M codes that say the request was looked at and refused, whatever exception class ccxt's table gives
 * them on this host: the conditional-order move to the algo service (-4120: the type is not taken by
 * `/fapi/v1/order`) and the algo service's own refusals (-20121 bad symbol, -20124 unknown or completed
 * algo order, -20130 bad parameter, -20132 duplicate client algo id).
 */
const FUTURES_REFUSED = new Set([-4120, -20121, -20124, -20130, -20132]);

/**
 * Classifies any failure of a ccxt call. Subclass order matters: DDoSProtection and RequestTimeout are
 * NetworkErrors, InsufficientFunds and InvalidOrder are ExchangeErrors.
 */
export function classifyBinanceError(error: unknown, retryAfterSeconds?: number): BinanceErrorClass {
  const message = describe(error);
  const { code, msg } = error instanceof Error ? binanceCode(error.message) : {};
  const codeText = code !== undefined ? String(code) : undefined;
  const venueMessage = msg !== undefined ? sanitizeVenueMessage(msg) : message;

  if (code === -1007) {
    // "Timeout waiting for response from backend server. Send status unknown; execution status unknown."
    return { outcome: 'unknown', code: '-1007', message: venueMessage, infrastructure: true };
  }
  if (code !== undefined && NOT_PROCESSED_RETRYABLE.has(code)) {
    return {
      outcome: 'rejected',
      code: String(code),
      message: venueMessage,
      retryable: true,
      ...(retryAfterSeconds !== undefined && { retryAfterMs: retryAfterSeconds * 1000 }),
      infrastructure: code !== -1021,
    };
  }
  if (code !== undefined && FUTURES_REFUSED.has(code) && error instanceof ccxt.ExchangeError) {
    return {
      outcome: 'rejected',
      code: String(code),
      message: venueMessage,
      retryable: false,
      infrastructure: false,
    };
  }
  if (error instanceof ccxt.DDoSProtection) {
    // 429 and 418: Binance's rate limiter answers before the request reaches the matching engine, so the
    // order was definitely not placed and may be sent again once the Retry-After has passed. A 418 is an
    // IP ban (minutes to days): not retried in-request.
    const banned = /\b418\b/.test(message) || /banned/i.test(message);
    return {
      outcome: 'rejected',
      code: codeText ?? (banned ? 'HTTP_418' : 'HTTP_429'),
      message: venueMessage,
      retryable: true,
      ...(retryAfterSeconds !== undefined && { retryAfterMs: retryAfterSeconds * 1000 }),
      infrastructure: true,
    };
  }
  if (error instanceof ccxt.RequestTimeout) {
    return { outcome: 'unknown', code: codeText ?? 'TIMEOUT', message: venueMessage, infrastructure: true };
  }
  if (error instanceof ccxt.ExchangeNotAvailable || error instanceof ccxt.NetworkError) {
    // ECONNREFUSED means the request never left: safe to retry. A reset or a 5xx after the request was
    // written may have been processed.
    if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(message)) {
      return {
        outcome: 'rejected',
        code: 'CONNECTION_REFUSED',
        message: venueMessage,
        retryable: true,
        infrastructure: true,
      };
    }
    return { outcome: 'unknown', code: codeText ?? 'NETWORK', message: venueMessage, infrastructure: true };
  }
  if (error instanceof ccxt.InvalidNonce) {
    return {
      outcome: 'rejected',
      code: codeText ?? 'TIMESTAMP',
      message: venueMessage,
      retryable: true,
      infrastructure: false,
    };
  }
  if (
    error instanceof ccxt.AuthenticationError ||
    error instanceof ccxt.InsufficientFunds ||
    error instanceof ccxt.BadSymbol ||
    error instanceof ccxt.InvalidOrder ||
    error instanceof ccxt.BadRequest ||
    error instanceof ccxt.OperationRejected ||
    error instanceof ccxt.ArgumentsRequired ||
    error instanceof ccxt.NotSupported
  ) {
    return {
      outcome: 'rejected',
      code: codeText ?? error.constructor.name,
      message: venueMessage,
      retryable: false,
      infrastructure: false,
    };
  }
  if (error instanceof ccxt.ExchangeError && code !== undefined) {
    // A coded answer from the venue about this request: it was looked at and refused.
    return {
      outcome: 'rejected',
      code: String(code),
      message: venueMessage,
      retryable: false,
      infrastructure: false,
    };
  }
  // An uncoded failure (a bare gateway page, a parse error of a half-read body): may have been processed.
  return {
    outcome: 'unknown',
    code: codeText ?? 'UNCLASSIFIED',
    message: venueMessage,
    infrastructure: true,
  };
}

/**
 * A reused client order id: spot "Duplicate order sent." (among open orders), USD-M -4116 "ClientOrderId
 * is duplicated." and the algo service's -20132 "The client algo id is duplicated.". The earlier order
 * exists at the venue.
 */
export function isDuplicateOrder(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (/Duplicate order sent/i.test(error.message)) return true;
  const { code } = binanceCode(error.message);
  return code === -4116 || code === -20132;
}

/**
 * -2013 "Order does not exist." / -2011 "Unknown order sent." / the algo service's -20124 "Invalid algo
 * id or it has been completed.": the venue has no such working order (a lookup tells absent from final).
 */
export function isOrderNotFound(error: unknown): boolean {
  if (error instanceof ccxt.OrderNotFound) return true;
  if (!(error instanceof Error)) return false;
  const { code } = binanceCode(error.message);
  return code === -2013 || code === -2011 || code === -20124;
}
