import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  loadMasterKey,
  openExchangeKey,
  rewrapExchangeKey,
  sealExchangeKey,
} from '../../src/store/exchange-key-cipher.ts';

const credentials = { apiKey: 'canary-api-key-0123456789', apiSecret: 'canary-secret-abcdef' };
const binding = { userId: 'u1', keyId: 'k1', version: 1 };
const master = { id: 'm1', key: randomBytes(32) };

describe('exchange key envelope encryption', () => {
  it('round-trips, and the stored form holds neither the key nor the secret', () => {
    const sealed = sealExchangeKey(master, binding, credentials);
    expect(openExchangeKey(master, binding, sealed)).toEqual(credentials);
    const stored = JSON.stringify(sealed);
    for (const value of [credentials.apiKey, credentials.apiSecret]) {
      expect(stored).not.toContain(value);
      expect(stored).not.toContain(Buffer.from(value).toString('base64'));
    }
  });

  it('is bound to user, key id and version: a copied ciphertext does not open', () => {
    const sealed = sealExchangeKey(master, binding, credentials);
    expect(() => openExchangeKey(master, { ...binding, userId: 'u2' }, sealed)).toThrow();
    expect(() => openExchangeKey(master, { ...binding, keyId: 'k2' }, sealed)).toThrow();
    expect(() => openExchangeKey(master, { ...binding, version: 2 }, sealed)).toThrow();
  });

  it('rotates the master key by re-wrapping the data key; the old master key no longer opens it', () => {
    const sealed = sealExchangeKey(master, binding, credentials);
    const next = { id: 'm2', key: randomBytes(32) };
    const rotated = rewrapExchangeKey(master, next, binding, sealed);
    expect(rotated.ciphertext).toBe(sealed.ciphertext);
    expect(rotated.masterKeyId).toBe('m2');
    expect(openExchangeKey(next, binding, rotated)).toEqual(credentials);
    expect(() => openExchangeKey(master, binding, rotated)).toThrow();
    expect(() => openExchangeKey({ id: 'm2', key: master.key }, binding, rotated)).toThrow();
  });

  it('generates the master key file with mode 0600 on first start and reuses it', () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'fillgate-')), 'data');
    const first = loadMasterKey({}, dir);
    expect(statSync(path.join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(loadMasterKey({}, dir).key.equals(first.key)).toBe(true);
    const fromEnv = randomBytes(32);
    expect(loadMasterKey({ FILLGATE_MASTER_KEY: fromEnv.toString('base64') }, dir).key.equals(fromEnv)).toBe(
      true,
    );
    expect(() => loadMasterKey({ FILLGATE_MASTER_KEY: 'c2hvcnQ=' }, dir)).toThrow(/32 bytes/);
  });
});
