import { TooLargeError, UnprocessableError } from '../../platform/errors/index.js';

/** A layer blob that is not a readable (compressed) tar: truncated, corrupt, or a stream that failed. */
export class LayerReadError extends UnprocessableError {
  constructor(
    readonly layerDigest: string,
    readonly reason: string,
  ) {
    super('blob', `layer ${layerDigest} cannot be read: ${reason}`, { digest: layerDigest, reason });
  }
}

/** A layer past one of the walk's limits (entries, uncompressed bytes): the inspection stops. */
export class LayerLimitError extends TooLargeError {
  constructor(
    readonly layerDigest: string,
    readonly limit: 'maxEntriesPerLayer' | 'maxLayerBytes',
    readonly value: number,
  ) {
    super('blob', `layer ${layerDigest} is past the scanner's limit ${limit} (${value})`, { digest: layerDigest, limit, value });
  }
}
