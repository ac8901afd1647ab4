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

/** The tests' s3rver (src/testing/s3.ts), loaded at run time: the bench is type-checked on its own. */
async function startTestS3(): Promise<TestS3> {
  const module = (await import(pathToFileURL(new URL('../src/testing/s3.ts', import.meta.url).pathname).href)) as { startTestS3: () => Promise<TestS3> };
  return module.startTestS3();
}

/** The S3 operation a request stands for, from its method, query and copy-source header. */
export function s3Operation(req: http.IncomingMessage): string {
  const url = new URL(req.url ?? '/', 'http://s3');
  const q = url.searchParams;
  const copy = req.headers['x-amz-copy-source'] !== undefined;
  const method = req.method ?? 'GET';
  if (q.has('uploads')) return method === 'POST' ? 'CreateMultipartUpload' : 'ListMultipartUploads';
  if (q.has('uploadId')) {
    if (q.has('partNumber')) return copy ? 'UploadPartCopy' : 'UploadPart';
    return method === 'POST' ? 'CompleteMultipartUpload' : method === 'DELETE' ? 'AbortMultipartUpload' : 'ListParts';
  }
  if (q.has('list-type') || (method === 'GET' && url.pathname.split('/').filter(Boolean).length <= 1)) return 'ListObjects';
  if (q.has('delete')) return 'DeleteObjects';
  if (method === 'PUT') return copy ? 'CopyObject' : 'PutObject';
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'DELETE') return 'DeleteObject';
  return `${method} other`;
}

async function main(): Promise<void> {
  const s3 = await startTestS3();
  const counts = new Map<string, number>();
  const proxy = http.createServer((req, res) => {
    if (req.url === '/__bench/counts') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Object.fromEntries(counts)));
    if (req.url === '/__bench/reset') {
      counts.clear();
      return void res.writeHead(204).end();
    }
    const op = s3Operation(req);
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
