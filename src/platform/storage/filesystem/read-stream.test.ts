import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { copyBuffers } from '../../lib/index.js';
import { FileRangeStream } from './read-stream.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('file range streams', () => {
  let dir: string;
  let path: string;
  // Larger than what loopback sockets buffer, so that writes wait for the reader.
  const content = randomBytes(16 * 1024 * 1024 + 12345);
  let server: Server;
  let base: string;
  /** The handle each request's stream was given, to check it gets closed. */
  const handles: FileHandle[] = [];
  const closed: Promise<void>[] = [];
  const errors: Error[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-range-'));
    path = join(dir, 'blob');
    writeFileSync(path, content);
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const start = Number(url.searchParams.get('start') ?? 0);
      const end = Number(url.searchParams.get('end') ?? content.length);
      void open(path, 'r').then((handle) => {
        handles.push(handle);
        const stream = new FileRangeStream(handle, start, end);
        closed.push(new Promise((resolve) => stream.once('close', () => resolve())));
        // As a pipe leaves it, the source's error is its owner's to handle (Fastify's, in Berth).
        stream.on('error', (err) => errors.push(err));
        res.setHeader('content-length', end - start);
        stream.pipe(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function get(query: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => request(`${base}/?${query}`, resolve).on('error', reject).end());
  }

  /** Reads a response slowly: a pause after every chunk, so the server's writes queue behind the socket. */
  async function readSlowly(response: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of response) {
      chunks.push(Buffer.from(chunk as Buffer));
      if (chunks.length % 4 === 0) await sleep(5);
    }
    return Buffer.concat(chunks);
  }

  it('sends every byte of a file into an HTTP response whose reader lags behind', async () => {
    const body = await readSlowly(await get(''));
    assert.equal(body.length, content.length);
    assert.equal(sha256(body), sha256(content));
    await closed.at(-1);
  });

  it('sends exactly a byte range', async () => {
    const body = await readSlowly(await get('start=1000001&end=12500000'));
    assert.equal(sha256(body), sha256(content.subarray(1000001, 12500000)));
  });

  it('sends each of several downloads at once its own bytes while they share buffers', async () => {
    // Two buffers per download come from one pool and go back to it when the download is whole:
    // a buffer handed back too early would carry one download's bytes into another's body.
    for (let round = 0; round < 2; round++) {
      const ranges = [
        [0, content.length],
        [3, 9_000_003],
        [5_000_000, content.length],
        [1, 2_000_000],
      ] as const;
      const bodies = await Promise.all(ranges.map(async ([start, end]) => readSlowly(await get(`start=${start}&end=${end}`))));
      ranges.forEach(([start, end], i) => assert.equal(sha256(bodies[i] as Buffer), sha256(content.subarray(start, end)), `download ${i} of round ${round}`));
    }
    assert.ok(copyBuffers.idleCount >= 2, 'whole downloads give their buffers back');
  });

  it('closes the file when the client goes away mid-download', async () => {
    const response = await get('');
    const count = handles.length;
    await new Promise<void>((resolve) => response.once('data', () => resolve()));
    response.destroy();
    const idle = copyBuffers.idleCount;
    await closed[count - 1];
    assert.equal(handles[count - 1]?.fd, -1);
    assert.ok(copyBuffers.idleCount <= idle, 'a cut-off download does not give back buffers a write may still hold');
    assert.equal(errors.length, 1, 'the cut-off download is reported to the stream owner');
  });

  it('gives any other reader buffers of its own, which it may keep', async () => {
    const handle = await open(path, 'r');
    const chunks: Buffer[] = [];
    for await (const chunk of new FileRangeStream(handle, 0, content.length)) chunks.push(chunk as Buffer);
    assert.ok(chunks.length > 1);
    assert.equal(new Set(chunks.map((c) => c.buffer)).size, chunks.length, 'each chunk has its own memory');
    assert.equal(sha256(Buffer.concat(chunks)), sha256(content));
    assert.equal(handle.fd, -1);
  });

  it('reports a file shorter than its range as an error, not as a short body', async () => {
    const handle = await open(path, 'r');
    const stream = new FileRangeStream(handle, 0, content.length + 10);
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) void chunk;
      })(),
      /file ended before the requested range/,
    );
  });
});
