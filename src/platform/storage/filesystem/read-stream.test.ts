import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { copyBuffers } from '../../lib/index.js';
import { checkDownloadsAtOnce, getRange, readSlowly, startRangeServer, type RangeServer } from '../../../testing/range-server.js';
import { FileRangeStream } from './read-stream.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('file range streams', () => {
  // Larger than what loopback sockets buffer, so that writes wait for the reader.
  const content = randomBytes(16 * 1024 * 1024 + 12345);
  let served: RangeServer;
  let path: string;
  let handles: FileHandle[];
  let closed: Promise<void>[];
  let errors: Error[];

  before(async () => {
    served = await startRangeServer(content, false);
    ({ path, handles, closed, errors } = served);
  });

  after(() => served.stop());

  const get = (query: string, agent?: Agent) => getRange(served.base, query, agent);

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
    for (let round = 0; round < 2; round++) await checkDownloadsAtOnce(served.base, content, `of round ${round}`);
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
