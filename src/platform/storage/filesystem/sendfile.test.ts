import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileRangeStream } from './read-stream.js';
import { SENDFILE_MIN_BYTES, sendfileStatus } from './sendfile.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const available = sendfileStatus().available;
// CI builds the module (npm ci runs native/build.mjs): there, its absence is a failure, not a skip.
if (!available && process.env.CI === 'true') throw new Error('CI=true but the sendfile module is not built (build/Release/berth_native.node)');
if (!available) console.log('# skipping the sendfile tests: the native module is not built here (npm install builds it where a C compiler is at hand)');

/** Waits until `check` holds, polling; fails after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
}

describe('blob downloads by sendfile', { skip: !available }, () => {
  let dir: string;
  let path: string;
  // Far larger than loopback socket buffers, so the transfer waits on the reader.
  const content = randomBytes(24 * 1024 * 1024 + 4321);
  let server: Server;
  let base: string;
  const errors: Error[] = [];
  const closed: Promise<void>[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-sendfile-'));
    path = join(dir, 'blob');
    writeFileSync(path, content);
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const start = Number(url.searchParams.get('start') ?? 0);
      // A range past the file's end stands for a file cut short under a download.
      const end = Number(url.searchParams.get('end') ?? content.length);
      void open(path, 'r').then((handle) => {
        const stream = new FileRangeStream(handle, start, end, true);
        closed.push(new Promise((resolve) => stream.once('close', () => resolve())));
        stream.on('error', (err) => errors.push(err));
        res.setHeader('content-length', end - start);
        stream.pipe(res);
      });
    });
    // As Berth's server has: a connection silent this long is ended.
    server.setTimeout(1500);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function get(query: string, agent?: Agent): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => request(`${base}/?${query}`, { agent }, resolve).on('error', reject).end());
  }

  /** The local port of the connection a response came on: the same port means the same connection. */
  const localPort = (response: IncomingMessage) => response.socket.localPort;

  /** Reads a body with pauses, so the sender keeps finding the socket full. */
  async function readSlowly(response: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of response) {
      chunks.push(Buffer.from(chunk as Buffer));
      if (chunks.length % 8 === 0) await sleep(2);
    }
    return Buffer.concat(chunks);
  }

  it('sends every byte of a file, by sendfile, to a reader that lags behind', async () => {
    const before = sendfileStatus().started;
    const body = await readSlowly(await get(''));
    assert.equal(body.length, content.length);
    assert.equal(sha256(body), sha256(content));
    assert.equal(sendfileStatus().started, before + 1, 'the download went by sendfile');
    await closed.at(-1);
    assert.equal(sendfileStatus().running, 0);
  });

  it('sends exactly a byte range', async () => {
    const body = await readSlowly(await get('start=1000001&end=12500000'));
    assert.equal(sha256(body), sha256(content.subarray(1000001, 12500000)));
  });

  it('copies a range too small to be worth a thread, with the same bytes', async () => {
    const before = sendfileStatus().started;
    const body = await readSlowly(await get(`start=7&end=${7 + SENDFILE_MIN_BYTES - 1}`));
    assert.equal(sha256(body), sha256(content.subarray(7, 7 + SENDFILE_MIN_BYTES - 1)));
    assert.equal(sendfileStatus().started, before, 'copied, not sent by sendfile');
  });

  it('answers the next request on a kept-alive connection after a download', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get('start=0&end=3000000', agent);
      const port = localPort(first);
      assert.equal(sha256(await readSlowly(first)), sha256(content.subarray(0, 3000000)));
      const second = await get('start=5&end=4000005', agent);
      assert.equal(localPort(second), port, 'the same connection carries the second download');
      assert.equal(sha256(await readSlowly(second)), sha256(content.subarray(5, 4000005)));
    } finally {
      agent.destroy();
    }
  });

  it('sends each of several downloads at once its own bytes', async () => {
    const ranges = [
      [0, content.length],
      [3, 9_000_003],
      [5_000_000, content.length],
      [1, 2_000_000],
    ] as const;
    const bodies = await Promise.all(ranges.map(async ([start, end]) => readSlowly(await get(`start=${start}&end=${end}`))));
    ranges.forEach(([start, end], i) => assert.equal(sha256(bodies[i] as Buffer), sha256(content.subarray(start, end)), `download ${i}`));
    await until(() => sendfileStatus().running === 0, 2000, 'every transfer ends');
  });

  it('stops and closes the file when the client goes away mid-download', async () => {
    const errorsBefore = errors.length;
    const response = await get('');
    await new Promise<void>((resolve) => response.once('data', () => resolve()));
    response.destroy();
    await closed.at(-1);
    await until(() => sendfileStatus().running === 0, 2000, 'the transfer ends');
    assert.equal(errors.length, errorsBefore + 1, 'the cut-off download is reported to the stream owner');
  });

  it('ends the connection of a client that stops reading, after the idle timeout', async () => {
    const response = await get('');
    const ended = new Promise<string>((resolve) => {
      response.once('aborted', () => resolve('aborted'));
      response.once('error', () => resolve('error'));
      response.once('end', () => resolve('end'));
    });
    // Reads one chunk, then nothing: the socket fills and the transfer waits on the client.
    await new Promise<void>((resolve) => response.once('data', () => resolve()));
    response.pause();
    const started = Date.now();
    await until(() => sendfileStatus().running === 0, 8000, 'the stalled transfer ends');
    assert.ok(Date.now() - started >= 1000, 'not before the idle timeout (1.5 s)');
    response.resume();
    assert.notEqual(await ended, 'end', 'the client sees the body cut short, not a whole body');
  });

  it('ends a running transfer at once when the server closes its connections', async () => {
    const response = await get('');
    await new Promise<void>((resolve) => response.once('data', () => resolve()));
    response.pause();
    assert.equal(sendfileStatus().running, 1);
    const started = Date.now();
    server.closeAllConnections();
    await until(() => sendfileStatus().running === 0, 1000, 'the transfer ends');
    assert.ok(Date.now() - started < 1000);
    response.destroy();
  });

  it('cuts the body short, never pads it, when the file is shorter than its range', async () => {
    const errorsBefore = errors.length;
    const response = await get(`start=${content.length - 1_000_000}&end=${content.length + 10}`);
    const outcome = await new Promise<{ how: string; bytes: number }>((resolve) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.once('aborted', () => resolve({ how: 'aborted', bytes }));
      response.once('error', () => resolve({ how: 'error', bytes }));
      response.once('end', () => resolve({ how: 'end', bytes }));
    });
    assert.notEqual(outcome.how, 'end');
    assert.ok(outcome.bytes <= 1_000_000);
    await until(() => errors.length > errorsBefore, 2000, 'the short file is reported');
    assert.match(errors.at(-1)?.message ?? '', /file ended before the requested range/);
  });
});
