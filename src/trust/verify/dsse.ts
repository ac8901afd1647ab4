import { z } from 'zod';
import { signatureValid, type TrustedKey } from './keys.js';
import { refused, verified, type Verdict } from './result.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** The predicate cosign v3 signs an image with (a signature, not an attestation of anything else). */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
/** DSSE envelopes and their statements larger than this are refused unread. */
export const MAX_ENVELOPE_BYTES = 4 * 1024 * 1024;

export const envelopeSchema = z.object({
  payloadType: z.string().max(256),
  payload: z.string(),
  signatures: z
    .array(z.object({ keyid: z.string().optional(), sig: z.string() }))
    .min(1)
    .max(16),
});
export type DsseEnvelope = z.infer<typeof envelopeSchema>;

const statementSchema = z.object({
  _type: z.string(),
  predicateType: z.string(),
  subject: z.array(z.object({ name: z.string().optional(), digest: z.record(z.string(), z.string()) })).max(1024),
});

/** DSSE's pre-authentication encoding: what the signature is really over. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** Parses an envelope's JSON, bounded; undefined when it is not a DSSE envelope. */
export function parseEnvelope(bytes: Uint8Array): DsseEnvelope | undefined {
  if (bytes.length > MAX_ENVELOPE_BYTES) return undefined;
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks a DSSE envelope holding an in-toto statement (`cosign attest`, and cosign v3's image
 * signatures): one of its signatures is by a trusted key over the PAE, and the statement's
 * subjects include the artifact's digest. `predicateType`, when given, must match.
 */
export function verifyDsse(envelope: DsseEnvelope, subjectDigest: string, keys: readonly TrustedKey[], predicateType?: string): Verdict {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return refused(`the envelope holds ${envelope.payloadType}, not an in-toto statement`);
  const body = Buffer.from(envelope.payload, 'base64');
  const signed = pae(envelope.payloadType, body);
  const key = keys.find((k) => envelope.signatures.some((s) => signatureValid(k.key, signed, Buffer.from(s.sig, 'base64'))));
  if (!key) return refused(keys.length === 0 ? 'no public key is trusted' : 'no trusted key made this signature');
  return statementVerdict(body, subjectDigest, key.fingerprint, predicateType);
}

/**
 * Whether a signed in-toto statement is about the artifact (and of the predicate asked for):
 * the signer's verdict once its signature has verified.
 */
export function statementVerdict(body: Buffer, subjectDigest: string, signer: string, predicateType?: string, details: readonly string[] = []): Verdict {
  let statement: z.infer<typeof statementSchema>;
  try {
    const parsed = statementSchema.safeParse(JSON.parse(body.toString('utf8')));
    if (!parsed.success) return refused('the signed statement is not an in-toto statement', signer);
    statement = parsed.data;
  } catch {
    return refused('the signed statement is not JSON', signer);
  }
  if (predicateType !== undefined && statement.predicateType !== predicateType)
    return refused(`the statement's predicate is ${statement.predicateType}, not ${predicateType}`, signer);
  const [algorithm, hex] = subjectDigest.split(':');
  if (!algorithm || !hex || !statement.subject.some((s) => s.digest[algorithm] === hex)) return refused('the statement is about another digest', signer);
  return verified(signer, [`in-toto ${statement.predicateType}`, ...details]);
}
