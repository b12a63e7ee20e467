import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** An exchange key at rest: the credentials under a data key, the data key under the master key. */
export interface SealedExchangeKey {
  /** Which master key wrapped the data key (rotation re-wraps under a new one). */
  readonly masterKeyId: string;
  /** base64 of iv (12) | tag (16) | AES-256-GCM(master key, data key). */
  readonly wrappedDataKey: string;
  /** base64 of iv (12) | tag (16) | AES-256-GCM(data key, JSON credentials). */
  readonly ciphertext: string;
}

export interface ExchangeCredentials {
  readonly apiKey: string;
  readonly apiSecret: string;
}

/** Binds a ciphertext to its row: a sealed key copied to another user, key id or version fails to open. */
export interface KeyBinding {
  readonly userId: string;
  readonly keyId: string;
  readonly version: number;
}

export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

function aad(binding: KeyBinding, part: 'data-key' | 'credentials'): Buffer {
  return Buffer.from(`fillgate:exchange-key:${part}:${binding.userId}:${binding.keyId}:${binding.version}`);
}

function seal(key: Buffer, plaintext: Buffer, associated: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associated);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function open(key: Buffer, sealed: string, associated: Buffer): Buffer {
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(associated);
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
}

/** Encrypts credentials under a fresh random data key, wrapped by the master key. */
export function sealExchangeKey(
  master: MasterKey,
  binding: KeyBinding,
  credentials: ExchangeCredentials,
): SealedExchangeKey {
  const dataKey = randomBytes(32);
  try {
    return {
      masterKeyId: master.id,
      wrappedDataKey: seal(master.key, dataKey, aad(binding, 'data-key')),
      ciphertext: seal(
        dataKey,
        Buffer.from(JSON.stringify({ k: credentials.apiKey, s: credentials.apiSecret })),
        aad(binding, 'credentials'),
      ),
    };
  } finally {
    dataKey.fill(0);
  }
}

/** Decrypts credentials: only to hand them to the venue client that signs requests. */
export function openExchangeKey(
  master: MasterKey,
  binding: KeyBinding,
  sealed: SealedExchangeKey,
): ExchangeCredentials {
  if (sealed.masterKeyId !== master.id) {
    throw new Error(
      `exchange key ${binding.keyId} is wrapped by master key ${sealed.masterKeyId}, not ${master.id}`,
    );
  }
  const dataKey = open(master.key, sealed.wrappedDataKey, aad(binding, 'data-key'));
  try {
    const parsed = JSON.parse(
      open(dataKey, sealed.ciphertext, aad(binding, 'credentials')).toString('utf8'),
    ) as {
      k: string;
      s: string;
    };
    return { apiKey: parsed.k, apiSecret: parsed.s };
  } finally {
    dataKey.fill(0);
  }
}

/** Master-key rotation: the data key is unwrapped with the old master key and wrapped with the new one. */
export function rewrapExchangeKey(
  from: MasterKey,
  to: MasterKey,
  binding: KeyBinding,
  sealed: SealedExchangeKey,
): SealedExchangeKey {
  const dataKey = open(from.key, sealed.wrappedDataKey, aad(binding, 'data-key'));
  try {
    return {
      masterKeyId: to.id,
      wrappedDataKey: seal(to.key, dataKey, aad(binding, 'data-key')),
      ciphertext: sealed.ciphertext,
    };
  } finally {
    dataKey.fill(0);
  }
}

/**
 * The master key: `FILLGATE_MASTER_KEY` (base64 of 32 bytes), or `<dataDir>/master.key`, generated with
 * mode 0600 on first start. Its id is a fingerprint-free label ("env" or "file") plus an optional
 * `FILLGATE_MASTER_KEY_ID` so rotations can tell keys apart.
 */
export function loadMasterKey(env: NodeJS.ProcessEnv, dataDir: string): MasterKey {
  const id = env.FILLGATE_MASTER_KEY_ID ?? 'default';
  const fromEnv = env.FILLGATE_MASTER_KEY;
  if (fromEnv) {
    const key = Buffer.from(fromEnv, 'base64');
    if (key.length !== 32) throw new Error('FILLGATE_MASTER_KEY must be the base64 of exactly 32 bytes.');
    return { id, key };
  }
  const file = path.join(dataDir, 'master.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold the base64 of 32 bytes.`);
  return { id, key };
}
