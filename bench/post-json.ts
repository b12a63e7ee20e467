import http from 'node:http';

export interface JsonAnswer {
  readonly statusCode: number;
  readonly body: string;
}

/** One authenticated JSON POST over the given keep-alive agent; resolves with the whole answer. */
export function postJson(
  agent: http.Agent,
  target: { readonly host: string; readonly port: number; readonly path: string },
  token: string,
  payload: string,
): Promise<JsonAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: target.host,
        port: target.port,
        method: 'POST',
        path: target.path,
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
