import { createHmac, timingSafeEqual } from 'node:crypto';

export function hmacSha256Hex(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/**
 * Splits Binance's signed payload into what was signed and the signature. Binance signs the *raw* text:
 * the query string, or for POST/PUT the query string followed directly by the form body, with the
 * `signature` pair removed wherever it sits. Re-encoding the parsed parameters would accept requests
 * Binance rejects (and the reverse), so the raw bytes are kept.
 */
export function splitSignature(totalParams: string): {
  readonly signed: string;
  readonly signature?: string;
} {
  let signature: string | undefined;
  const pairs = totalParams.split('&').filter((pair) => {
    if (!pair.startsWith('signature=')) return true;
    signature = decodeURIComponent(pair.slice('signature='.length));
    return false;
  });
  return signature === undefined ? { signed: totalParams } : { signed: pairs.join('&'), signature };
}

export function signatureMatches(signed: string, signature: string, secret: string): boolean {
  const expected = Buffer.from(hmacSha256Hex(signed, secret), 'utf8');
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * The WebSocket API signs its params sorted by key and joined as `key=value` without URL encoding
 * (everything except `signature` itself).
 */
export function wsApiPayload(params: Readonly<Record<string, unknown>>): string {
  return Object.keys(params)
    .filter((key) => key !== 'signature')
    .sort()
    .map((key) => `${key}=${String(params[key])}`)
    .join('&');
}
