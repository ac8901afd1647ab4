import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';

/** A public key a signature can be checked against, and the name it shows under. */
export interface TrustedKey {
  readonly key: KeyObject;
  /** `sha256:` and the hex SHA-256 of the key's DER SubjectPublicKeyInfo: stable, and the same for PEM variants of one key. */
  readonly fingerprint: string;
}

/** Reads a PEM public key (ECDSA P-256/P-384/P-521, RSA or Ed25519), as `cosign generate-key-pair` writes `cosign.pub`. */
export function publicKeyFromPem(pem: string): TrustedKey {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new KeyFormatError('not a PEM public key');
  }
  const type = key.asymmetricKeyType;
  if (type !== 'ec' && type !== 'rsa' && type !== 'ed25519') throw new KeyFormatError(`${type ?? 'unknown'} keys are not supported: use ECDSA, RSA or Ed25519`);
  return { key, fingerprint: fingerprintOf(key) };
}

export function fingerprintOf(key: KeyObject): string {
  return `sha256:${createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`;
}

/** The hash cosign pairs with a key: SHA-256 (SHA-384/512 for the larger curves), none for Ed25519. */
export function hashFor(key: KeyObject): string | null {
  if (key.asymmetricKeyType === 'ed25519') return null;
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'secp384r1') return 'sha384';
    if (curve === 'secp521r1') return 'sha512';
  }
  return 'sha256';
}

/**
 * Whether `signature` (DER ECDSA, PKCS#1 v1.5 RSA or raw Ed25519, as cosign writes them) signs
 * `data` with `key`. Malformed signatures are simply not valid.
 */
export function signatureValid(key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return cryptoVerify(hashFor(key), data, key, signature);
  } catch {
    return false;
  }
}

export class KeyFormatError extends Error {
  override readonly name = 'KeyFormatError';
}
