import http from 'node:http';
import { postJson, type JsonAnswer } from './post-json.ts';

export interface HttpOrderLoadOptions {
  readonly host: string;
  readonly port: number;
  /** One bearer token per connection: worker i sends as `tokens[i]`. */
  readonly tokens: readonly string[];
  readonly connections: number;
  readonly orders: number;
  readonly body: Readonly<Record<string, string>>;
}

export interface HttpOrderLoadResult {
  readonly latenciesNs: readonly bigint[];
  readonly wallNs: bigint;
  readonly failures: number;
  /** The first few failures, for the report. */
  readonly failureSamples: readonly string[];
  readonly exchangeOrderIds: readonly string[];
}

function placedOrderId(answer: JsonAnswer): string | undefined {
  if (answer.statusCode !== 201) return undefined;
  try {
    const parsed = JSON.parse(answer.body) as { status?: unknown; exchange_order_id?: unknown };
    return parsed.status === 'PLACED' && typeof parsed.exchange_order_id === 'string'
      ? parsed.exchange_order_id
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Exactly `connections` keep-alive connections, one worker each: a worker sends its next order when its
 * previous one is answered, until `orders` have been sent in all. Every answer must be 201 PLACED.
 */
export async function runHttpOrderLoad(options: HttpOrderLoadOptions): Promise<HttpOrderLoadResult> {
  if (options.tokens.length < options.connections) {
    throw new RangeError(
      `${options.connections} connections need as many tokens, got ${options.tokens.length}`,
    );
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const payload = JSON.stringify(options.body);
  const latenciesNs: bigint[] = [];
  const exchangeOrderIds: string[] = [];
  const failureSamples: string[] = [];
  let failures = 0;
  let claimed = 0;

  const worker = async (token: string): Promise<void> => {
    while (claimed < options.orders) {
      claimed += 1;
      const sent = process.hrtime.bigint();
      let answer: JsonAnswer;
      try {
        answer = await postJson(agent, { ...options, path: '/api/v1/orders' }, token, payload);
      } catch (error) {
        failures += 1;
        if (failureSamples.length < 5)
          failureSamples.push(error instanceof Error ? error.message : String(error));
        continue;
      }
      latenciesNs.push(process.hrtime.bigint() - sent);
      const exchangeOrderId = placedOrderId(answer);
      if (exchangeOrderId) {
        exchangeOrderIds.push(exchangeOrderId);
      } else {
        failures += 1;
        if (failureSamples.length < 5)
          failureSamples.push(`HTTP ${answer.statusCode}: ${answer.body.slice(0, 300)}`);
      }
    }
  };

  const started = process.hrtime.bigint();
  try {
    await Promise.all(options.tokens.slice(0, options.connections).map(worker));
  } finally {
    agent.destroy();
  }
  const wallNs = process.hrtime.bigint() - started;
  return { latenciesNs, wallNs, failures, failureSamples, exchangeOrderIds };
}
