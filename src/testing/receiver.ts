import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A webhook receiver on a random port; `failFirst` paths answer 500 that many times first. */
export class Receiver {
  readonly received: Received[] = [];
  /** What the receiver answers a delivery it takes. */
  answer = 'ok';
  private readonly failures = new Map<string, number>();
  private server!: Server;
  url = '';

  failFirst(path: string, times: number): void {
    this.failures.set(path, times);
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let text = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (text += chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        const left = this.failures.get(path) ?? 0;
        if (left > 0) {
          this.failures.set(path, left - 1);
          response.writeHead(500).end('not now');
          return;
        }
        this.received.push({ path, headers: request.headers, body: JSON.parse(text) as Record<string, unknown> });
        response.writeHead(200).end(this.answer);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Waits for a delivery to `path` matching `test`. */
  async waitFor(path: string, test: (r: Received) => boolean, timeoutMs = 15_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((r) => r.path === path && test(r));
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no delivery to ${path} within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((r) => [r.path, r.body.type]))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
