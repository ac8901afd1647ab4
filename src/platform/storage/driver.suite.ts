import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { PathNotFoundError, type StorageDriver } from './driver.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The behaviour every StorageDriver must have. Each driver's test file calls this with a
 * factory for a fresh, empty store, and says whether the driver gives redirect URLs and whether
 * a writer's close makes its bytes durable.
 */
export function storageDriverSuite(
  name: string,
  create: () => Promise<{ driver: StorageDriver; cleanup(): Promise<void> }>,
  options: { redirects: boolean; durableOnClose: boolean },
): void {
  describe(`storage driver: ${name}`, () => {
    async function withDriver(work: (driver: StorageDriver) => Promise<void>): Promise<void> {
      const { driver, cleanup } = await create();
      try {
        await work(driver);
      } finally {
        await cleanup();
      }
    }

    it('stores and reads back small content', () =>
      withDriver(async (d) => {
        await d.putContent('blobs/sha256/ab/abc/data', Buffer.from('hello'));
        assert.equal((await d.getContent('blobs/sha256/ab/abc/data')).toString(), 'hello');
        assert.deepEqual(await d.stat('blobs/sha256/ab/abc/data'), { size: 5 });
      }));

    it('replaces content atomically on a second put', () =>
      withDriver(async (d) => {
        await d.putContent('a/b', Buffer.from('one'));
        await d.putContent('a/b', Buffer.from('second'));
        assert.equal((await d.getContent('a/b')).toString(), 'second');
      }));

    it('reports missing objects', () =>
      withDriver(async (d) => {
        assert.equal(await d.stat('nothing/here'), undefined);
        await assert.rejects(d.getContent('nothing/here'), PathNotFoundError);
        await assert.rejects(d.read('nothing/here'), PathNotFoundError);
        await assert.rejects(d.move('nothing/here', 'else/where'), PathNotFoundError);
      }));

    it('streams writes, appends across writers, and reads ranges', () =>
      withDriver(async (d) => {
        const data = randomBytes(3 * 1024 * 1024 + 17);
        const first = await d.writer('uploads/u1/data', { append: true });
        assert.equal(first.size, 0);
        assert.equal(await first.write(Readable.from([data.subarray(0, 1_000_000)])), 1_000_000);
        await first.close();
        const second = await d.writer('uploads/u1/data', { append: true });
        assert.equal(second.size, 1_000_000);
        assert.equal(await second.write(Readable.from([data.subarray(1_000_000)])), data.length);
        await second.commit();
        assert.deepEqual(await readAll(await d.read('uploads/u1/data')), data);
        assert.deepEqual(await readAll(await d.read('uploads/u1/data', { offset: 10, length: 100 })), data.subarray(10, 110));
        assert.deepEqual(await readAll(await d.read('uploads/u1/data', { offset: data.length - 5 })), data.subarray(data.length - 5));
      }));

    it(`says a writer's close ${options.durableOnClose ? 'makes' : 'does not make'} its bytes durable, and moves what closed writers left`, () =>
      withDriver(async (d) => {
        assert.equal(d.durableOnClose, options.durableOnClose);
        const data = randomBytes(64 * 1024 + 1);
        for (const part of [data.subarray(0, 1000), data.subarray(1000)]) {
          const writer = await d.writer('uploads/dc/data', { append: true });
          await writer.write(Readable.from([part]));
          await writer.close();
        }
        // What an upload service does before it moves the bytes into sight: commit where closing is not enough.
        if (!d.durableOnClose) {
          const committing = await d.writer('uploads/dc/data', { append: true });
          assert.equal(committing.size, data.length);
          await committing.commit();
        }
        await d.move('uploads/dc/data', 'blobs/sha256/dc/durable/data');
        assert.deepEqual(await d.stat('blobs/sha256/dc/durable/data'), { size: data.length });
        assert.deepEqual(await readAll(await d.read('blobs/sha256/dc/durable/data')), data);
        await d.delete('uploads/dc');
        assert.deepEqual(
          await (async () => {
            const names: string[] = [];
            for await (const page of d.list('uploads')) names.push(...page);
            return names;
          })(),
          [],
        );
      }));

    it('truncates when a writer opens without append', () =>
      withDriver(async (d) => {
        await d.putContent('x/y', Buffer.from('old content'));
        const writer = await d.writer('x/y', { append: false });
        await writer.write(Readable.from([Buffer.from('new')]));
        await writer.commit();
        assert.equal((await d.getContent('x/y')).toString(), 'new');
      }));

    it('keeps the bytes that arrived before a source failed', () =>
      withDriver(async (d) => {
        const writer = await d.writer('uploads/u2/data', { append: true });
        const failing = new Readable({
          read() {
            this.push(Buffer.alloc(1000, 1));
            this.destroy(new Error('client went away'));
          },
        });
        await assert.rejects(writer.write(failing));
        await writer.close();
        const reopened = await d.writer('uploads/u2/data', { append: true });
        await reopened.close();
        assert.equal(reopened.size, 1000);
        assert.equal(writer.size, 1000);
      }));

    it('takes back bytes written after a size, for a chunk that could not be stored whole', () =>
      withDriver(async (d) => {
        const writer = await d.writer('uploads/u3/data', { append: true });
        await writer.write(Readable.from([Buffer.from('kept'), Buffer.from('dropped')]));
        await writer.truncate(4);
        assert.equal(writer.size, 4);
        await writer.close();
        assert.equal((await d.getContent('uploads/u3/data')).toString(), 'kept');
      }));

    it('tells how many bytes are free where it stores, if that is bounded', () =>
      withDriver(async (d) => {
        const free = await d.freeBytes();
        assert.ok(free === undefined || (Number.isSafeInteger(free) && free > 0), `free: ${free}`);
      }));

    it('moves objects, replacing the target', () =>
      withDriver(async (d) => {
        await d.putContent('uploads/m/data', Buffer.from('moved'));
        await d.putContent('blobs/target/data', Buffer.from('old'));
        await d.move('uploads/m/data', 'blobs/target/data');
        assert.equal((await d.getContent('blobs/target/data')).toString(), 'moved');
        assert.equal(await d.stat('uploads/m/data'), undefined);
      }));

    it('deletes objects and whole prefixes, ignoring missing ones', () =>
      withDriver(async (d) => {
        await d.putContent('uploads/p/data', Buffer.from('1'));
        await d.putContent('uploads/p/other', Buffer.from('2'));
        await d.delete('uploads/p');
        assert.equal(await d.stat('uploads/p/data'), undefined);
        assert.equal(await d.stat('uploads/p/other'), undefined);
        await d.delete('uploads/never');
      }));

    it('lists the names directly under a prefix, objects kept in pieces included, never the pieces', () =>
      withDriver(async (d) => {
        await d.putContent('uploads/a/data', Buffer.from('1'));
        await d.putContent('uploads/b/data', Buffer.from('2'));
        const chunked = await d.writer('uploads/c/data', { append: true });
        await chunked.write(Readable.from([Buffer.from('first')]));
        await chunked.close();
        const more = await d.writer('uploads/c/data', { append: true });
        await more.write(Readable.from([Buffer.from('second')]));
        await more.close();
        await d.putContent('blobs/x/data', Buffer.from('3'));
        const names = async (prefix: string) => {
          const all: string[] = [];
          for await (const page of d.list(prefix)) all.push(...page);
          return all.sort();
        };
        assert.deepEqual(await names('uploads'), ['a', 'b', 'c']);
        assert.deepEqual(await names('uploads/c'), ['data']);
        assert.deepEqual(await names('nothing'), []);
        await d.delete('uploads/b');
        assert.deepEqual(await names('uploads'), ['a', 'c']);
      }));

    it(options.redirects ? 'gives a URL that serves a stored object, ranges too' : 'gives no redirect URL', () =>
      withDriver(async (d) => {
        const data = randomBytes(256 * 1024 + 3);
        await d.putContent('blobs/sha256/re/redirect/data', data);
        const url = await d.redirectUrl('blobs/sha256/re/redirect/data', 60);
        if (!options.redirects) return assert.equal(url, undefined);
        assert.ok(url, 'a URL for a stored object');
        const whole = await fetch(url);
        assert.equal(whole.status, 200);
        assert.ok(Buffer.from(await whole.arrayBuffer()).equals(data), 'the bytes of the object');
        const ranged = await fetch(url, { headers: { range: 'bytes=1000-1099' } });
        assert.equal(ranged.status, 206);
        assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(data.subarray(1000, 1100)));
      }),
    );

    it('gives no redirect URL for a missing object, nor one still being written', () =>
      withDriver(async (d) => {
        assert.equal(await d.redirectUrl('blobs/sha256/no/nothing/data', 60), undefined);
        const writer = await d.writer('uploads/r/data', { append: true });
        await writer.write(Readable.from([Buffer.from('partly written')]));
        await writer.close();
        assert.equal(await d.redirectUrl('uploads/r/data', 60), undefined);
      }));

    it('refuses paths that could escape the store', () =>
      withDriver(async (d) => {
        for (const path of ['../etc/passwd', '/abs', 'a//b', 'a/../b', '']) {
          await assert.rejects(d.putContent(path, Buffer.from('x')), /invalid storage path/, path);
        }
      }));
  });
}
