import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3RVER_KEYS, startTestS3, type TestS3 } from '../../../testing/s3.js';
import { storageDriverSuite } from '../driver.suite.js';
import { createS3Client } from './client.js';
import { copyRanges, joinable } from './bucket.js';
import { S3Driver, type S3DriverOptions } from './driver.js';

const MiB = 1024 * 1024;
let s3: TestS3 | undefined;
before(async () => {
  s3 = await startTestS3();
});
after(() => s3?.stop());

function server(): TestS3 {
  if (!s3) throw new Error('s3rver is not running');
  return s3;
}

function options(extra: Partial<S3DriverOptions> = {}): S3DriverOptions {
  return {
    bucket: server().bucket,
    region: 'us-east-1',
    endpoint: server().endpoint,
    forcePathStyle: true,
    ...S3RVER_KEYS,
    // Each store its own prefix of the one bucket: fresh and empty, as the suite wants.
    rootDirectory: `t-${randomUUID()}`,
    partSizeMegabytes: 5,
    ...extra,
  };
}

/** The size of an object being written, as the next writer finds it. */
async function writtenSize(d: S3Driver, path: string): Promise<number> {
  const writer = await d.writer(path, { append: true });
  await writer.close();
  return writer.size;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every key in the bucket under a prefix, as S3 lists them. */
async function keys(prefix: string): Promise<string[]> {
  const client = createS3Client({ ...options(), bucket: server().bucket });
  const out: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: server().bucket, Prefix: prefix, ContinuationToken }));
    out.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return out;
}

/** A source that yields `size` bytes of `data` in 64 KiB chunks, as a request body arrives. */
function chunked(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < data.length; at += 64 * 1024) yield data.subarray(at, at + 64 * 1024);
    })(),
  );
}

storageDriverSuite('s3 (s3rver)', async () => ({ driver: new S3Driver(options()), cleanup: async () => undefined }), { redirects: true, durableOnClose: true });

describe('s3 driver', () => {
  it('streams an object of several parts and reads ranges across them', async () => {
    const d = new S3Driver(options());
    const data = randomBytes(17 * MiB + 123);
    const writer = await d.writer('uploads/big/data', { append: true });
    assert.equal(await writer.write(chunked(data)), data.length);
    await writer.commit();
    assert.equal(await writtenSize(d, 'uploads/big/data'), data.length);
    assert.equal(await d.stat('uploads/big/data'), undefined, 'not a whole object until it is moved');
    assert.ok((await readAll(await d.read('uploads/big/data'))).equals(data));
    const across = { offset: 5 * MiB - 10, length: 5 * MiB + 20 };
    assert.ok((await readAll(await d.read('uploads/big/data', across))).equals(data.subarray(across.offset, across.offset + across.length)));
    assert.ok((await readAll(await d.read('uploads/big/data', { offset: data.length - 1 }))).equals(data.subarray(data.length - 1)));
    assert.equal((await readAll(await d.read('uploads/big/data', { offset: data.length }))).length, 0);
  });

  it('appends across writers of different driver instances, as another Berth instance would', async () => {
    const opts = options();
    const data = randomBytes(13 * MiB + 7);
    const first = await new S3Driver(opts).writer('uploads/u/data', { append: true });
    await first.write(chunked(data.subarray(0, 6 * MiB + 1)));
    await first.close();
    // A second process: nothing shared but the bucket.
    const other = new S3Driver(opts);
    const second = await other.writer('uploads/u/data', { append: true });
    assert.equal(second.size, 6 * MiB + 1);
    await second.write(chunked(data.subarray(6 * MiB + 1, 6 * MiB + 100)));
    await second.close();
    const third = await other.writer('uploads/u/data', { append: true });
    await third.write(chunked(data.subarray(6 * MiB + 100)));
    await third.commit();
    assert.equal(await writtenSize(other, 'uploads/u/data'), data.length);
    const boundary = { offset: 6 * MiB - 5, length: 200 };
    assert.ok((await readAll(await other.read('uploads/u/data', boundary))).equals(data.subarray(boundary.offset, boundary.offset + boundary.length)));
    // Moved into place, the blob is one plain object and the upload's segments are gone.
    await other.move('uploads/u/data', 'blobs/sha256/ab/abcd/data');
    assert.ok((await other.getContent('blobs/sha256/ab/abcd/data')).equals(data));
    assert.deepEqual(await keys(`${opts.rootDirectory}/`), [`${opts.rootDirectory}/blobs/sha256/ab/abcd/data`]);
  });

  it('leaves an object as it was when a writer dies before closing', async () => {
    const d = new S3Driver(options());
    const writer = await d.writer('uploads/dead/data', { append: true });
    await writer.write(chunked(Buffer.alloc(100, 1)));
    await writer.close();
    const dying = await d.writer('uploads/dead/data', { append: true });
    await dying.write(chunked(randomBytes(11 * MiB)));
    // Never closed: its parts went out, but no segment became visible.
    const again = await d.writer('uploads/dead/data', { append: true });
    assert.equal(again.size, 100);
    assert.deepEqual(await d.getContent('uploads/dead/data'), Buffer.alloc(100, 1));
  });

  it('takes back bytes already sent as parts', async () => {
    const d = new S3Driver(options());
    const data = randomBytes(12 * MiB);
    const writer = await d.writer('uploads/t/data', { append: true });
    await writer.write(chunked(data.subarray(0, 3 * MiB)));
    await writer.close();
    const next = await d.writer('uploads/t/data', { append: true });
    await next.write(chunked(data.subarray(3 * MiB)));
    await next.truncate(7 * MiB + 3);
    assert.equal(next.size, 7 * MiB + 3);
    await next.write(chunked(Buffer.from('tail')));
    await next.close();
    const expected = Buffer.concat([data.subarray(0, 7 * MiB + 3), Buffer.from('tail')]);
    assert.ok((await d.getContent('uploads/t/data')).equals(expected));
    await next.truncate(10);
    assert.ok((await d.getContent('uploads/t/data')).equals(data.subarray(0, 10)));
  });

  it('appends to an object that was put whole', async () => {
    const d = new S3Driver(options());
    await d.putContent('a/plain', Buffer.from('put '));
    const writer = await d.writer('a/plain', { append: true });
    assert.equal(writer.size, 4);
    await writer.write(Readable.from([Buffer.from('then appended')]));
    await writer.close();
    assert.equal((await d.getContent('a/plain')).toString(), 'put then appended');
  });

  it('deletes a prefix of more than 1,000 objects', async () => {
    const opts = options();
    const d = new S3Driver(opts);
    const names = Array.from({ length: 1050 }, (_, i) => `uploads/many/o${i}`);
    for (let i = 0; i < names.length; i += 25) await Promise.all(names.slice(i, i + 25).map((n) => d.putContent(n, Buffer.from(n))));
    await d.putContent('uploads/many2/kept', Buffer.from('neighbour'));
    assert.equal((await keys(`${opts.rootDirectory}/uploads/many/`)).length, 1050);
    await d.delete('uploads/many');
    assert.deepEqual(await keys(`${opts.rootDirectory}/`), [`${opts.rootDirectory}/uploads/many2/kept`]);
  });

  it('joins segments of at least 5 MiB inside S3: no byte of them passes through Berth', async () => {
    const d = new S3Driver(options());
    const data = randomBytes(16 * MiB + 11);
    const cuts = [0, 5 * MiB, 10 * MiB + 3, data.length];
    for (let i = 0; i < 3; i++) {
      const writer = await d.writer('uploads/j/data', { append: true });
      await writer.write(chunked(data.subarray(cuts[i], cuts[i + 1])));
      await writer.close();
    }
    // An empty segment (a writer that got no byte) adds nothing and does not stop the join.
    await (await d.writer('uploads/j/data', { append: true })).close();
    server().requests.length = 0;
    await d.move('uploads/j/data', 'blobs/sha256/jo/joined/data');
    const moved = [...server().requests];
    assert.equal(moved.filter((op) => op === 'UploadPartCopy').length, 3, moved.join(' '));
    for (const op of ['GetObject', 'UploadPart', 'PutObject']) assert.ok(!moved.includes(op), `${op} in ${moved.join(' ')}`);
    assert.ok((await d.getContent('blobs/sha256/jo/joined/data')).equals(data));
    assert.deepEqual(await d.stat('blobs/sha256/jo/joined/data'), { size: data.length });
    assert.equal(await d.stat('uploads/j/data'), undefined);
    assert.equal(await writtenSize(d, 'uploads/j/data'), 0, 'the segments are gone');
  });

  it('streams segments through Berth when one but the last is below 5 MiB', async () => {
    const d = new S3Driver(options());
    const data = randomBytes(7 * MiB + 5);
    const cuts = [0, 1 * MiB, 6 * MiB + 1, data.length];
    for (let i = 0; i < 3; i++) {
      const writer = await d.writer('uploads/s/data', { append: true });
      await writer.write(chunked(data.subarray(cuts[i], cuts[i + 1])));
      await writer.close();
    }
    server().requests.length = 0;
    await d.move('uploads/s/data', 'blobs/sha256/st/streamed/data');
    const moved = [...server().requests];
    assert.ok(!moved.includes('UploadPartCopy'), moved.join(' '));
    assert.equal(moved.filter((op) => op === 'GetObject').length, 3, moved.join(' '));
    assert.ok((await d.getContent('blobs/sha256/st/streamed/data')).equals(data));
  });

  it('moves an upload of only empty segments as an empty object', async () => {
    const d = new S3Driver(options());
    await (await d.writer('uploads/e/data', { append: true })).close();
    await (await d.writer('uploads/e/data', { append: true })).close();
    await d.move('uploads/e/data', 'blobs/sha256/em/empty/data');
    assert.deepEqual(await d.stat('blobs/sha256/em/empty/data'), { size: 0 });
  });

  it('cuts objects above 5 GiB into even copy parts, none below 5 MiB', () => {
    const GiB = 1024 * MiB;
    for (const size of [5 * GiB + 1, 7 * GiB, 11 * GiB + 12_345]) {
      const ranges = copyRanges([{ key: 'k', size }]);
      assert.equal(ranges.length, Math.ceil(size / GiB));
      let next = 0;
      for (const { bytes } of ranges) {
        const [first = -1, last = -1] =
          /^bytes=(\d+)-(\d+)$/
            .exec(bytes ?? '')
            ?.slice(1)
            .map(Number) ?? [];
        assert.equal(first, next);
        assert.ok(last - first + 1 >= 5 * MiB && last - first + 1 <= 5 * GiB);
        next = last + 1;
      }
      assert.equal(next, size);
    }
    assert.deepEqual(copyRanges([{ key: 'a', size: 6 * MiB }]), [{ key: 'a', bytes: undefined }]);
    assert.equal(
      joinable([
        { key: 'a', size: 5 * MiB },
        { key: 'b', size: 1 },
      ]),
      true,
    );
    assert.equal(
      joinable([
        { key: 'a', size: 5 * MiB - 1 },
        { key: 'b', size: 6 * MiB },
      ]),
      false,
    );
  });

  it('opens a writer, and deletes an upload, with one listing each', async () => {
    const d = new S3Driver(options());
    await d.putContent('uploads/n-1/data', Buffer.from('a neighbour that sorts before'));
    await d.putContent('uploads/n0/data', Buffer.from('and one after'));
    server().requests.length = 0;
    const writer = await d.writer('uploads/n/data', { append: true });
    assert.deepEqual(server().requests, ['ListObjects']);
    await writer.write(Readable.from([Buffer.from('bytes')]));
    await writer.close();
    server().requests.length = 0;
    const again = await d.writer('uploads/n/data', { append: true });
    assert.equal(again.size, 5);
    assert.deepEqual(server().requests, ['ListObjects']);
    server().requests.length = 0;
    await d.delete('uploads/n');
    assert.deepEqual(server().requests, ['ListObjects', 'DeleteObjects']);
    server().requests.length = 0;
    await d.delete('uploads/n');
    assert.deepEqual(server().requests, ['ListObjects'], 'nothing left to delete');
    assert.equal((await d.getContent('uploads/n-1/data')).toString(), 'a neighbour that sorts before');
    assert.equal((await d.getContent('uploads/n0/data')).toString(), 'and one after');
  });

  it('keeps its objects under the key prefix it is given', async () => {
    const opts = options({ rootDirectory: `/berth-${randomUUID()}/registry/` });
    const d = new S3Driver(opts);
    await d.putContent('blobs/x/data', Buffer.from('x'));
    assert.deepEqual(await keys(`berth-`), [`${opts.rootDirectory.slice(1)}blobs/x/data`]);
    assert.equal(await new S3Driver(options()).stat('blobs/x/data'), undefined);
  });
});

describe('s3 driver redirect URLs', () => {
  it('presigns a GetObject that lasts as long as asked, and no longer', async () => {
    const d = new S3Driver(options());
    await d.putContent('blobs/x/data', Buffer.from('presigned'));
    const url = new URL((await d.redirectUrl('blobs/x/data', 1200)) ?? '');
    assert.equal(url.origin, server().endpoint);
    assert.equal(url.searchParams.get('X-Amz-Expires'), '1200');
    const short = (await d.redirectUrl('blobs/x/data', 1)) ?? '';
    assert.equal(new URL(short).searchParams.get('X-Amz-Expires'), '1');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal((await fetch(short)).status, 403, 'expired');
    assert.equal(await (await fetch(url)).text(), 'presigned');
  });

  it('names the redirect endpoint in its URLs while it talks to the endpoint', async () => {
    const d = new S3Driver(options({ redirectEndpoint: `http://localhost:${server().port}` }));
    await d.putContent('blobs/y/data', Buffer.from('by another name'));
    const url = (await d.redirectUrl('blobs/y/data', 60)) ?? '';
    assert.equal(new URL(url).host, `localhost:${server().port}`);
    assert.equal(await (await fetch(url)).text(), 'by another name');
  });
});

describe('s3 client', () => {
  it('addresses the bucket in the host name unless path style is forced', async () => {
    const { port, bucket } = server();
    const hosts: string[] = [];
    for (const forcePathStyle of [false, true]) {
      // s3rver knows buckets named in a *.s3.amazonaws.com host; every request is sent to it on loopback.
      const client = createS3Client({ ...options(), endpoint: `http://s3.amazonaws.com:${port}`, forcePathStyle });
      client.middlewareStack.add(
        (next) => (args) => {
          const request = args.request as { hostname: string; path: string; headers: Record<string, string> };
          hosts.push(`${request.headers.host ?? request.hostname} ${request.path}`);
          request.hostname = '127.0.0.1';
          return next(args);
        },
        { step: 'deserialize' },
      );
      const key = `style/${forcePathStyle}`;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'styled' }));
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(await got.Body?.transformToString(), 'styled');
    }
    assert.equal(hosts[0], `${bucket}.s3.amazonaws.com:${port} /style/false`);
    assert.equal(hosts[2], `s3.amazonaws.com:${port} /${bucket}/style/true`);
  });
});

describe('s3 driver with a private CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-s3-ca-'));
  let tls: TestS3 | undefined;
  before(async () => {
    // A CA, and a certificate for 127.0.0.1 signed by it.
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=berth test CA', '-keyout', 'ca.key', '-out', 'ca.pem']);
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr']);
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext.cnf', '-out', 'server.pem']);
    tls = await startTestS3({ tls: { key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') } });
  });
  after(async () => {
    await tls?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trusts the endpoint with the CA given as a file or as PEM, and not without it', async () => {
    const endpoint = tls?.endpoint ?? '';
    for (const ca of [join(dir, 'ca.pem'), readFileSync(join(dir, 'ca.pem'), 'utf8')]) {
      const d = new S3Driver(options({ endpoint, ca }));
      await d.putContent('tls/x', Buffer.from('over tls'));
      assert.equal((await d.getContent('tls/x')).toString(), 'over tls');
    }
    await assert.rejects(new S3Driver(options({ endpoint })).stat('tls/x'), /self.signed|unable to (get|verify)/i);
  });
});
