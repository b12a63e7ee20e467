import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as Sentry from '@sentry/node';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleError } from '../../src/http/error-envelope.ts';
import { startSentry } from '../../src/observability/start-sentry.ts';

describe('Sentry reporting of unhandled errors (SENTRY_DSN set)', () => {
  let server: Server;
  const envelopes: string[] = [];

  beforeAll(async () => {
    // A stand-in Sentry ingest endpoint on loopback: what would leave the process arrives here.
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        envelopes.push(Buffer.concat(chunks).toString('utf8'));
        response.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await Sentry.close(2_000);
    await new Promise((resolve) => server.close(resolve));
  });

  it("reports the error handler's 500 with the stack, without the request's headers, body or query", async () => {
    const port = (server.address() as AddressInfo).port;
    const report = await startSentry(`http://publickey@127.0.0.1:${port}/1`, 'test');
    const app = Fastify();
    app.setErrorHandler((error, request, reply) => handleError(error, request, reply, report));
    app.post('/boom', async () => {
      throw new Error('boom from a route');
    });
    const res = await app.inject({
      method: 'POST',
      url: '/boom?api_key=query-canary',
      headers: { authorization: 'Bearer fg_header-canary', cookie: 'session=cookie-canary' },
      payload: { api_secret: 'body-canary' },
    });
    expect(res.statusCode).toBe(500);
    expect(await Sentry.flush(5_000)).toBe(true);

    const sent = envelopes.join('\n');
    expect(sent).toContain('boom from a route');
    for (const canary of ['header-canary', 'cookie-canary', 'body-canary', 'query-canary']) {
      expect(sent).not.toContain(canary);
    }
    await app.close();
  });
});
