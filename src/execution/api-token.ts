import { createHash, randomBytes } from 'node:crypto';

/** A bearer token: shown once, stored only as its SHA-256 (tokens are 256 random bits, so a fast hash is safe). */
export function newApiToken(): string {
  return `fg_${randomBytes(32).toString('base64url')}`;
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
