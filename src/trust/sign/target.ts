import { Readable } from 'node:stream';
import { RegistryError, type RegistryClient } from '../../platform/registry-client/index.js';
import { sha256Digest } from './signature-manifest.js';

/** The repository `berth sign` and `berth verify` work on: a registry client and the repository's name there. */
export interface SignTarget {
  readonly client: RegistryClient;
  /** `host[:port]` as the user named it (the image reference's registry part). */
  readonly registry: string;
  readonly repository: string;
}

/** A small blob (a signature payload or bundle) read whole, refused beyond `maxBytes` and checked against its digest. */
export async function readSmallBlob(target: SignTarget, digest: string, maxBytes: number): Promise<Buffer> {
  const { stream, size } = await target.client.getBlob(target.repository, digest);
  if (size > maxBytes) {
    stream.destroy();
    throw new RegistryError(`blob ${digest} is ${size} bytes, more than the ${maxBytes} a signature may have`, { reason: 'too-large' });
  }
  const chunks: Buffer[] = [];
  let read = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    read += chunk.length;
    if (read > maxBytes) {
      stream.destroy();
      throw new RegistryError(`blob ${digest} is more than the ${maxBytes} bytes a signature may have`, { reason: 'too-large' });
    }
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  if (sha256Digest(bytes) !== digest) throw new RegistryError(`the blob served for ${digest} does not match its digest`, { reason: 'unexpected' });
  return bytes;
}

/** Uploads a small blob unless the repository has it already. */
export async function pushSmallBlob(target: SignTarget, bytes: Buffer, digest: string): Promise<'pushed' | 'exists'> {
  if (await target.client.headBlob(target.repository, digest)) return 'exists';
  await target.client.pushBlob(target.repository, digest, bytes.length, async (offset) => Readable.from([bytes.subarray(offset)]));
  return 'pushed';
}
