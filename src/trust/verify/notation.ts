import { constants, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { refused, verified, type Verdict } from './result.js';

export const NOTATION_PAYLOAD_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
/** Notation's extended key usage for signing certificates. */
const CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
/** JWS envelopes larger than this are refused unread (notation's are a few KiB). */
export const MAX_JWS_BYTES = 1024 * 1024;
const MAX_CHAIN = 10;

const jwsSchema = z.object({
  payload: z.string(),
  protected: z.string().max(64 * 1024),
  header: z.object({ x5c: z.array(z.string()).min(1).max(MAX_CHAIN) }).loose(),
  signature: z.string().max(8192),
});

const protectedSchema = z
  .object({
    alg: z.string(),
    cty: z.string(),
    crit: z.array(z.string()).max(16),
    'io.cncf.notary.signingScheme': z.enum(['notary.x509', 'notary.x509.signingAuthority']),
    'io.cncf.notary.signingTime': z.string().optional(),
    'io.cncf.notary.authenticSigningTime': z.string().optional(),
    'io.cncf.notary.expiry': z.string().optional(),
  })
  .loose();

const payloadSchema = z.object({
  targetArtifact: z.object({ mediaType: z.string(), digest: z.string(), size: z.number().int().nonnegative() }).loose(),
});

/** The header parameters a verifier must understand when they are marked critical. */
const KNOWN_CRITICAL = new Set(['io.cncf.notary.signingScheme', 'io.cncf.notary.authenticSigningTime', 'io.cncf.notary.expiry']);

/** The key each JWS algorithm needs, and how to check its signature. */
const ALGORITHMS: Record<string, { hash: string; key: 'rsa' | 'ec'; curve?: string }> = {
  PS256: { hash: 'sha256', key: 'rsa' },
  PS384: { hash: 'sha384', key: 'rsa' },
  PS512: { hash: 'sha512', key: 'rsa' },
  ES256: { hash: 'sha256', key: 'ec', curve: 'prime256v1' },
  ES384: { hash: 'sha384', key: 'ec', curve: 'secp384r1' },
  ES512: { hash: 'sha512', key: 'ec', curve: 'secp521r1' },
};
const HASH_BYTES: Record<string, number> = { sha256: 32, sha384: 48, sha512: 64 };

/**
 * Notation's verification levels: `strict` enforces everything; `permissive` lets an expired
 * signature or certificate through with a note; `audit` only requires the signature to be intact.
 */
export type NotationLevel = 'strict' | 'permissive' | 'audit';

export interface NotationTrust {
  /** Trust store: root (or pinned) certificates. */
  readonly anchors: readonly X509Certificate[];
  /** `*`, or `x509.subject: C=US, O=Acme, CN=…` entries the signing certificate's subject must contain. */
  readonly trustedIdentities: readonly string[];
  readonly level: NotationLevel;
}

export interface NotationSubject {
  readonly digest: string;
  readonly mediaType?: string;
  readonly size?: number;
}

/** The certificate's subject as attribute → value, for identity checks. */
function attributesOf(dn: string, separator: RegExp): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of dn.split(separator)) {
    const at = part.indexOf('=');
    if (at > 0) out.set(part.slice(0, at).trim().toUpperCase(), part.slice(at + 1).trim());
  }
  return out;
}

export function identityMatches(identities: readonly string[], leaf: X509Certificate): boolean {
  if (identities.includes('*')) return true;
  const subject = attributesOf(leaf.subject, /\n/);
  return identities.some((identity) => {
    const match = /^x509\.subject:\s*(.+)$/.exec(identity.trim());
    if (!match?.[1]) return false;
    const wanted = attributesOf(match[1], /,\s*/);
    return wanted.size > 0 && [...wanted].every(([k, v]) => subject.get(k) === v);
  });
}

function chainTrusted(chain: readonly X509Certificate[], anchors: readonly X509Certificate[]): boolean {
  for (let i = 0; i + 1 < chain.length; i++) {
    const [child, parent] = [chain[i]!, chain[i + 1]!];
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) return false;
  }
  const top = chain[chain.length - 1]!;
  return anchors.some((anchor) => anchor.fingerprint256 === top.fingerprint256 || (top.checkIssued(anchor) && top.verify(anchor.publicKey) && anchor.ca));
}

function decodeJson(b64url: string): unknown {
  return JSON.parse(Buffer.from(b64url, 'base64url').toString('utf8'));
}

/**
 * Checks a Notary Project JWS signature envelope as `notation verify` does: the protected header
 * is notation's, the leaf certificate (a code-signing certificate) made the signature with the
 * algorithm the header names, the chain ends at a certificate of the trust store, the leaf's
 * subject is a trusted identity, the certificates and signature are in date, and the payload
 * names this artifact.
 */
export function verifyNotationJws(envelopeBytes: Uint8Array, subject: NotationSubject, trust: NotationTrust, now: Date): Verdict {
  if (envelopeBytes.length > MAX_JWS_BYTES) return refused('the signature envelope is too large');
  let envelope: z.infer<typeof jwsSchema>;
  let header: z.infer<typeof protectedSchema>;
  let chain: X509Certificate[];
  try {
    const parsed = jwsSchema.safeParse(JSON.parse(Buffer.from(envelopeBytes).toString('utf8')));
    if (!parsed.success) return refused('the signature envelope is not a JWS JSON envelope');
    envelope = parsed.data;
    const parsedHeader = protectedSchema.safeParse(decodeJson(envelope.protected));
    if (!parsedHeader.success) return refused("the envelope's protected header is not notation's");
    header = parsedHeader.data;
    chain = envelope.header.x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')));
  } catch {
    return refused('the signature envelope cannot be read');
  }
  if (header.cty !== NOTATION_PAYLOAD_TYPE) return refused(`the envelope's content type is ${header.cty}`);
  const unknownCritical = header.crit.find((name) => !KNOWN_CRITICAL.has(name));
  if (unknownCritical) return refused(`the envelope marks ${unknownCritical} critical, which this verifier does not understand`);
  if (!header.crit.includes('io.cncf.notary.signingScheme')) return refused('the envelope does not mark its signing scheme critical');
  const algorithm = ALGORITHMS[header.alg];
  if (!algorithm) return refused(`the signature algorithm ${header.alg} is not one of notation's`);

  const leaf = chain[0]!;
  const signer = leaf.subject.replace(/\n/g, ', ');
  const key = leaf.publicKey;
  if (key.asymmetricKeyType !== algorithm.key || (algorithm.curve && key.asymmetricKeyDetails?.namedCurve !== algorithm.curve))
    return refused(`the certificate's key does not fit ${header.alg}`, signer);
  const signingInput = Buffer.from(`${envelope.protected}.${envelope.payload}`, 'ascii');
  const signature = Buffer.from(envelope.signature, 'base64url');
  const intact =
    algorithm.key === 'rsa'
      ? cryptoVerify(algorithm.hash, signingInput, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[algorithm.hash] }, signature)
      : cryptoVerify(algorithm.hash, signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (!intact) return refused('the signature does not verify with its certificate', signer);

  let payload: z.infer<typeof payloadSchema>;
  try {
    const parsed = payloadSchema.safeParse(decodeJson(envelope.payload));
    if (!parsed.success) return refused('the signed payload does not name a target artifact', signer);
    payload = parsed.data;
  } catch {
    return refused('the signed payload is not JSON', signer);
  }
  const target = payload.targetArtifact;
  if (target.digest !== subject.digest) return refused('the signature is for another artifact digest', signer);
  if (subject.size !== undefined && target.size !== subject.size) return refused('the signature is for an artifact of another size', signer);
  if (subject.mediaType !== undefined && target.mediaType !== subject.mediaType) return refused('the signature is for another media type', signer);
  if (trust.level === 'audit') return verified(signer, ['audit level: only the signature was checked']);

  if (!(leaf.keyUsage ?? []).includes(CODE_SIGNING)) return refused('the signing certificate is not a code-signing certificate', signer);
  if (!chainTrusted(chain, trust.anchors)) return refused('the certificate chain does not end at a trusted certificate', signer);
  if (!identityMatches(trust.trustedIdentities, leaf)) return refused('the signing certificate is not a trusted identity', signer);

  const notes: string[] = [];
  const expired = chain.find((cert) => new Date(cert.validTo) < now || new Date(cert.validFrom) > now);
  if (expired) {
    const reason = `the certificate ${expired.subject.replace(/\n/g, ', ')} is not valid now`;
    if (trust.level === 'strict') return refused(reason, signer);
    notes.push(reason);
  }
  const expiry = header['io.cncf.notary.expiry'];
  if (expiry !== undefined && !(new Date(expiry) > now)) {
    if (trust.level === 'strict') return refused('the signature has expired', signer);
    notes.push('the signature has expired');
  }
  const signedAt = header['io.cncf.notary.signingTime'] ?? header['io.cncf.notary.authenticSigningTime'];
  if (signedAt) notes.unshift(`signed ${new Date(signedAt).toISOString()}`);
  return verified(signer, notes);
}
