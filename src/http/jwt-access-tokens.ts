import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { AccessTokenPort } from '../execution/access-token-port.ts';
import type { Principal, Role, TokenScope } from '../execution/identity-port.ts';

export const JWT_ISSUER = 'fillgate';
export const JWT_AUDIENCE = 'fillgate-api';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLES: readonly Role[] = ['user', 'admin'];
const SCOPES: readonly TokenScope[] = ['read', 'trade', 'admin'];

/** HS256 access tokens (jose). Only HS256 is accepted: `none`, RS/ES and every other alg are refused. */
export class JwtAccessTokens implements AccessTokenPort {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlS = 900,
  ) {
    if (secret.length < 32) throw new Error('The JWT secret must be at least 32 characters.');
    this.key = new TextEncoder().encode(secret);
  }

  async issue(principal: Principal): Promise<{ token: string; expiresInS: number }> {
    const token = await new SignJWT({ role: principal.role, scope: principal.scopes.join(' ') })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(principal.userId)
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${this.ttlS}s`)
      .sign(this.key);
    return { token, expiresInS: this.ttlS };
  }

  async verify(token: string): Promise<Principal | undefined> {
    const verified = await jwtVerify(token, this.key, {
      algorithms: ['HS256'],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      requiredClaims: ['exp', 'sub', 'iat'],
    }).catch(() => undefined);
    const claims = verified?.payload;
    if (
      !claims?.sub ||
      !UUID.test(claims.sub) ||
      typeof claims.role !== 'string' ||
      typeof claims.scope !== 'string'
    )
      return undefined;
    const role = ROLES.find((r) => r === claims.role);
    const scopes = claims.scope
      .split(' ')
      .filter((s): s is TokenScope => SCOPES.some((known) => known === s));
    return role ? { userId: claims.sub, role, scopes } : undefined;
  }
}
