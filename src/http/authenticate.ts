import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/app-error.ts';
import { hashApiToken } from '../execution/api-token.ts';
import type { IdentityPort, Principal, TokenScope } from '../execution/identity-port.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** Resolves the bearer token; every /api route runs behind it. */
export function bearerAuth(identity: IdentityPort) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new AppError('UNAUTHENTICATED', 'Missing bearer token. Send "Authorization: Bearer <token>".');
    }
    const principal = await identity.authenticate(hashApiToken(match[1]));
    if (!principal) throw new AppError('UNAUTHENTICATED', 'Invalid or revoked token.');
    request.principal = principal;
  };
}

/** The authenticated principal, with the scope the route needs. */
export function principalOf(request: FastifyRequest, scope: TokenScope = 'read'): Principal {
  const principal = request.principal;
  if (!principal) throw new AppError('UNAUTHENTICATED', 'Missing bearer token.');
  if (!principal.scopes.includes(scope) && !principal.scopes.includes('admin')) {
    throw new AppError('FORBIDDEN', `This token lacks the "${scope}" scope.`);
  }
  return principal;
}
