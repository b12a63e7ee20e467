import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PARAMS = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 64;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      { ...options, maxmem: 64 * 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

/** `scrypt$N$r$p$salt$key` (base64url): the parameters travel with the hash so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** Constant-time check; a malformed or absent hash is still compared against a derived key (same cost). */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parts = (stored ?? '').split('$');
  const [scheme, n, r, p, salt, key] = parts;
  const wellFormed = parts.length === 6 && scheme === 'scrypt' && salt && key;
  const options = wellFormed ? { N: Number(n), r: Number(r), p: Number(p) } : PARAMS;
  const expected = wellFormed ? Buffer.from(key, 'base64url') : Buffer.alloc(KEY_LENGTH);
  const actual = await derive(
    password,
    wellFormed ? Buffer.from(salt, 'base64url') : Buffer.alloc(16),
    options,
  );
  return Boolean(wellFormed) && actual.length === expected.length && timingSafeEqual(actual, expected);
}
