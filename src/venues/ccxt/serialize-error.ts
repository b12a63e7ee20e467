import { sanitizeVenueMessage } from './binance-error-map.ts';

/**
 * pino's `err` serializer: class name, sanitized message, code and a sanitized stack. ccxt errors keep no
 * credentials, but their messages may carry signed URLs, and some carry request dumps as properties:
 * nothing but these fields is logged.
 */
export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: sanitizeVenueMessage(String(error)) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.constructor.name,
    message: sanitizeVenueMessage(error.message),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(error.stack !== undefined && { stack: sanitizeVenueMessage(error.stack) }),
  };
}
