import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileRangeStream } from '../platform/storage/filesystem/read-stream.js';

/** An HTTP server answering `/?start=&end=` with that byte range of one file, as a FileRangeStream piped into the response. */
export interface RangeServer {
  server: Server;
  base: string;
  /** The file served. */
  path: string;
  stop: () => void;
  /** The handle each request's stream was given, to check it gets closed. */
  handles: FileHandle[];
  /** One per request: resolves when its stream has closed. */
  closed: Promise<void>[];
  /** Errors the streams reported to their owner (as Fastify would get them in Berth). */
  errors: Error[];
}

/**
 * Writes `content` to a file of a temporary folder and serves it; `stop` closes the server and
 * removes the folder. A range past the file's end stands for a file cut short under a download.
 */
export async function startRangeServer(content: Buffer, sendfile: boolean): Promise<RangeServer> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-range-'));
  const path = join(dir, 'blob');
  writeFileSync(path, content);
  const fileLength = content.length;
  const state: Omit<RangeServer, 'server' | 'base' | 'path' | 'stop'> = { handles: [], closed: [], errors: [] };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const start = Number(url.searchParams.get('start') ?? 0);
    const end = Number(url.searchParams.get('end') ?? fileLength);
    void open(path, 'r').then((handle) => {
      state.handles.push(handle);
      const stream = new FileRangeStream(handle, start, end, sendfile);
      state.closed.push(new Promise((resolve) => stream.once('close', () => resolve())));
      stream.on('error', (err) => state.errors.push(err));
      res.setHeader('content-length', end - start);
      stream.pipe(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = () => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { ...state, server, path, stop, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** GET `${base}/?${query}`, through `agent` when given. */
export function getRange(base: string, query: string, agent?: Agent): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => request(`${base}/?${query}`, { agent }, resolve).on('error', reject).end());
}

/** Reads a body with a pause every few chunks, so the sender keeps finding the socket full. */
export async function readSlowly(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) {
    chunks.push(Buffer.from(chunk as Buffer));
    if (chunks.length % 4 === 0) await sleep(5);
  }
  return Buffer.concat(chunks);
}

/**
 * Downloads four overlapping ranges of `content` at once and checks each body is its own range's
 * bytes: a buffer or transfer mixed up between downloads would carry one's bytes into another.
 */
export async function checkDownloadsAtOnce(base: string, content: Buffer, label: string): Promise<void> {
  const ranges = [
    [0, content.length],
    [3, 9_000_003],
    [5_000_000, content.length],
    [1, 2_000_000],
  ] as const;
  const bodies = await Promise.all(ranges.map(async ([start, end]) => readSlowly(await getRange(base, `start=${start}&end=${end}`))));
  const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
  ranges.forEach(([start, end], i) => assert.equal(sha256(bodies[i] as Buffer), sha256(content.subarray(start, end)), `download ${i} ${label}`));
}
