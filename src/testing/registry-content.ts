/** Content for registry-client tests: large blobs generated on demand (never held in memory), small images and indexes. */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const KEY = Buffer.alloc(16, 7);
const BLOCK = 16;
const PIECE = 64 * 1024;

/**
 * A blob of `size` pseudo-random bytes that can be read from any offset: AES-128-CTR over
 * zeros, whose counter is the block number, so reopening at an offset needs no replay.
 */
export function generatedBlob(size: number): { size: number; open: (offset: number) => Promise<Readable>; digest: () => Promise<string> } {
  const open = async (offset: number): Promise<Readable> => {
    const iv = Buffer.alloc(16);
    iv.writeBigUInt64BE(BigInt(Math.floor(offset / BLOCK)), 8);
    const cipher = createCipheriv('aes-128-ctr', KEY, iv);
    let skip = offset % BLOCK;
    let position = offset;
    return Readable.from(
      (function* () {
        const zeros = Buffer.alloc(PIECE);
        while (position < size) {
          const produced = cipher.update(zeros);
          const piece = produced.subarray(skip, skip + Math.min(PIECE - skip, size - position));
          skip = 0;
          position += piece.length;
          yield piece;
        }
      })(),
      { objectMode: false },
    );
  };
  const digest = async (): Promise<string> => sha256OfStream(await open(0));
  return { size, open, digest };
}

export async function sha256OfStream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

export const sha256Of = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface SmallBlob {
  bytes: Buffer;
  digest: string;
}

export const smallBlob = (text: string): SmallBlob => {
  const bytes = Buffer.from(text);
  return { bytes, digest: sha256Of(bytes) };
};

export const openBuffer =
  (bytes: Buffer) =>
  async (offset: number): Promise<Readable> =>
    Readable.from([bytes.subarray(offset)]);

/** An OCI image manifest over a config and one layer (both given), plus its digest. */
export function imageManifest(config: SmallBlob, layer: SmallBlob, extra: Record<string, unknown> = {}): SmallBlob {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.bytes.length, digest: config.digest },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', size: layer.bytes.length, digest: layer.digest }],
      ...extra,
    }),
  );
  return { bytes, digest: sha256Of(bytes) };
}

export function imageIndex(children: ReadonlyArray<{ manifest: SmallBlob; architecture: string }>): SmallBlob {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: children.map((c) => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: c.manifest.bytes.length,
        digest: c.manifest.digest,
        platform: { architecture: c.architecture, os: 'linux' },
      })),
    }),
  );
  return { bytes, digest: sha256Of(bytes) };
}
