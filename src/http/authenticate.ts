import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/app-error.ts';
import type { AccessTokenPort } from '../execution/access-token-port.ts';
import { hashApiToken } from '../execution/api-token.ts';
import type { IdentityPort, Principal, TokenScope } from '../execution/identity-port.ts';
import { roleScopes } from '../execution/sign-in.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * A bearer token to its principal: API tokens (`fg_...`, looked up by hash) or access JWTs (signature, alg,
 * exp, iss and aud checked; the user must still exist, and its current role caps the token's scopes).
 */
export async function resolveBearer(
  identity: IdentityPort,
  accessTokens: AccessTokenPort,
  token: string,
): Promise<Principal | undefined> {
  if (token.startsWith('fg_')) return identity.authenticate(hashApiToken(token));
  const claimed = await accessTokens.verify(token);
  const user = claimed ? await identity.findUser(claimed.userId) : undefined;
  if (!claimed || !user) return undefined;
  const allowed = roleScopes(user.role);
  return { userId: user.id, role: user.role, scopes: claimed.scopes.filter((s) => allowed.includes(s)) };
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** Resolves the bearer token; every /api route but sign-in runs behind it. */
export function bearerAuth(identity: IdentityPort, accessTokens: AccessTokenPort) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      throw new AppError('UNAUTHENTICATED', 'Missing bearer token. Send "Authorization: Bearer <token>".');
    }
    const principal = await resolveBearer(identity, accessTokens, token);
    if (!principal) throw new AppError('UNAUTHENTICATED', 'Invalid, expired or revoked token.');
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
