import { randomBytes } from 'node:crypto';
import { AppError } from '../domain/app-error.ts';
import type { AccessTokenPort } from './access-token-port.ts';
import { hashApiToken } from './api-token.ts';
import type { IdentityPort, Principal, Role, TokenScope } from './identity-port.ts';
import { verifyPassword } from './password.ts';

export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 3600 * 1000;

export interface SessionDeps {
  readonly identity: IdentityPort;
  readonly accessTokens: AccessTokenPort;
  readonly newId: () => string;
  readonly now: () => Date;
}

export interface Session {
  readonly accessToken: string;
  readonly expiresInS: number;
  readonly refreshToken: string;
}

/** What a password session may do: everything its role allows. */
export function roleScopes(role: Role): readonly TokenScope[] {
  return role === 'admin' ? ['read', 'trade', 'admin'] : ['read', 'trade'];
}

async function openSession(deps: SessionDeps, principal: Principal, familyId: string): Promise<Session> {
  const refreshToken = `fgr_${randomBytes(32).toString('base64url')}`;
  await deps.identity.storeRefreshToken({
    id: deps.newId(),
    userId: principal.userId,
    familyId,
    tokenHash: hashApiToken(refreshToken),
    expiresAt: new Date(deps.now().getTime() + REFRESH_TOKEN_TTL_MS),
  });
  const access = await deps.accessTokens.issue(principal);
  return { accessToken: access.token, expiresInS: access.expiresInS, refreshToken };
}

/** Email and password -> access token + refresh token. One message for every failure (no user probing). */
export async function signIn(deps: SessionDeps, email: string, password: string): Promise<Session> {
  const user = await deps.identity.findCredentials(email.toLowerCase());
  const ok = await verifyPassword(password, user?.passwordHash);
  if (!user || !ok) throw new AppError('UNAUTHENTICATED', 'Wrong email or password.');
  return openSession(deps, { userId: user.id, role: user.role, scopes: roleScopes(user.role) }, deps.newId());
}

/** Rotates the refresh token: the old one is spent; presenting it again revokes the whole family. */
export async function refreshSession(deps: SessionDeps, refreshToken: string): Promise<Session> {
  const outcome = await deps.identity.consumeRefreshToken(hashApiToken(refreshToken), deps.now());
  const user = outcome.kind === 'rotated' ? await deps.identity.findUser(outcome.userId) : undefined;
  if (outcome.kind !== 'rotated' || !user) {
    throw new AppError('UNAUTHENTICATED', 'Invalid, expired or already used refresh token. Sign in again.');
  }
  return openSession(
    deps,
    { userId: user.id, role: user.role, scopes: roleScopes(user.role) },
    outcome.familyId,
  );
}
