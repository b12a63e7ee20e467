import { randomBytes } from 'node:crypto';
import { exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_AUDIENCE, JWT_ISSUER } from '../../src/http/jwt-access-tokens.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKind } from '../support/test-database.ts';

const SECRET = randomBytes(32).toString('hex');
const key = new TextEncoder().encode(SECRET);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe(`JWT attacks on ${databaseKind}`, () => {
  let h: Harness;
  let victim: Awaited<ReturnType<Harness['user']>>;
  let attacks: Record<string, string>;

  const claims = () => ({ role: 'admin', scope: 'read trade admin' });
  const good = (alg = 'HS256') =>
    new SignJWT(claims())
      .setProtectedHeader({ alg })
      .setSubject(victim.userId)
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m');

  beforeAll(async () => {
    h = await startHarness({ env: { FILLGATE_JWT_SECRET: SECRET } });
    victim = await h.user();
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const publicPem = await exportSPKI(publicKey);
    const valid = await good().sign(key);
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    attacks = {
      'alg none': new UnsecuredJWT({ ...claims(), sub: victim.userId })
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('5m')
        .encode(),
      'alg none with a forged header on a valid payload': `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      'RS256 signed by an attacker key': await good('RS256').sign(privateKey),
      'HS/RS confusion (HS256 keyed with a public key PEM)': await good().sign(
        new TextEncoder().encode(publicPem),
      ),
      'HS512 with the right secret (algorithm not allowed)': await good('HS512').sign(key),
      expired: await good()
        .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(key),
      'no exp': await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(victim.userId)
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setIssuedAt()
        .sign(key),
      'wrong audience': await good().setAudience('someone-else').sign(key),
      'wrong issuer': await good().setIssuer('evil').sign(key),
      'tampered payload (sub changed, signature kept)': `${header}.${b64({ ...decoded, sub: '00000000-0000-4000-8000-000000000000' })}.${signature}`,
      'tampered signature': `${header}.${payload}.${signature.slice(0, -4)}AAAA`,
      'signed by another secret': await good().sign(randomBytes(32)),
      'unknown user': await good().setSubject('00000000-0000-4000-8000-000000000000').sign(key),
      garbage: 'not.a.jwt',
    };
  });
  afterAll(async () => h.close());

  it('a well-formed token for the victim works (the attacks below differ only in the attack)', async () => {
    const res = await h.fillgate.app.inject({
      method: 'GET',
      url: '/api/v1/accounts',
      headers: { authorization: `Bearer ${await good().sign(key)}` },
    });
    expect(res.statusCode).toBe(200);
  });

  it('rejects 100% of the attacks on REST with 401 and the envelope', async () => {
    const outcomes: Record<string, number> = {};
    for (const [name, token] of Object.entries(attacks)) {
      const res = await h.fillgate.app.inject({
        method: 'GET',
        url: '/api/v1/accounts',
        headers: { authorization: `Bearer ${token}` },
      });
      outcomes[name] = res.statusCode;
      expect(res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED', retryable: false } });
    }
    expect(Object.values(outcomes).every((s) => s === 401)).toBe(true);
    expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(13);
  });

  it("a user's role in the database caps a token's claims: a 'user' cannot act as admin with a valid JWT", async () => {
    const res = await h.fillgate.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${await good().sign(key)}` },
      payload: { email: 'evil@example.com', password: 'x'.repeat(12) },
    });
    expect(res.statusCode).toBe(403);
  });
});
