import { constants, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { authenticTimestamp, type SigningScheme, type VerifyTimestamp } from './notation-timestamp.js';
import { refused, verified, type Verdict } from './result.js';
import { MAX_TIMESTAMP_BYTES } from './timestamp.js';

export const NOTATION_PAYLOAD_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
/** Notation's extended key usage for signing certificates. */
const CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
/** JWS envelopes larger than this are refused unread (notation's are a few KiB). */
export const MAX_JWS_BYTES = 1024 * 1024;
const MAX_CHAIN = 10;
/** Where notation keeps the RFC 3161 timestamp countersignature among the unsigned attributes. */
export const TIMESTAMP_HEADER = 'io.cncf.notary.timestampSignature';

const jwsSchema = z.object({
  payload: z.string(),
  protected: z.string().max(64 * 1024),
  header: z
    .object({
      x5c: z.array(z.string()).min(1).max(MAX_CHAIN),
      [TIMESTAMP_HEADER]: z
        .string()
        .max(Math.ceil(MAX_TIMESTAMP_BYTES / 3) * 4)
        .optional(),
    })
    .loose(),
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
  /** TSA trust store: roots RFC 3161 timestamps must chain to. None: timestamps are not checked, as in notation. */
  readonly tsaAnchors?: readonly X509Certificate[];
  /** When the timestamp is checked; notation's default is `afterCertExpiry`. */
  readonly verifyTimestamp?: VerifyTimestamp;
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

/** What either envelope format (JWS or COSE) says, read into one form for the same checks. */
export interface NotationEnvelope {
  /** The JWS name of the algorithm (COSE's numbers are mapped to it). */
  readonly alg: string;
  readonly cty: string;
  readonly crit: readonly string[];
  readonly signingScheme: SigningScheme;
  readonly signingTime?: string | undefined;
  readonly expiry?: string | undefined;
  /** The certificate chain, leaf first. */
  readonly chain: readonly X509Certificate[];
  /** The bytes the signature is over, and the signature. */
  readonly signed: Buffer;
  readonly signature: Buffer;
  /** The signed payload (JSON naming the target artifact). */
  readonly payload: Buffer;
  /** The RFC 3161 timestamp token (DER) over `signature`, from the unsigned attributes. */
  readonly timestamp?: Buffer | undefined;
}

/** Reads a JWS JSON envelope; a string says why it cannot be read. */
function readJws(envelopeBytes: Uint8Array): NotationEnvelope | string {
  try {
    const parsed = jwsSchema.safeParse(JSON.parse(Buffer.from(envelopeBytes).toString('utf8')));
    if (!parsed.success) return 'the signature envelope is not a JWS JSON envelope';
    const envelope = parsed.data;
    const header = protectedSchema.safeParse(decodeJson(envelope.protected));
    if (!header.success) return "the envelope's protected header is not notation's";
    return {
      alg: header.data.alg,
      cty: header.data.cty,
      crit: header.data.crit,
      signingScheme: header.data['io.cncf.notary.signingScheme'],
      signingTime: header.data['io.cncf.notary.signingTime'] ?? header.data['io.cncf.notary.authenticSigningTime'],
      expiry: header.data['io.cncf.notary.expiry'],
      chain: envelope.header.x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64'))),
      signed: Buffer.from(`${envelope.protected}.${envelope.payload}`, 'ascii'),
      signature: Buffer.from(envelope.signature, 'base64url'),
      payload: Buffer.from(envelope.payload, 'base64url'),
      timestamp: envelope.header[TIMESTAMP_HEADER] === undefined ? undefined : Buffer.from(envelope.header[TIMESTAMP_HEADER], 'base64'),
    };
  } catch {
    return 'the signature envelope cannot be read';
  }
}

/**
 * Checks a Notary Project JWS signature envelope as `notation verify` does: the protected header
 * is notation's, the leaf certificate (a code-signing certificate) made the signature with the
 * algorithm the header names, the chain ends at a certificate of the trust store, the leaf's
 * subject is a trusted identity, the certificates and signature are in date (or, once the
 * certificate has expired, an RFC 3161 timestamp by a trusted TSA falls inside its validity),
 * and the payload names this artifact.
 */
export function verifyNotationJws(envelopeBytes: Uint8Array, subject: NotationSubject, trust: NotationTrust, now: Date): Verdict {
  return checkNotationJws(envelopeBytes, subject, trust, now).verdict;
}

/**
 * A verdict and the moment it may change by time alone (epoch ms: a certificate starts or ends,
 * the signature expires; undefined: never), after which a stored verdict is not reused.
 */
export interface TimedVerdict {
  readonly verdict: Verdict;
  readonly recheckAt?: number | undefined;
}

/** `judgeNotationEnvelope`, with the next date of the envelope after `now`. */
export function judgeNotationTimed(envelope: NotationEnvelope, subject: NotationSubject, trust: NotationTrust, now: Date): TimedVerdict {
  const dates = [...envelope.chain.flatMap((cert) => [cert.validFrom, cert.validTo]), envelope.expiry ?? '']
    .map((date) => new Date(date).getTime())
    .filter((at) => at > now.getTime());
  return { verdict: judgeNotationEnvelope(envelope, subject, trust, now), recheckAt: dates.length > 0 ? Math.min(...dates) : undefined };
}

/** `verifyNotationJws`, with the moment its verdict may change. */
export function checkNotationJws(envelopeBytes: Uint8Array, subject: NotationSubject, trust: NotationTrust, now: Date): TimedVerdict {
  if (envelopeBytes.length > MAX_JWS_BYTES) return { verdict: refused('the signature envelope is too large') };
  const envelope = readJws(envelopeBytes);
  return typeof envelope === 'string' ? { verdict: refused(envelope) } : judgeNotationTimed(envelope, subject, trust, now);
}

/** The checks `notation verify` makes, on an envelope of either format. */
export function judgeNotationEnvelope(envelope: NotationEnvelope, subject: NotationSubject, trust: NotationTrust, now: Date): Verdict {
  if (envelope.cty !== NOTATION_PAYLOAD_TYPE) return refused(`the envelope's content type is ${envelope.cty}`);
  const unknownCritical = envelope.crit.find((name) => !KNOWN_CRITICAL.has(name));
  if (unknownCritical) return refused(`the envelope marks ${unknownCritical} critical, which this verifier does not understand`);
  if (!envelope.crit.includes('io.cncf.notary.signingScheme')) return refused('the envelope does not mark its signing scheme critical');
  const algorithm = ALGORITHMS[envelope.alg];
  if (!algorithm) return refused(`the signature algorithm ${envelope.alg} is not one of notation's`);
  const leaf = envelope.chain[0];
  if (!leaf) return refused('the envelope carries no certificate');
  const signer = leaf.subject.replace(/\n/g, ', ');
  const key = leaf.publicKey;
  if (key.asymmetricKeyType !== algorithm.key || (algorithm.curve && key.asymmetricKeyDetails?.namedCurve !== algorithm.curve))
    return refused(`the certificate's key does not fit ${envelope.alg}`, signer);
  const intact =
    algorithm.key === 'rsa'
      ? cryptoVerify(algorithm.hash, envelope.signed, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[algorithm.hash] }, envelope.signature)
      : cryptoVerify(algorithm.hash, envelope.signed, { key, dsaEncoding: 'ieee-p1363' }, envelope.signature);
  if (!intact) return refused('the signature does not verify with its certificate', signer);

  let payload: z.infer<typeof payloadSchema>;
  try {
    const parsed = payloadSchema.safeParse(JSON.parse(envelope.payload.toString('utf8')));
    if (!parsed.success) return refused('the signed payload does not name a target artifact', signer);
    payload = parsed.data;
  } catch {
    return refused('the signed payload is not JSON', signer);
  }
  const target = payload.targetArtifact;
  if (target.digest !== subject.digest) return refused('the signature is for another artifact digest', signer);
  if (subject.size !== undefined && target.size !== subject.size) return refused('the signature is for an artifact of another size', signer);
  if (subject.mediaType !== undefined && target.mediaType !== subject.mediaType) return refused('the signature is for another media type', signer);
  const timing = authenticTimestamp(envelope, trust, now);
  // Audit and permissive log what strict enforces (notation's authenticTimestamp and expiry).
  const logged = timing.failure ? [...timing.notes, timing.failure] : timing.notes;
  if (trust.level === 'audit') return verified(signer, ['audit level: only the signature was checked', ...logged]);

  if (!(leaf.keyUsage ?? []).includes(CODE_SIGNING)) return refused('the signing certificate is not a code-signing certificate', signer);
  if (!chainTrusted(envelope.chain, trust.anchors)) return refused('the certificate chain does not end at a trusted certificate', signer);
  if (!identityMatches(trust.trustedIdentities, leaf)) return refused('the signing certificate is not a trusted identity', signer);

  if (timing.failure && trust.level === 'strict') return refused(timing.failure, signer);
  const notes = [...logged];
  if (envelope.expiry !== undefined && !(new Date(envelope.expiry) > now)) {
    if (trust.level === 'strict') return refused('the signature has expired', signer);
    notes.push('the signature has expired');
  }
  if (envelope.signingTime) notes.unshift(`signed ${new Date(envelope.signingTime).toISOString()}`);
  return verified(signer, notes);
}
