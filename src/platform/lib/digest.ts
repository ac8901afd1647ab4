import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export type DigestAlgorithm = 'sha256' | 'sha512';

export interface Digest {
  algorithm: DigestAlgorithm;
  hex: string;
  /** `sha256:<hex>` */
  toString(): string;
}

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

/** `algorithm:encoded` per the OCI image spec's digest grammar. */
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export class DigestError extends Error {
  constructor(
    message: string,
    /** True when the algorithm is well-formed but not one Berth computes. */
    readonly unsupported = false,
  ) {
    super(message);
  }
}

export function makeDigest(algorithm: DigestAlgorithm, hex: string): Digest {
  const text = `${algorithm}:${hex}`;
  return { algorithm, hex, toString: () => text };
}

/** Parses and validates a digest string; throws DigestError. */
export function parseDigest(text: string): Digest {
  if (!DIGEST_GRAMMAR.test(text)) throw new DigestError(`invalid digest "${text}"`);
  const [algorithm, hex] = text.split(':') as [string, string];
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new DigestError(`unsupported digest algorithm "${algorithm}"`, true);
  }
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(hex)) {
    throw new DigestError(`invalid ${algorithm} digest "${text}"`);
  }
  return makeDigest(algorithm, hex);
}

export function isDigestReference(reference: string): boolean {
  return reference.includes(':');
}

export function digestOf(data: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return makeDigest(algorithm, createHash(algorithm).update(data).digest('hex'));
}

/** A pass-through stream that hashes what flows by, so a blob is hashed as it is stored. */
export class HashingStream extends Transform {
  constructor(private readonly hash: Hash) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    callback(null, chunk);
  }
}
