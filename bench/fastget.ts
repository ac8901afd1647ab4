/**
 * A lean keep-alive HTTP/1.1 GET loop on a raw socket, for the read workloads (manifest GET,
 * blob pull).
 *
 * The client shares a 2-core machine with the server, so its cost per request and per byte
 * caps what can be measured: node:http costs ~150 µs per request (≈6k req/s at best) and
 * allocates a Buffer per 64 KiB read (≈550 MiB/s of blob pull at one full core). Here the
 * request is one string, only the status line and framing headers are parsed, and the socket
 * reads into one reused 1 MiB buffer (`onread`), so body bytes are counted and dropped
 * without allocation. One request in flight per connection, no pipelining: what docker does.
 */
import net from 'node:net';
import { assertLoopback } from './client.js';

export interface FastReply {
  status: number;
  /** Body bytes received. */
  bytes: number;
  /** The body of an error (status ≥ 400) response, up to 4 KiB, for the report. */
  errorBody?: string;
  /** The Location header of a redirect. */
  location?: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Offset just past a chunked body starting at `pos` (no trailers), or -1 if incomplete. */
function chunkedEnd(buf: Buffer, pos: number): number {
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) return -1;
    const size = parseInt(buf.toString('latin1', pos, eol), 16);
    if (size === 0) return buf.length >= eol + 4 ? eol + 4 : -1;
    pos = eol + 2 + size + 2;
    if (pos > buf.length) return -1;
  }
}

type State = { kind: 'idle' } | { kind: 'head'; head: Buffer } | { kind: 'body'; remaining: number } | { kind: 'chunked'; body: Buffer };

export class FastGetter {
  private socket: net.Socket | undefined;
  private state: State = { kind: 'idle' };
  private status = 0;
  private bytes = 0;
  private closeAfter = false;
  private location: string | undefined;
  private errorBody: Buffer[] = [];
  private pending: { resolve: (r: FastReply) => void; reject: (e: Error) => void } | undefined;
  private readonly readBuffer = Buffer.allocUnsafe(1024 * 1024);

  constructor(
    private readonly url: URL,
    private readonly timeoutMs = 60_000,
  ) {
    assertLoopback(url);
  }

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({
        host: this.url.hostname,
        port: Number(this.url.port),
        noDelay: true,
        onread: { buffer: this.readBuffer, callback: (n: number, buf: Uint8Array) => this.onRead(Buffer.from(buf.buffer, buf.byteOffset, n)) !== false },
      });
      socket.setTimeout(this.timeoutMs, () => socket.destroy(new Error(`GET ${this.url.href}: no progress in ${this.timeoutMs} ms`)));
      socket.once('connect', () => resolve(socket));
      socket.on('error', (err) => {
        reject(err);
        this.fail(err);
      });
      socket.on('close', () => {
        if (this.socket === socket) this.socket = undefined;
        this.fail(new Error('connection closed mid-response'));
      });
    });
  }

  private fail(err: Error): void {
    const p = this.pending;
    this.pending = undefined;
    this.state = { kind: 'idle' };
    p?.reject(err);
  }

  private complete(): void {
    const p = this.pending;
    this.pending = undefined;
    this.state = { kind: 'idle' };
    if (this.closeAfter) this.socket?.destroy();
    const errorBody = this.status >= 400 ? Buffer.concat(this.errorBody).toString('utf8') : undefined;
    this.errorBody = [];
    p?.resolve({ status: this.status, bytes: this.bytes, errorBody, ...(this.location !== undefined ? { location: this.location } : {}) });
  }

  /** Consumes one read; `data` is only valid during this call, so anything kept is copied. True: keep reading. */
  private onRead(data: Buffer): boolean {
    let off = 0;
    while (off < data.length) {
      const state = this.state;
      if (state.kind === 'idle') return true; // nothing asked for: ignore stray bytes
      if (state.kind === 'head') {
        const before = state.head.length;
        const head = Buffer.concat([state.head, data.subarray(off)]);
        const end = head.indexOf(HEADER_END);
        if (end < 0) {
          this.state = { kind: 'head', head };
          return true;
        }
        off += end + 4 - before;
        this.startBody(head.toString('latin1', 0, end));
      } else if (state.kind === 'body') {
        const take = Math.min(state.remaining, data.length - off);
        if (this.status >= 400 && this.bytes < 4096) this.errorBody.push(Buffer.from(data.subarray(off, off + Math.min(take, 4096))));
        state.remaining -= take;
        this.bytes += take;
        off += take;
        if (state.remaining === 0) this.complete();
      } else {
        state.body = Buffer.concat([state.body, data.subarray(off)]);
        off = data.length;
        const end = chunkedEnd(state.body, 0);
        if (end >= 0) {
          this.bytes = end;
          this.complete();
        }
      }
    }
    return true;
  }

  /** Parses the head and picks the body framing. */
  private startBody(head: string): void {
    const lower = head.toLowerCase();
    this.status = Number(head.slice(9, 12));
    this.bytes = 0;
    this.closeAfter = /\r\nconnection:\s*close/.test(lower);
    // From the head as sent: a presigned URL's signature is case-sensitive.
    this.location = this.status >= 300 && this.status < 400 ? /\r\nlocation:[ \t]*([^\r\n]*)/i.exec(head)?.[1] : undefined;
    const cl = /\r\ncontent-length:\s*(\d+)/.exec(lower);
    if (cl?.[1] && Number(cl[1]) > 0) {
      this.state = { kind: 'body', remaining: Number(cl[1]) };
    } else if (!cl && /\r\ntransfer-encoding:\s*chunked/.test(lower)) {
      this.state = { kind: 'chunked', body: Buffer.alloc(0) };
    } else {
      this.complete(); // Content-Length: 0, or 1xx/204/304
    }
  }

  async get(path: string, headers: Record<string, string>): Promise<FastReply> {
    this.socket ??= await this.connect();
    let request = `GET ${path} HTTP/1.1\r\nHost: ${this.url.host}\r\n`;
    for (const [k, v] of Object.entries(headers)) request += `${k}: ${v}\r\n`;
    request += '\r\n';
    const reply = new Promise<FastReply>((resolve, reject) => {
      this.pending = { resolve, reject };
    });
    this.state = { kind: 'head', head: Buffer.alloc(0) };
    this.socket.write(request);
    return reply;
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }
}
