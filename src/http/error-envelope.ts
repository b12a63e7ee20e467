import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CODES, type ErrorCode } from '../domain/app-error.ts';

export interface ErrorEnvelope {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly details: Readonly<Record<string, unknown>> | null;
    readonly retryable: boolean;
  };
}

export function envelope(
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown> | null,
): ErrorEnvelope {
  return { error: { code, message, details: details ?? null, retryable: ERROR_CODES[code].retryable } };
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && 'code' in error && typeof (error as { code: unknown }).code === 'string';
}

/** The one error handler: every 4xx/5xx leaves as `{ error: { code, message, details, retryable } }`. */
export function handleError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  reportError?: (error: unknown) => void,
): void {
  if (error instanceof AppError) {
    void reply.status(error.status).send(envelope(error.code, error.message, error.details ?? null));
    return;
  }
  if (isFastifyError(error) && error.validation) {
    const issues = error.validation.map((v) => ({
      path: `${error.validationContext ?? 'body'}${v.instancePath}`,
      message: v.message ?? 'invalid',
      ...(v.params && 'additionalProperty' in v.params ? { field: v.params.additionalProperty } : {}),
    }));
    const first = issues[0];
    const message = first
      ? `Invalid request: ${first.path} ${first.message}${'field' in first ? ` (${String(first.field)})` : ''}.`
      : 'Invalid request.';
    void reply.status(400).send(envelope('VALIDATION_FAILED', message, { issues }));
    return;
  }
  if (isFastifyError(error) && error.statusCode !== undefined && error.statusCode < 500) {
    const code: ErrorCode =
      error.statusCode === 413
        ? 'PAYLOAD_TOO_LARGE'
        : error.statusCode === 404
          ? 'NOT_FOUND'
          : 'VALIDATION_FAILED';
    void reply.status(error.statusCode).send(envelope(code, error.message));
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  reportError?.(error);
  void reply.status(500).send(envelope('INTERNAL', 'Internal error. It has been logged; retry later.'));
}
