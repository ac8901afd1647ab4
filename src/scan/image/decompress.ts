import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { zstdDecompress } from './zstd.js';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

/**
 * Whether a layer media type is a file system layer the walker reads: OCI `…layer.v1.tar[+gzip|+zstd]`
 * and Docker's `…image.rootfs.diff.tar[.gzip]`. Foreign and non-distributable layers (Windows base
 * layers) are skipped: their blobs live elsewhere and a registry rarely holds them. Anything else
 * (Helm chart content, WASM modules, signatures, SBOM attachments) is not a file system at all.
 */
export function isFileSystemLayer(mediaType: string): boolean {
  const type = mediaType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    /^application\/vnd\.oci\.image\.layer\.v1\.tar(?:\+gzip|\+zstd)?$/.test(type) || /^application\/vnd\.docker\.image\.rootfs\.diff\.tar(?:\.gzip)?$/.test(type)
  );
}

/** What the media type says; the bytes decide (a `…v1.tar` that really is gzip is common). */
export function compressionOf(mediaType: string): LayerCompression {
  if (/(\+|\.)gzip$/i.test(mediaType)) return 'gzip';
  if (/\+zstd$/i.test(mediaType)) return 'zstd';
  return 'none';
}

export function sniffCompression(head: Buffer): LayerCompression | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return undefined;
}

/** Up to `count` first bytes of a stream, put back so the stream still yields them. */
export async function peek(stream: Readable, count: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < count && !stream.readableEnded && !stream.destroyed) {
    const chunk = stream.read() as Buffer | string | null;
    if (chunk !== null) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(bytes);
      length += bytes.length;
      continue;
    }
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        stream.off('readable', done);
        stream.off('end', done);
        stream.off('close', done);
        stream.off('error', fail);
        resolve();
      };
      const fail = (error: Error) => {
        done();
        reject(error);
      };
      stream.once('readable', done);
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', fail);
    });
  }
  if (stream.errored) throw stream.errored;
  const head = Buffer.concat(chunks);
  if (head.length > 0) stream.unshift(head);
  return head.subarray(0, count);
}

/**
 * Output pieces of the gunzip stream. zlib's 16 KiB default means a trip to the thread pool and
 * back per 16 KiB, which doubles the cost of inflating a layer; 256 KiB pieces take it to what
 * the inflate itself costs, for a quarter MiB more memory per layer being read.
 */
const GUNZIP_CHUNK_BYTES = 256 * 1024;

/**
 * The uncompressed tar bytes of a layer. Errors of the source or the decompressor surface as
 * errors of the returned stream; destroying it destroys the source.
 */
export function decompressed(source: Readable, compression: LayerCompression): Readable {
  if (compression === 'none') return source;
  if (compression === 'gzip') return pipeline(source, createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES }), () => {});
  const out = Readable.from(zstdDecompress(source), { objectMode: false });
  out.once('close', () => source.destroy());
  return out;
}
