import { randomBytes } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { JWT_AUDIENCE, JWT_ISSUER } from '../../src/http/jwt-access-tokens.ts';
import { DrizzleOutboxReader } from '../../src/store/outbox-reader.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKind } from '../support/test-database.ts';

type Frame = {
  type: string;
  seq?: number;
  events?: { seq: number; topic: string; payload: unknown }[];
  error?: { code: string };
};
type User = Awaited<ReturnType<Harness['user']>>;

const SECRET = randomBytes(32).toString('hex');

class StreamClient {
  readonly frames: Frame[] = [];
  closeCode: number | undefined;
  private readonly socket: WebSocket;
  readonly opened: Promise<void>;

  constructor(url: string, token?: string) {
    this.socket = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    this.socket.on('message', (data) => this.frames.push(JSON.parse(String(data)) as Frame));
    this.socket.on('close', (code) => (this.closeCode = code));
    this.opened = new Promise((resolve) => this.socket.once('open', () => resolve()));
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  seqs(): number[] {
    return this.frames.flatMap((f) => (f.type === 'events' ? f.events!.map((e) => e.seq) : []));
  }

  async until(done: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`timed out; frames: ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

describe(`real-time stream on ${databaseKind}`, () => {
  let h: Harness;
  let url: string;
  let alice: User;
  let bob: User;
  let feed: DrizzleOutboxReader;

  const place = (user: User) =>
    h.fillgate.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: user.auth,
      payload: { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.001' },
    });

  beforeAll(async () => {
    h = await startHarness({ env: { FILLGATE_JWT_SECRET: SECRET } });
    const address = await h.fillgate.app.listen({ port: 0, host: '127.0.0.1' });
    url = `${address.replace('http', 'ws')}/api/v1/stream`;
    alice = await h.user();
    bob = await h.user();
    feed = new DrizzleOutboxReader(h.fillgate.database.db, h.fillgate.database.listen);
  });
  afterAll(async () => h.close());

  it('a client that disconnects and resumes receives every event exactly once, in order', async () => {
    const first = new StreamClient(url, alice.token);
    await first.until(() => first.frames.some((f) => f.type === 'ready'));
    const start = first.frames.find((f) => f.type === 'ready')!.seq!;
    for (let i = 0; i < 3; i += 1) expect((await place(alice)).statusCode).toBe(201);
    const mid = await feed.latestSeq(alice.userId);
    expect(mid).toBeGreaterThan(start);
    await first.until(() => first.seqs().at(-1) === mid);
    const seenFirst = first.seqs();
    // Drop the connection partway: the client remembers only what it saw.
    const lastSeen = seenFirst.at(-1)!;
    await first.close();

    for (let i = 0; i < 3; i += 1) expect((await place(alice)).statusCode).toBe(201);
    const end = await feed.latestSeq(alice.userId);

    // Token in the first message this time.
    const second = new StreamClient(url);
    await second.opened;
    second.send({ type: 'auth', token: alice.token });
    await second.until(() => second.frames.some((f) => f.type === 'ready'));
    second.send({ type: 'resume', after_seq: lastSeen });
    await second.until(() => second.seqs().at(-1) === end);
    await second.close();

    const all = [...seenFirst, ...second.seqs()];
    expect(all).toEqual(Array.from({ length: end - start }, (_, i) => start + 1 + i));
    const topics = second.frames.flatMap((f) => (f.type === 'events' ? f.events!.map((e) => e.topic) : []));
    expect(topics.some((t) => t.startsWith('order'))).toBe(true);
  });

  it("a user's stream never carries another user's events, even when resuming from 0", async () => {
    const client = new StreamClient(url, bob.token);
    await client.until(() => client.frames.some((f) => f.type === 'ready'));
    client.send({ type: 'resume', after_seq: 0 });
    const placed = await place(alice);
    const aliceOrder = String(placed.json<{ order_id: string }>().order_id);
    await new Promise((r) => setTimeout(r, 500));
    const text = JSON.stringify(client.frames);
    expect(text).not.toContain(alice.userId);
    expect(text).not.toContain(aliceOrder);
    expect(Math.max(0, ...client.seqs())).toBeLessThanOrEqual(await feed.latestSeq(bob.userId));
    await client.close();
  });

  it('refuses forged, expired and missing tokens with the envelope and close code 4401', async () => {
    const key = new TextEncoder().encode(SECRET);
    const base = () =>
      new SignJWT({ role: 'user', scope: 'read trade' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(alice.userId)
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setIssuedAt(Math.floor(Date.now() / 1000) - 3600);
    const attacks = [
      new UnsecuredJWT({ role: 'user', scope: 'read' })
        .setSubject(alice.userId)
        .setExpirationTime('5m')
        .encode(),
      await base()
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(key),
      await base().setExpirationTime('5m').setAudience('other').sign(key),
      await base().setExpirationTime('5m').sign(randomBytes(32)),
      'fg_not-a-token',
    ];
    for (const [i, token] of attacks.entries()) {
      const viaHeader = i % 2 === 0;
      const client = new StreamClient(url, viaHeader ? token : undefined);
      if (!viaHeader) {
        await client.opened;
        client.send({ type: 'auth', token });
      }
      await client.until(() => client.closeCode !== undefined);
      expect(client.closeCode).toBe(4401);
      expect(client.frames[0]).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      expect(client.frames.some((f) => f.type === 'ready' || f.type === 'events')).toBe(false);
    }
    const silent = new StreamClient(url);
    await silent.opened;
    silent.send({ type: 'resume', after_seq: 0 });
    await silent.until(() => silent.closeCode !== undefined);
    expect(silent.closeCode).toBe(4401);
  });
});

describe(`the stream across processes on ${databaseKind}`, () => {
  it('a second server process on the same database delivers events committed through the first (LISTEN/NOTIFY)', async () => {
    const h = await startHarness();
    const { createFillgate } = await import('../../src/main.ts');
    const { loadConfig } = await import('../../src/config.ts');
    const pino = (await import('pino')).default;
    const second = await createFillgate({
      // No fallback poll within the test: delivery must come from the outbox notification (LISTEN/NOTIFY).
      config: loadConfig({
        FILLGATE_JWT_SECRET: 'y'.repeat(32),
        FILLGATE_DATA_DIR: '/nonexistent-test-dir',
        FILLGATE_STREAM_POLL_MS: '3600000',
      }),
      database: h.fillgate.database,
      feed: h.feed,
      logger: pino({ level: 'silent' }),
    });
    try {
      const alice = await h.user();
      const address = await second.app.listen({ port: 0, host: '127.0.0.1' });
      const client = new StreamClient(`${address.replace('http', 'ws')}/api/v1/stream`, alice.token);
      await client.until(() => client.frames.some((f) => f.type === 'ready'));
      const placed = await h.fillgate.app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        headers: alice.auth,
        payload: { symbol: 'BTCUSDT', side: 'buy', type: 'market', quantity: '0.001' },
      });
      expect(placed.statusCode).toBe(201);
      const end = await new DrizzleOutboxReader(h.fillgate.database.db, h.fillgate.database.listen).latestSeq(
        alice.userId,
      );
      await client.until(() => client.seqs().at(-1) === end);
      expect(client.seqs()).toEqual(Array.from({ length: end }, (_, i) => i + 1));
      await client.close();
    } finally {
      await second.stop();
      await h.close();
    }
  });
});
