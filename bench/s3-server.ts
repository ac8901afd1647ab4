/**
 * A fake S3 endpoint for the bench, in a process of its own: s3rver (src/testing/s3.ts) behind a
 * counting proxy. Prints `{"endpoint","bucket"}` as one JSON line once it listens. The proxy
 * counts every request by S3 operation; `GET /__bench/counts` answers the counts so far and
 * `POST /__bench/reset` sets them to zero (no bucket name starts with `_`, so neither reaches S3).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

interface TestS3 {
  port: number;
  bucket: string;
  stop(): Promise<void>;
}

/** What the bench takes from the tests' s3rver (src/testing/s3.ts), loaded at run time: the bench is type-checked on its own. */
interface TestS3Module {
  startTestS3(): Promise<TestS3>;
  s3Operation(request: { method: string; path: string; has(parameter: string): boolean; copies: boolean }): string;
}

const testS3 = (): Promise<TestS3Module> => import(pathToFileURL(new URL('../src/testing/s3.ts', import.meta.url).pathname).href) as Promise<TestS3Module>;

/** The S3 operation a request stands for (the tests' own naming). */
function s3Operation(module: TestS3Module, req: http.IncomingMessage): string {
  const url = new URL(req.url ?? '/', 'http://s3');
  return module.s3Operation({
    method: req.method ?? 'GET',
    path: url.pathname,
    has: (name) => url.searchParams.has(name),
    copies: req.headers['x-amz-copy-source'] !== undefined,
  });
}

async function main(): Promise<void> {
  const module = await testS3();
  const s3 = await module.startTestS3();
  const counts = new Map<string, number>();
  const proxy = http.createServer((req, res) => {
    if (req.url === '/__bench/counts') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Object.fromEntries(counts)));
    if (req.url === '/__bench/reset') {
      counts.clear();
      return void res.writeHead(204).end();
    }
    const op = s3Operation(module, req);
    counts.set(op, (counts.get(op) ?? 0) + 1);
    const upstream = http.request({ host: '127.0.0.1', port: s3.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  proxy.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ endpoint: `http://127.0.0.1:${port}`, bucket: s3.bucket })}\n`);
  const stop = (): void => {
    proxy.close();
    void s3.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
