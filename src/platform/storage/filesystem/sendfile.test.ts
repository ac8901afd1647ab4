import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Agent, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkDownloadsAtOnce, getRange, readSlowly, startRangeServer, type RangeServer } from '../../../testing/range-server.js';
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
  // Far larger than loopback socket buffers, so the transfer waits on the reader.
  const content = randomBytes(24 * 1024 * 1024 + 4321);
  let served: RangeServer;
  let server: Server;
  let errors: Error[];
  let closed: Promise<void>[];

  before(async () => {
    served = await startRangeServer(content, true);
    ({ server, errors, closed } = served);
    // As Berth's server has: a connection silent this long is ended.
    server.setTimeout(1500);
  });

  after(() => served.stop());

  const get = (query: string, agent?: Agent) => getRange(served.base, query, agent);

  /** The local port of the connection a response came on: the same port means the same connection. */
  const localPort = (response: IncomingMessage) => response.socket.localPort;

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
    await checkDownloadsAtOnce(served.base, content, 'by sendfile');
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
    // Matched by its message: an earlier test's cut-off download may be reported meanwhile too.
    await until(() => errors.slice(errorsBefore).some((err) => /file ended before the requested range/.test(err.message)), 2000, 'the short file is reported');
  });
});
