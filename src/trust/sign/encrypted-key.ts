import { createPrivateKey, generateKeyPairSync, randomBytes, scrypt, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type NaCl from 'tweetnacl';
import { z } from 'zod';

/** The PEM label cosign writes today, and the one cosign wrote before it (still read). */
export const SIGSTORE_PRIVATE_KEY_LABEL = 'ENCRYPTED SIGSTORE PRIVATE KEY';
export const COSIGN_PRIVATE_KEY_LABEL = 'ENCRYPTED COSIGN PRIVATE KEY';

/** go-securesystemslib's scrypt parameter sets (legacy, standard, OWASP); cosign's keys use the first, and no others are read (tampered parameters could make opening a key take forever). */
const SCRYPT_SETS = [
  { N: 32768, r: 8, p: 1 },
  { N: 65536, r: 8, p: 1 },
  { N: 131072, r: 8, p: 1 },
] as const;
const WRITTEN = SCRYPT_SETS[0];
const SALT_BYTES = 32;
const KEY_BYTES = 32;

const scryptAsync = promisify(scrypt) as (password: Buffer, salt: Buffer, length: number, options: object) => Promise<Buffer>;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');
const envelopeSchema = z.object({
  kdf: z.object({ name: z.string(), params: z.object({ N: z.number(), r: z.number(), p: z.number() }), salt: base64 }),
  cipher: z.object({ name: z.string(), nonce: base64 }),
  ciphertext: base64,
});

export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

/** The password opened the key file's box, but not this one: it is wrong (or the file was changed). */
export class WrongPasswordError extends KeyFileError {}

/** NaCl, loaded when a key is sealed or opened: only signing and key generation need it, never the server. */
async function loadNacl(): Promise<typeof NaCl> {
  return (await import('tweetnacl')).default;
}

function deriveKey(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; node's default ceiling (32 MiB) is below the larger parameter sets.
  return scryptAsync(Buffer.from(password, 'utf8'), salt, KEY_BYTES, { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 });
}

function pem(label: string, der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * The private key as `cosign generate-key-pair` stores it: PKCS#8 DER sealed with NaCl secretbox
 * under an scrypt-derived key, in go-securesystemslib's JSON envelope, in a PEM block.
 */
export async function encryptPrivateKey(key: KeyObject, password: string): Promise<string> {
  const nacl = await loadNacl();
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(nacl.secretbox.nonceLength);
  const boxKey = await deriveKey(password, salt, WRITTEN);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const ciphertext = nacl.secretbox(new Uint8Array(der), new Uint8Array(nonce), new Uint8Array(boxKey));
  // Field order and encodings as Go's encoding/json writes the envelope ([]byte as padded base64).
  const envelope = {
    kdf: { name: 'scrypt', params: { N: WRITTEN.N, r: WRITTEN.r, p: WRITTEN.p }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  };
  return pem(SIGSTORE_PRIVATE_KEY_LABEL, Buffer.from(JSON.stringify(envelope), 'utf8'));
}

function pemBody(text: string): Buffer {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!match) throw new KeyFileError('not a PEM file');
  const label = match[1];
  if (label !== SIGSTORE_PRIVATE_KEY_LABEL && label !== COSIGN_PRIVATE_KEY_LABEL) {
    throw new KeyFileError(`a "${label ?? ''}" PEM block, not a cosign private key ("${SIGSTORE_PRIVATE_KEY_LABEL}")`);
  }
  return Buffer.from((match[2] ?? '').replace(/\s+/g, ''), 'base64');
}

/** Opens a cosign private key file (either PEM label) with its password. */
export async function decryptPrivateKey(text: string, password: string): Promise<KeyObject> {
  let envelope: z.infer<typeof envelopeSchema>;
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(pemBody(text).toString('utf8')));
    if (!parsed.success) throw new KeyFileError('the key file is not a cosign encrypted key (unexpected contents)');
    envelope = parsed.data;
  } catch (err) {
    if (err instanceof KeyFileError) throw err;
    throw new KeyFileError('the key file is not a cosign encrypted key (its contents are not JSON)');
  }
  if (envelope.kdf.name !== 'scrypt') throw new KeyFileError(`unsupported key derivation "${envelope.kdf.name}" (only scrypt)`);
  if (envelope.cipher.name !== 'nacl/secretbox') throw new KeyFileError(`unsupported cipher "${envelope.cipher.name}" (only nacl/secretbox)`);
  const { N, r, p } = envelope.kdf.params;
  if (!SCRYPT_SETS.some((set) => set.N === N && set.r === r && set.p === p)) throw new KeyFileError(`unsupported scrypt parameters N=${N} r=${r} p=${p}`);
  const nonce = Buffer.from(envelope.cipher.nonce, 'base64');
  const nacl = await loadNacl();
  if (nonce.length !== nacl.secretbox.nonceLength) throw new KeyFileError('the key file has a malformed nonce');
  const boxKey = await deriveKey(password, Buffer.from(envelope.kdf.salt, 'base64'), { N, r, p });
  const opened = nacl.secretbox.open(new Uint8Array(Buffer.from(envelope.ciphertext, 'base64')), new Uint8Array(nonce), new Uint8Array(boxKey));
  if (!opened) throw new WrongPasswordError('wrong password for the private key (or the key file is damaged)');
  try {
    return createPrivateKey({ key: Buffer.from(opened), format: 'der', type: 'pkcs8' });
  } catch {
    throw new KeyFileError('the decrypted key is not a PKCS#8 private key');
  }
}

export interface KeyPairFiles {
  /** `cosign.key`: the encrypted private key. */
  readonly privateKey: string;
  /** `cosign.pub`: the public key, PEM SubjectPublicKeyInfo. */
  readonly publicKey: string;
}

/** A new ECDSA P-256 key pair in cosign's file formats, as `cosign generate-key-pair` makes. */
export async function generateKeyPairFiles(password: string): Promise<KeyPairFiles> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKey: await encryptPrivateKey(privateKey, password),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
