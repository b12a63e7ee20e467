import http from 'node:http';
import { postJson } from './post-json.ts';

export interface SignalLatencyResult {
  readonly latenciesNs: bigint[];
  readonly wallNs: bigint;
  readonly failures: number;
  readonly failureSamples: string[];
}

/**
 * Sends `count` enter_trade signals one after another over one keep-alive connection and times each
 * from send until the answer says the position is open (`in_position`).
 */
export async function runSignalLatency(options: {
  readonly port: number;
  readonly token: string;
  readonly count: number;
  readonly stopLoss: string;
}): Promise<SignalLatencyResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latenciesNs: bigint[] = [];
  const failureSamples: string[] = [];
  let failures = 0;
  const started = process.hrtime.bigint();
  try {
    for (let i = 0; i < options.count; i += 1) {
      const payload = JSON.stringify({
        signal_id: `bench-${started}-${i}`,
        symbol: 'BTCUSDT',
        side: 'buy',
        decision: 'enter_trade',
        stop_loss: options.stopLoss,
        sizing: { mode: 'fixed_quote', value: '100' },
      });
      const sent = process.hrtime.bigint();
      const answer = await postJson(
        agent,
        { host: '127.0.0.1', port: options.port, path: '/api/v1/signals' },
        options.token,
        payload,
      );
      const elapsed = process.hrtime.bigint() - sent;
      const opened =
        answer.statusCode === 201 &&
        (JSON.parse(answer.body) as { status?: string }).status === 'in_position';
      if (opened) {
        latenciesNs.push(elapsed);
      } else {
        failures += 1;
        if (failureSamples.length < 5)
          failureSamples.push(`HTTP ${answer.statusCode}: ${answer.body.slice(0, 300)}`);
      }
    }
  } finally {
    agent.destroy();
  }
  return { latenciesNs, wallNs: process.hrtime.bigint() - started, failures, failureSamples };
}
