import { sign, type KeyObject } from 'node:crypto';
import { hashFor } from '../verify/keys.js';

export class UnsupportedKeyError extends Error {
  override readonly name = 'UnsupportedKeyError';
}

/** Signs bytes as cosign does with a key file: ECDSA (DER), RSA PKCS#1 v1.5 or Ed25519; the base64 of it goes in the annotation. */
export function signPayload(key: KeyObject, payload: Uint8Array): string {
  const type = key.asymmetricKeyType;
  if (type !== 'ec' && type !== 'rsa' && type !== 'ed25519') throw new UnsupportedKeyError(`${type ?? 'unknown'} keys cannot sign cosign signatures`);
  return sign(hashFor(key), payload, key).toString('base64');
}
