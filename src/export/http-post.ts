import http from 'node:http';
import https from 'node:https';
import { unrefAgent } from './unref-agent.js';

/** Sockets unref'd even in flight: an export never keeps a finished script alive. */
const agents = { http: unrefAgent(false), https: unrefAgent(true) };

/** Response bodies read at most this far (an error message is all we want from them). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POST `body` to `url`; resolves on a 2xx answer, rejects with an Error naming the
 * status (or the network error) otherwise. For exporters' transports: aborting
 * `signal` destroys the request. Sockets are unref'd, idle or in flight (see
 * unref-agent.ts), so they never hold the process open.
 */
export function httpPost(url: URL, body: string | Uint8Array, headers: Record<string, string>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request(
      url,
      {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal,
      },
      (response) => {
        let size = 0;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('error', reject);
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`HTTP ${status} from ${url.origin}${url.pathname}: ${Buffer.concat(chunks).toString('utf8').slice(0, 500)}`));
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
