// Builds real layer blobs for the walker's tests: tar-stream writes the tar, zlib or Debian's
// zstd CLI compresses it, and a LayerSource serves the bytes (counting how often it is opened).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import type { LayerSource } from './index.js';

export interface TarEntry {
  name: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  linkname?: string;
  mode?: number;
}

export async function tarOf(entries: Iterable<TarEntry>): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    tar.on('data', (chunk) => chunks.push(chunk as Buffer));
    tar.on('end', () => resolve(Buffer.concat(chunks)));
    tar.on('error', reject);
  });
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const header = { name: entry.name, type, mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644), ...(entry.linkname ? { linkname: entry.linkname } : {}) };
    await new Promise<void>((resolve, reject) => {
      if (type === 'file') tar.entry(header, entry.content ?? '', (error) => (error ? reject(error) : resolve()));
      else tar.entry(header, (error) => (error ? reject(error) : resolve())).end(null);
    });
  }
  tar.finalize();
  return done;
}

export const gzip = (tar: Buffer): Buffer => gzipSync(tar);

export function zstdAvailable(): boolean {
  return spawnSync('zstd', ['--version']).status === 0;
}

export function zstd(tar: Buffer): Buffer {
  const result = spawnSync('zstd', ['-q', '-c', '-3'], { input: tar, maxBuffer: 1024 ** 3 });
  if (result.status !== 0) throw new Error(`zstd failed: ${result.stderr.toString()}`);
  return result.stdout;
}

export const MEDIA = {
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  tar: 'application/vnd.oci.image.layer.v1.tar',
  docker: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export interface TestLayer extends LayerSource {
  opened: number;
}

/** A layer served from memory in small chunks, as a blob store would stream it. */
export function layerOf(blob: Buffer, mediaType: string, diffOf?: Buffer): TestLayer {
  const layer: TestLayer = {
    digest: `sha256:${createHash('sha256').update(blob).digest('hex')}`,
    ...(diffOf ? { diffId: `sha256:${createHash('sha256').update(diffOf).digest('hex')}` } : {}),
    mediaType,
    opened: 0,
    async open() {
      layer.opened++;
      return Readable.from(chunked(blob, 16 * 1024));
    },
  };
  return layer;
}

function* chunked(blob: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < blob.length; at += size) yield blob.subarray(at, at + size);
}

/** A gzip layer of the given entries, with its diff id. */
export async function gzipLayer(entries: TarEntry[]): Promise<TestLayer> {
  const tar = await tarOf(entries);
  return layerOf(gzip(tar), MEDIA.gzip, tar);
}
