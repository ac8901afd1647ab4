import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { tee } from './tee.js';

/** Reads a stream whole through pipeline, as the store's writer and the reply do. */
async function drain(stream: PassThrough): Promise<number> {
  let bytes = 0;
  await pipeline(stream, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) bytes += chunk.length;
  });
  return bytes;
}

describe('one upstream stream read into two', () => {
  it('hands both copies every byte', async () => {
    const source = new PassThrough();
    const { client, store } = tee(source);
    source.end(Buffer.alloc(100_000, 7));
    assert.deepEqual(await Promise.all([drain(client), drain(store)]), [100_000, 100_000]);
  });

  it('an upstream that fails before either copy has a reader fails both readers later, and nothing else', async () => {
    const source = new PassThrough();
    const { client, store } = tee(source);
    // The store's writer first awaits the database: the upstream fails meanwhile.
    source.destroy(new Error('upstream reset'));
    await sleep(20);
    await assert.rejects(drain(store), /upstream reset/);
    await assert.rejects(drain(client), /upstream reset/);
  });
});
