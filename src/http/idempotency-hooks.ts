import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/app-error.ts';
import { canonicalJson } from '../execution/audit-chain.ts';
import type { IdempotencyPort } from '../execution/idempotency-port.ts';

export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const KEY = /^[\x21-\x7e]{1,255}$/;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when this request holds an Idempotency-Key claim whose response must be stored. */
    idempotencyClaim?: { readonly userId: string; readonly key: string };
  }
}

/**
 * `Idempotency-Key` on state-changing POSTs (Stripe semantics): the first response is stored and replayed
 * byte for byte for 24 h; the same key with another request is 422; while the first is running, 409.
 * Runs after authentication and validation, so a malformed request never takes a key.
 */
export function idempotencyHooks(port: IdempotencyPort, now: () => Date) {
  const preHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers['idempotency-key'];
    if (request.method !== 'POST' || header === undefined || !request.principal) return;
    if (typeof header !== 'string' || !KEY.test(header)) {
      throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
    }
    const userId = request.principal.userId;
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`)
      .digest('hex');
    const claim = await port.claim(userId, header, requestHash, now(), IDEMPOTENCY_TTL_MS);
    if (claim.kind === 'mismatch') {
      throw new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request. Use a new key for a new request.',
      );
    }
    if (claim.kind === 'in_flight') {
      throw new AppError(
        'IDEMPOTENCY_IN_FLIGHT',
        'A request with this Idempotency-Key is still running. Retry shortly.',
      );
    }
    if (claim.kind === 'completed') {
      return reply
        .status(claim.status)
        .header('content-type', 'application/json; charset=utf-8')
        .header('idempotent-replayed', 'true')
        .send(claim.body);
    }
    request.idempotencyClaim = { userId, key: header };
  };

  const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const claim = request.idempotencyClaim;
    if (!claim) return payload;
    request.idempotencyClaim = undefined;
    // A failure on our side (5xx) is not an answer to keep: release the key so the client can retry.
    if (reply.statusCode >= 500 || typeof payload !== 'string') await port.release(claim.userId, claim.key);
    else await port.complete(claim.userId, claim.key, reply.statusCode, payload);
    return payload;
  };

  return { preHandler, onSend };
}
