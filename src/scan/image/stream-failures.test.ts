import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { OS_ANALYZERS } from '../packages/os/index.js';
import { gzip, MEDIA, tarOf, zstd, zstdAvailable } from './layer-builder.suite.js';
import { inspectImage, LayerReadError } from './index.js';

const CI = process.env.CI === 'true';

/** A blob store stream that sends the first part of a layer, then fails as a dropped connection does. */
function failingAfter(head: Buffer): Readable {
  const stream = new Readable({ read() {} });
  stream.push(head);
  setTimeout(() => stream.destroy(new Error('connection reset by peer')), 20);
  return stream;
}

describe('a layer stream that fails is a LayerReadError, whatever the compression', () => {
  const status = 'Package: a\nStatus: install ok installed\nVersion: 1\n\n'.repeat(2000);

  for (const compression of ['gzip', 'zstd', 'none'] as const) {
    it(`${compression}: the source fails mid-layer`, async (t) => {
      if (compression === 'zstd' && !zstdAvailable()) {
        if (CI) assert.fail("the zstd CLI is missing (Debian's zstd package, in .ci/run)");
        t.skip('the zstd CLI is not installed');
        return;
      }
      const tar = await tarOf([{ name: 'var/lib/dpkg/status', content: status }]);
      const blob = compression === 'gzip' ? gzip(tar) : compression === 'zstd' ? zstd(tar) : tar;
      const mediaType = compression === 'gzip' ? MEDIA.gzip : compression === 'zstd' ? MEDIA.zstd : MEDIA.tar;
      const digest = `sha256:${compression}`;
      const layer = { digest, mediaType, open: async () => failingAfter(blob.subarray(0, Math.floor(blob.length / 2))) };
      await assert.rejects(inspectImage([layer], OS_ANALYZERS), (error: unknown) => {
        assert.ok(error instanceof LayerReadError, String(error));
        assert.equal(error.layerDigest, digest);
        assert.match(error.message, /connection reset by peer/);
        return true;
      });
    });
  }

  it('open() itself fails (the blob is missing)', async () => {
    const layer = {
      digest: 'sha256:missing',
      mediaType: MEDIA.gzip,
      open: async (): Promise<Readable> => {
        throw new Error('blob unknown to registry');
      },
    };
    await assert.rejects(inspectImage([layer], OS_ANALYZERS), /layer sha256:missing cannot be read: blob unknown to registry/);
  });
});

describe('a layer that ends right after its last file, without tar padding or end blocks', () => {
  it('is read to its end, as umoci 0.4 writes it and Go readers take it, and the report says so', async () => {
    const status = 'Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n\n';
    const tar = await tarOf([
      { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
      { name: 'var/lib/dpkg/status', content: status },
    ]);
    const end = tar.length - 1024 - ((512 - (Buffer.byteLength(status) % 512)) % 512);
    const cut = tar.subarray(0, end);
    assert.equal(cut.subarray(-Buffer.byteLength(status)).toString(), status, 'the cut keeps the whole file');
    const image = await inspectImage([{ digest: 'sha256:umoci', mediaType: MEDIA.gzip, open: async () => Readable.from([gzip(cut)]) }], OS_ANALYZERS);
    assert.equal(image.os?.family, 'debian');
    assert.deepEqual(
      image.packages.map((p) => `${p.name} ${p.version}`),
      ['zlib1g 1:1.2.13.dfsg-1'],
    );
    assert.match(image.notes.join('\n'), /layer sha256:umoci ends inside a tar block; it was read as if padded/);
  });

  it('a layer cut inside a file is still unreadable', async () => {
    const tar = await tarOf([{ name: 'var/lib/dpkg/status', content: 'Package: a\nVersion: 1\n\n'.repeat(100) }]);
    const layer = { digest: 'sha256:cut', mediaType: MEDIA.tar, open: async () => Readable.from([tar.subarray(0, 512 + 1024)]) };
    await assert.rejects(inspectImage([layer], OS_ANALYZERS), LayerReadError);
  });
});
