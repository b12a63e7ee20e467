import http from 'node:http';
import { postJson, type JsonAnswer } from './post-json.ts';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/**
 * Commit → WebSocket client latency of `GET /api/v1/stream`.
 *
 * Clock: the clients, the HTTP sender and the server share this process, so every time below is one
 * monotonic clock (`performance.now()`), no clock skew to correct.
 *
 * Commit time: the outbox rows of an order are written in the order's own transaction, so they are
 * committed before the server writes the HTTP 201. The outbox row's `created_at` is no good as a commit
 * time: it is `now()`, the transaction's *start*, and it is a wall-clock timestamp, not this clock. So per
 * order we keep two client-side times that bracket the commit:
 *  - `sent`: the request left the client (before the commit),
 *  - `acked`: the 201 arrived at the client (after the commit).
 * An order commits two transactions with events: the first (`order.created`) before the venue is asked,
 * the last (`position.updated`, `fill`, `order.updated`, `balance`, `audit`) just before the 201 is written.
 * Each delivery of one of the last transaction's events to a client is reported as
 *  - "after ack" = receive − acked: a lower bound of commit → client, close to it since the 201 follows the
 *    commit at once (it may be slightly negative when the stream frame overtakes the HTTP answer), and
 *  - "after send" = receive − sent: an upper bound (it includes the order's whole execution).
 * `order.created` commits well before the 201, so only its upper bound is reported.
 * Events are tied to their order by the order id in the payload; `position.updated` and `balance` carry
 * none and take the order of their transaction (the neighbouring events with the same `created_at`, the
 * transaction's start: a transaction's rows are consecutive in `seq` and always arrive in one frame).
 * The baseline is the same orders' HTTP round trip (sent → acked), measured in the same moment.
 */
export interface StreamLatencyOptions {
  readonly host: string;
  readonly port: number;
  /** One token per user; every user gets `clientsPerUser` WebSocket clients. */
  readonly tokens: readonly string[];
  readonly clientsPerUser: number;
  readonly orders: number;
  /** Time between two order sends (orders do not wait for the previous answer). */
  readonly paceMs: number;
  readonly body: Readonly<Record<string, string>>;
  /** The users' current event sequence, straight from the database (user id → `users.event_seq`). */
  readonly latestSeqs: (userIds: readonly string[]) => Promise<ReadonlyMap<string, number>>;
  readonly timeoutMs?: number;
}

export interface Percentiles {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface StreamLatencyResult {
  readonly clients: number;
  readonly users: number;
  readonly orders: number;
  readonly orderFailures: number;
  /** Every event frame entry any client received, for any topic. */
  readonly deliveries: number;
  /** Deliveries of the bench's orders' events, by topic. */
  readonly timedByTopic: ReadonlyMap<string, number>;
  /** Deliveries not tied to a bench order (none expected). */
  readonly unattributed: number;
  /** The order's last transaction (fill, order.updated, …): commit → client, bounds. */
  readonly afterAck: Percentiles;
  readonly afterSend: Percentiles;
  /** `order.created` (the order's first transaction): upper bound only. */
  readonly createdAfterSend: Percentiles;
  /** The baseline: the same orders' HTTP round trip. */
  readonly httpAck: Percentiles;
  readonly wallMs: number;
  /** Gaps, duplicates, reordering, missing events, failed orders: empty when the run is sound. */
  readonly problems: readonly string[];
}

interface Client {
  readonly index: number;
  readonly user: number;
  readonly socket: WebSocket;
  userId?: string;
  readySeq?: number;
  lastSeq: number;
  received: number;
}

interface OrderTiming {
  readonly sent: number;
  acked?: number;
  orderId?: string;
}

function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => {
    if (sorted.length === 0) return Number.NaN;
    return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
  };
  return { count: sorted.length, p50Ms: at(50), p99Ms: at(99) };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, done: () => boolean, deadline: number): Promise<void> {
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`stream bench: timed out waiting for ${what}`);
    await sleep(5);
  }
}

interface StreamEvent {
  readonly seq: number;
  readonly topic: string;
  readonly payload: { readonly id?: unknown; readonly order_id?: unknown } | null;
  readonly created_at: string;
}

function ownOrderId(event: StreamEvent): string | undefined {
  const id =
    event.topic === 'order.created' || event.topic === 'order.updated'
      ? event.payload?.id
      : event.topic === 'fill' || event.topic === 'audit'
        ? event.payload?.order_id
        : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** Each event's order: its own, else that of the nearest event of the same transaction in the frame. */
function orderIds(events: readonly StreamEvent[]): (string | undefined)[] {
  const own = events.map(ownOrderId);
  return events.map((event, i) => {
    if (own[i]) return own[i];
    for (const step of [1, -1]) {
      for (let j = i + step; j >= 0 && j < events.length; j += step) {
        if (events[j]!.created_at !== event.created_at) break;
        if (own[j]) return own[j];
      }
    }
    return undefined;
  });
}

export async function runStreamLatency(options: StreamLatencyOptions): Promise<StreamLatencyResult> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = performance.now() + timeoutMs;
  const problems: string[] = [];
  const problem = (message: string): void => {
    if (problems.length < 20) problems.push(message);
  };
  const orders: OrderTiming[] = [];
  const byOrderId = new Map<string, OrderTiming>();
  /** Deliveries that arrived before their order's answer: order id → receive times. */
  const early = new Map<string, { topic: string; receivedAt: number }[]>();
  const afterAck: number[] = [];
  const afterSend: number[] = [];
  const createdAfterSend: number[] = [];
  const timedByTopic = new Map<string, number>();
  let unattributed = 0;
  const time = (order: OrderTiming & { acked: number }, topic: string, receivedAt: number): void => {
    if (topic === 'order.created') {
      createdAfterSend.push(receivedAt - order.sent);
      return;
    }
    afterAck.push(receivedAt - order.acked);
    afterSend.push(receivedAt - order.sent);
  };
  let deliveries = 0;

  const record = (orderId: string, topic: string, receivedAt: number): void => {
    timedByTopic.set(topic, (timedByTopic.get(topic) ?? 0) + 1);
    const order = byOrderId.get(orderId);
    if (order?.acked === undefined) {
      early.set(orderId, [...(early.get(orderId) ?? []), { topic, receivedAt }]);
      return;
    }
    time({ ...order, acked: order.acked }, topic, receivedAt);
  };

  const clients: Client[] = [];
  const url = `ws://${options.host}:${options.port}/api/v1/stream`;
  for (let user = 0; user < options.tokens.length; user += 1) {
    for (let k = 0; k < options.clientsPerUser; k += 1) {
      const socket = new WebSocket(url, { headers: { authorization: `Bearer ${options.tokens[user]}` } });
      const client: Client = { index: clients.length, user, socket, lastSeq: 0, received: 0 };
      clients.push(client);
      socket.on('error', (error) => problem(`client ${client.index}: ${error.message}`));
      socket.on('close', (code) => {
        if (code !== 1000 && code !== 1005) problem(`client ${client.index}: closed with ${code}`);
      });
      socket.on('message', (data) => {
        const receivedAt = performance.now();
        const frame = JSON.parse(String(data)) as {
          type?: string;
          user_id?: string;
          seq?: number;
          events?: StreamEvent[];
        };
        if (frame.type === 'ready') {
          client.userId = frame.user_id;
          client.readySeq = frame.seq ?? 0;
          client.lastSeq = client.readySeq;
        } else if (frame.type === 'events') {
          const events = frame.events ?? [];
          const ids = orderIds(events);
          for (const [i, event] of events.entries()) {
            deliveries += 1;
            client.received += 1;
            if (event.seq !== client.lastSeq + 1) {
              problem(`client ${client.index}: seq ${event.seq} after ${client.lastSeq}`);
            }
            client.lastSeq = Math.max(client.lastSeq, event.seq);
            const orderId = ids[i];
            if (orderId) record(orderId, event.topic, receivedAt);
            else unattributed += 1;
          }
        } else if (frame.type !== 'heartbeat') {
          problem(`client ${client.index}: unexpected frame ${String(data).slice(0, 200)}`);
        }
      });
    }
  }

  try {
    await waitFor('every client to be ready', () => clients.every((c) => c.readySeq !== undefined), deadline);
    const started = performance.now();

    const agent = new http.Agent({ keepAlive: true, maxSockets: options.tokens.length });
    const payload = JSON.stringify(options.body);
    let orderFailures = 0;
    const place = async (token: string): Promise<void> => {
      const order: OrderTiming = { sent: performance.now() };
      orders.push(order);
      let answer: JsonAnswer;
      try {
        answer = await postJson(
          agent,
          { host: options.host, port: options.port, path: '/api/v1/orders' },
          token,
          payload,
        );
      } catch (error) {
        orderFailures += 1;
        problem(`order: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      order.acked = performance.now();
      const orderId =
        answer.statusCode === 201 ? (JSON.parse(answer.body) as { order_id?: unknown }).order_id : undefined;
      if (typeof orderId === 'string') {
        order.orderId = orderId;
        byOrderId.set(orderId, order);
        const acked = { ...order, acked: order.acked };
        for (const e of early.get(orderId) ?? []) time(acked, e.topic, e.receivedAt);
        early.delete(orderId);
      } else {
        orderFailures += 1;
        problem(`order: HTTP ${answer.statusCode}: ${answer.body.slice(0, 200)}`);
      }
    };
    const answers: Promise<void>[] = [];
    try {
      for (let i = 0; i < options.orders; i += 1) {
        answers.push(place(options.tokens[i % options.tokens.length]!));
        await sleep(options.paceMs);
      }
      await Promise.all(answers);
    } finally {
      agent.destroy();
    }

    // Every client must reach its user's current sequence; ask again once it has, in case a worker
    // published something later, until the database and the clients agree.
    const userIds = [...new Set(clients.map((c) => c.userId!))];
    for (;;) {
      const latest = await options.latestSeqs(userIds);
      await waitFor(
        'every client to receive its user’s events',
        () => clients.every((c) => c.lastSeq >= (latest.get(c.userId!) ?? 0)),
        deadline,
      ).catch((error: unknown) => {
        problem(error instanceof Error ? error.message : String(error));
      });
      if (problems.length > 0) break;
      await sleep(200);
      const again = await options.latestSeqs(userIds);
      if (userIds.every((id) => again.get(id) === latest.get(id))) {
        for (const c of clients) {
          const expected = (latest.get(c.userId!) ?? 0) - c.readySeq!;
          if (c.received !== expected || c.lastSeq !== latest.get(c.userId!)) {
            problem(`client ${c.index}: received ${c.received} events, expected ${expected}`);
          }
        }
        break;
      }
    }
    const wallMs = performance.now() - started;
    for (const [orderId] of early) problem(`events for unknown order ${orderId}`);
    // Every client of an order's user receives at least the order's own order.updated.
    const expectedTimed = orders.filter((o) => o.orderId !== undefined).length * options.clientsPerUser;
    if ((timedByTopic.get('order.updated') ?? 0) < expectedTimed) {
      problem(
        `${timedByTopic.get('order.updated') ?? 0} order.updated deliveries, expected ≥ ${expectedTimed}`,
      );
    }
    return {
      clients: clients.length,
      users: options.tokens.length,
      orders: orders.length,
      orderFailures,
      deliveries,
      timedByTopic,
      afterAck: percentiles(afterAck),
      afterSend: percentiles(afterSend),
      createdAfterSend: percentiles(createdAfterSend),
      unattributed,
      httpAck: percentiles(orders.filter((o) => o.acked !== undefined).map((o) => o.acked! - o.sent)),
      wallMs,
      problems,
    };
  } finally {
    await Promise.all(
      clients.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.socket.readyState === WebSocket.CLOSED) return resolve();
            c.socket.once('close', () => resolve());
            c.socket.close(1000);
          }),
      ),
    );
  }
}
