import { sign, type KeyObject } from 'node:crypto';

/** The hash cosign pairs with a key: SHA-256 (SHA-384/512 for the larger curves), none for Ed25519. */
function hashFor(key: KeyObject): string | null {
  if (key.asymmetricKeyType === 'ed25519') return null;
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'secp384r1') return 'sha384';
    if (curve === 'secp521r1') return 'sha512';
  }
  return 'sha256';
}

export class UnsupportedKeyError extends Error {
  override readonly name = 'UnsupportedKeyError';
}

/** Signs bytes as cosign does with a key file: ECDSA (DER), RSA PKCS#1 v1.5 or Ed25519; the base64 of it goes in the annotation. */
export function signPayload(key: KeyObject, payload: Uint8Array): string {
  const type = key.asymmetricKeyType;
  if (type !== 'ec' && type !== 'rsa' && type !== 'ed25519') throw new UnsupportedKeyError(`${type ?? 'unknown'} keys cannot sign cosign signatures`);
  return sign(hashFor(key), payload, key).toString('base64');
}
