/**
 * The one list of coded errors the product raises, each with its HTTP status. Handlers throw AppError;
 * the one error handler turns it into the envelope `{ error: { code, message, details, retryable } }`.
 * Order denials are not errors: they are data (see reason-codes.ts).
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, retryable: false },
  UNAUTHENTICATED: { status: 401, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  CONFLICT: { status: 409, retryable: false },
  IDEMPOTENCY_CONFLICT: { status: 409, retryable: false },
  /** The first request with this Idempotency-Key is still running: retry later. */
  IDEMPOTENCY_IN_FLIGHT: { status: 409, retryable: true },
  /** The Idempotency-Key was used with a different request. */
  IDEMPOTENCY_KEY_REUSED: { status: 422, retryable: false },
  ORDER_NOT_CANCELABLE: { status: 409, retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  UNPROCESSABLE: { status: 422, retryable: false },
  RATE_LIMITED: { status: 429, retryable: true },
  INTERNAL: { status: 500, retryable: true },
  VENUE_UNAVAILABLE: { status: 502, retryable: true },
  SERVICE_UNAVAILABLE: { status: 503, retryable: true },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }
}
