import { X509Certificate } from 'node:crypto';
import {
  judgeNotationTimed,
  MAX_JWS_BYTES,
  TIMESTAMP_HEADER,
  type TimedVerdict,
  type NotationEnvelope,
  type NotationSubject,
  type NotationTrust,
} from './notation.js';
import { verifyLibraries } from './libraries.js';
import { refused, type Verdict } from './result.js';
import { MAX_TIMESTAMP_BYTES } from './timestamp.js';

/** COSE_Sign1's CBOR tag. */
const COSE_SIGN1 = 18;
/** COSE header labels notation uses. */
const ALG = 1;
const CRIT = 2;
const CONTENT_TYPE = 3;
const X5CHAIN = 33;
/** COSE algorithm numbers and their JWS names, the ones notation allows. */
const COSE_ALGORITHMS = new Map<number, string>([
  [-37, 'PS256'],
  [-38, 'PS384'],
  [-39, 'PS512'],
  [-7, 'ES256'],
  [-35, 'ES384'],
  [-36, 'ES512'],
]);
const MAX_CHAIN = 10;

type HeaderMap = Map<unknown, unknown>;

function bytes(value: unknown): Uint8Array | undefined {
  return value instanceof Uint8Array ? value : undefined;
}

/** A time in a COSE header: notation writes a tagged epoch date, which the decoder turns into a Date. */
function timeOf(value: unknown): string | undefined {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  if (typeof value === 'number') return new Date(value * 1000).toISOString();
  return undefined;
}

/** Reads a COSE_Sign1 envelope as notation writes it; a string says why it cannot be read. */
function readCose(envelopeBytes: Uint8Array): NotationEnvelope | string {
  const { decode, encode, Tag } = verifyLibraries().cbor;
  let message: unknown;
  try {
    message = decode(envelopeBytes, { preferMap: true });
  } catch {
    return 'the signature envelope is not CBOR';
  }
  if (!(message instanceof Tag) || Number(message.tag) !== COSE_SIGN1 || !Array.isArray(message.contents) || message.contents.length !== 4)
    return 'the signature envelope is not a COSE_Sign1 message';
  const [protectedBytes, unprotected, payload, signature] = message.contents as unknown[];
  const protectedRaw = bytes(protectedBytes);
  const payloadRaw = bytes(payload);
  const signatureRaw = bytes(signature);
  if (!protectedRaw || !payloadRaw || !signatureRaw || !(unprotected instanceof Map)) return 'the COSE_Sign1 message is malformed';
  let header: unknown;
  try {
    header = decode(protectedRaw, { preferMap: true });
  } catch {
    return "the envelope's protected header is not CBOR";
  }
  if (!(header instanceof Map)) return "the envelope's protected header is not a map";
  const h = header as HeaderMap;
  const alg = COSE_ALGORITHMS.get(Number(h.get(ALG)));
  const crit = h.get(CRIT);
  const chain = (unprotected as HeaderMap).get(X5CHAIN);
  const certificates = Array.isArray(chain) ? chain : bytes(chain) ? [chain] : [];
  if (certificates.length === 0 || certificates.length > MAX_CHAIN || !certificates.every((c) => bytes(c)))
    return 'the envelope carries no usable certificate chain';
  const scheme = h.get('io.cncf.notary.signingScheme');
  if (scheme !== 'notary.x509' && scheme !== 'notary.x509.signingAuthority') return "the envelope's signing scheme is not notation's";
  const timestamp = (unprotected as HeaderMap).get(TIMESTAMP_HEADER);
  if (timestamp !== undefined && (!bytes(timestamp) || (timestamp as Uint8Array).length > MAX_TIMESTAMP_BYTES))
    return "the envelope's timestamp is not a usable token";
  try {
    return {
      alg: alg ?? `COSE ${String(h.get(ALG))}`,
      cty: typeof h.get(CONTENT_TYPE) === 'string' ? (h.get(CONTENT_TYPE) as string) : '',
      crit: Array.isArray(crit) ? crit.filter((c): c is string => typeof c === 'string') : [],
      signingScheme: scheme,
      signingTime: timeOf(h.get('io.cncf.notary.signingTime') ?? h.get('io.cncf.notary.authenticSigningTime')),
      expiry: timeOf(h.get('io.cncf.notary.expiry')),
      chain: certificates.map((der) => new X509Certificate(Buffer.from(der as Uint8Array))),
      // COSE's Sig_structure: what a COSE_Sign1 signature is over.
      signed: Buffer.from(encode(['Signature1', new Uint8Array(protectedRaw), new Uint8Array(0), new Uint8Array(payloadRaw)])),
      signature: Buffer.from(signatureRaw),
      payload: Buffer.from(payloadRaw),
      timestamp: timestamp === undefined ? undefined : Buffer.from(timestamp as Uint8Array),
    };
  } catch {
    return 'the envelope carries a certificate that cannot be read';
  }
}

/** Checks a Notary Project COSE_Sign1 envelope with the same rules as a JWS one. */
export function verifyNotationCose(envelopeBytes: Uint8Array, subject: NotationSubject, trust: NotationTrust, now: Date): Verdict {
  return checkNotationCose(envelopeBytes, subject, trust, now).verdict;
}

/** `verifyNotationCose`, with the moment its verdict may change. */
export function checkNotationCose(envelopeBytes: Uint8Array, subject: NotationSubject, trust: NotationTrust, now: Date): TimedVerdict {
  if (envelopeBytes.length > MAX_JWS_BYTES) return { verdict: refused('the signature envelope is too large') };
  const envelope = readCose(envelopeBytes);
  return typeof envelope === 'string' ? { verdict: refused(envelope) } : judgeNotationTimed(envelope, subject, trust, now);
}
