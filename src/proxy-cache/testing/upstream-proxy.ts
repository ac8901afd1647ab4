import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the stand-in in front of the upstream behaves: pass requests on, rate-limit them all, or drop every connection. */
export type UpstreamMode = 'pass' | 'rate-limited' | 'down';

export interface CountingProxy {
  readonly url: string;
  mode: UpstreamMode;
  /** Requests passed on, by `METHOD path`. */
  count(method: string, path: string): number;
  close(): Promise<void>;
}

/**
 * A small HTTP proxy in front of a registry: counts what reaches the upstream, and can answer
 * 429 (as Docker Hub does when its pull limit is spent) or drop connections (the upstream is down).
 */
export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  const counts = new Map<string, number>();
  const target = new URL(upstream);
  const state: { mode: UpstreamMode } = { mode: 'pass' };
  const server: Server = createServer((req, res) => {
    if (state.mode === 'down') return void req.socket.destroy();
    if (state.mode === 'rate-limited') {
      res.writeHead(429, { 'content-type': 'application/json' });
      return void res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}');
    }
    const key = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const forwarded = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(mode: UpstreamMode) {
      state.mode = mode;
    },
    count: (method, path) => counts.get(`${method} ${path}`) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
