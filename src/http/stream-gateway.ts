import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import { envelope } from './error-envelope.ts';
import type { EventFeedPort } from '../execution/event-feed-port.ts';
import type { AccessTokenPort } from '../execution/access-token-port.ts';
import type { IdentityPort } from '../execution/identity-port.ts';
import { bearerToken, resolveBearer } from './authenticate.ts';

export interface StreamOptions {
  /** How often clients with new events get their frame (one frame per client per tick). */
  readonly tickMs: number;
  /** Fallback poll: every client's cursor is checked this often even without a notification. */
  readonly pollMs: number;
  readonly heartbeatMs: number;
  /** Time allowed for the first `{ type: "auth" }` message when no Authorization header was sent. */
  readonly authTimeoutMs: number;
  readonly batchLimit: number;
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  tickMs: 50,
  pollMs: 1_000,
  heartbeatMs: 15_000,
  authTimeoutMs: 5_000,
  batchLimit: 500,
};

interface Client {
  readonly socket: WebSocket;
  userId?: string;
  cursor: number;
  resumeTo?: number;
  busy: boolean;
  /** New events may be waiting (a notification, a resume, the fallback poll, or a full batch). */
  dirty: boolean;
}

const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_BAD_MESSAGE = 4400;
const MAX_BUFFERED_BYTES = 1 << 20;

type ClientMessage =
  { type: 'auth'; token: string } | { type: 'resume'; after_seq: number } | { type: 'ping' };

function parseMessage(raw: string): ClientMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (m.type === 'auth' && typeof m.token === 'string' && m.token.length < 4096)
    return { type: 'auth', token: m.token };
  if (m.type === 'resume' && Number.isSafeInteger(m.after_seq) && (m.after_seq as number) >= 0) {
    return { type: 'resume', after_seq: m.after_seq as number };
  }
  if (m.type === 'ping') return { type: 'ping' };
  return undefined;
}

/**
 * `GET /api/v1/stream`: the caller's outbox events in `seq` order. Every process polls the shared outbox
 * with a cursor per client, so any number of processes deliver the same stream and rows are never deleted.
 */
export class StreamGateway {
  private readonly clients = new Set<Client>();
  private tickTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private unsubscribe: Promise<(() => Promise<void>) | undefined> | undefined;
  private log: FastifyBaseLogger | undefined;

  constructor(
    private readonly feed: EventFeedPort,
    private readonly identity: IdentityPort,
    private readonly accessTokens: AccessTokenPort,
    private readonly options: StreamOptions = DEFAULT_STREAM_OPTIONS,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  plugin(): FastifyPluginAsync {
    return async (app) => {
      this.log = app.log;
      app.get('/stream', { websocket: true }, (socket, request) => {
        void this.accept(socket, request.headers.authorization);
      });
      app.addHook('onClose', async () => this.stop());
    };
  }

  private start(): void {
    this.tickTimer ??= setInterval(() => {
      this.tick().catch((err: unknown) => this.log?.error({ err }, 'stream tick failed; retrying next tick'));
    }, this.options.tickMs);
    this.heartbeatTimer ??= setInterval(() => this.heartbeat(), this.options.heartbeatMs);
    this.pollTimer ??= setInterval(() => this.markDirty(() => true), this.options.pollMs);
    this.unsubscribe ??= this.feed
      .subscribe((userId) => this.markDirty((c) => c.userId === userId))
      .catch((err: unknown) => {
        this.log?.warn({ err }, 'outbox notifications unavailable; the stream falls back to polling');
        return undefined;
      });
  }

  private markDirty(which: (client: Client) => boolean): void {
    for (const client of this.clients) if (which(client)) client.dirty = true;
  }

  async stop(): Promise<void> {
    clearInterval(this.tickTimer);
    clearInterval(this.heartbeatTimer);
    clearInterval(this.pollTimer);
    this.tickTimer = undefined;
    this.heartbeatTimer = undefined;
    this.pollTimer = undefined;
    const unsubscribe = await this.unsubscribe;
    this.unsubscribe = undefined;
    await unsubscribe?.();
    for (const client of this.clients) client.socket.close(1001, 'server shutting down');
    this.clients.clear();
  }

  private send(socket: WebSocket, message: unknown): void {
    socket.send(JSON.stringify(message));
  }

  private reject(socket: WebSocket, message: string): void {
    this.send(socket, envelope('UNAUTHENTICATED', message));
    socket.close(CLOSE_UNAUTHENTICATED, 'unauthenticated');
  }

  private async authenticate(client: Client, token: string): Promise<void> {
    const principal = await resolveBearer(this.identity, this.accessTokens, token);
    if (!principal || !principal.scopes.some((s) => s === 'read' || s === 'admin')) {
      this.reject(client.socket, 'Invalid, expired or revoked token.');
      return;
    }
    client.userId = principal.userId;
    client.cursor = await this.feed.latestSeq(principal.userId);
    client.dirty = true;
    this.send(client.socket, { type: 'ready', user_id: principal.userId, seq: client.cursor });
  }

  private async accept(socket: WebSocket, authorization: string | undefined): Promise<void> {
    const client: Client = { socket, cursor: 0, busy: false, dirty: false };
    this.clients.add(client);
    this.start();
    socket.on('close', () => this.clients.delete(client));
    socket.on('message', (data) => {
      const message = parseMessage(String(data));
      if (!message) {
        this.send(socket, envelope('VALIDATION_FAILED', 'Unknown or malformed message.'));
        socket.close(CLOSE_BAD_MESSAGE, 'bad message');
        return;
      }
      if (message.type === 'auth') {
        if (client.userId) return;
        void this.authenticate(client, message.token);
      } else if (!client.userId) {
        this.reject(socket, 'Authenticate first: { "type": "auth", "token": "..." }.');
      } else if (message.type === 'resume') {
        client.resumeTo = message.after_seq;
        client.dirty = true;
      } else {
        this.send(socket, { type: 'pong', ts: new Date().toISOString() });
      }
    });
    const token = bearerToken(authorization);
    if (token) {
      await this.authenticate(client, token);
      return;
    }
    setTimeout(() => {
      if (!client.userId && this.clients.has(client))
        this.reject(socket, 'No token within the time allowed.');
    }, this.options.authTimeoutMs).unref();
  }

  private heartbeat(): void {
    const ts = new Date().toISOString();
    for (const client of this.clients) if (client.userId) this.send(client.socket, { type: 'heartbeat', ts });
  }

  /** One frame per client per tick with everything after its cursor (up to the batch limit). */
  private async tick(): Promise<void> {
    await Promise.all(
      [...this.clients].map(async (client) => {
        if (!client.userId || !client.dirty || client.busy) return;
        if (client.socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
        client.busy = true;
        client.dirty = false;
        try {
          if (client.resumeTo !== undefined) {
            client.cursor = client.resumeTo;
            client.resumeTo = undefined;
          }
          const events = await this.feed.eventsAfter(client.userId, client.cursor, this.options.batchLimit);
          const last = events[events.length - 1];
          if (!last || client.resumeTo !== undefined || client.socket.readyState !== client.socket.OPEN)
            return;
          client.cursor = last.seq;
          if (events.length === this.options.batchLimit) client.dirty = true;
          this.send(client.socket, {
            type: 'events',
            events: events.map((e) => ({
              seq: e.seq,
              topic: e.topic,
              payload: e.payload,
              created_at: e.createdAt.toISOString(),
            })),
          });
        } finally {
          client.busy = false;
        }
      }),
    );
  }
}
