import { createHash } from 'node:crypto';
import { z } from 'zod';
import { signatureValid, type TrustedKey } from './keys.js';

/** cosign's `dev.sigstore.cosign/bundle` annotation: Rekor's signed promise that the entry is in its log. */
const bundleSchema = z.object({
  SignedEntryTimestamp: z.string().max(4096),
  Payload: z.object({
    body: z.string().max(1_000_000),
    integratedTime: z.number().int(),
    logIndex: z.number().int(),
    logID: z.string().regex(/^[0-9a-f]{64}$/),
  }),
});

/** The part of a `hashedrekord` entry that ties it to the signature. */
const hashedRekordSchema = z.object({
  kind: z.literal('hashedrekord'),
  spec: z.object({
    data: z.object({ hash: z.object({ algorithm: z.literal('sha256'), value: z.string() }) }),
    signature: z.object({ content: z.string() }),
  }),
});

export interface LogEntry {
  /** When Rekor logged the signature, in seconds since the epoch. */
  readonly integratedTime: number;
  readonly logIndex: number;
}

/**
 * Checks a Rekor offline bundle as cosign does: the signed entry timestamp is Rekor's signature
 * (by a trusted log key, found by log id) over the canonical JSON of the entry, and the entry
 * logs this very signature over this very payload. Answers the entry, or why it does not count.
 */
export function verifyRekorBundle(
  annotation: string,
  logKeys: readonly TrustedKey[],
  payload: Uint8Array,
  signature: Uint8Array,
): { entry: LogEntry } | { reason: string } {
  let parsedJson: unknown;
  try {
    parsedJson = JSON.parse(annotation);
  } catch {
    return { reason: 'the transparency log bundle is not JSON' };
  }
  const bundle = bundleSchema.safeParse(parsedJson);
  if (!bundle.success) return { reason: 'the transparency log bundle is malformed' };
  const { body, integratedTime, logIndex, logID } = bundle.data.Payload;
  const logKey = logKeys.find((k) => k.fingerprint === `sha256:${logID}`);
  if (!logKey) return { reason: `the transparency log ${logID.slice(0, 12)}… is not trusted` };
  // Keys in sorted order, no spaces: the canonical form Rekor signed.
  const canonical = JSON.stringify({ body, integratedTime, logID, logIndex });
  if (!signatureValid(logKey.key, Buffer.from(canonical), Buffer.from(bundle.data.SignedEntryTimestamp, 'base64')))
    return { reason: "the transparency log's signed entry timestamp does not verify" };
  let entryJson: unknown;
  try {
    entryJson = JSON.parse(Buffer.from(body, 'base64').toString('utf8'));
  } catch {
    return { reason: 'the transparency log entry is not JSON' };
  }
  const entry = hashedRekordSchema.safeParse(entryJson);
  if (!entry.success) return { reason: 'the transparency log entry is not a hashedrekord' };
  if (entry.data.spec.data.hash.value !== createHash('sha256').update(payload).digest('hex')) return { reason: 'the transparency log entry is for another payload' };
  if (!Buffer.from(entry.data.spec.signature.content, 'base64').equals(Buffer.from(signature)))
    return { reason: 'the transparency log entry is for another signature' };
  return { entry: { integratedTime, logIndex } };
}
