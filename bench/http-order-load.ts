import http from 'node:http';

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

interface Answer {
  readonly statusCode: number;
  readonly body: string;
}

function post(
  agent: http.Agent,
  options: HttpOrderLoadOptions,
  token: string,
  payload: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: options.host,
        port: options.port,
        method: 'POST',
        path: '/api/v1/orders',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ statusCode: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

function placedOrderId(answer: Answer): string | undefined {
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
      let answer: Answer;
      try {
        answer = await post(agent, options, token, payload);
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
