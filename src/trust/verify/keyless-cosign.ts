import { createHash, X509Certificate } from 'node:crypto';
import { z } from 'zod';

const rekorBundleSchema = z.object({
  SignedEntryTimestamp: z.string().max(4096),
  Payload: z.object({
    body: z.string().max(1_000_000),
    integratedTime: z.number().int().nonnegative(),
    logIndex: z.number().int().nonnegative(),
    logID: z.string().regex(/^[0-9a-f]{64}$/),
  }),
});

/**
 * The Sigstore bundle (v0.1) that a keyless cosign tag-scheme signature amounts to: cosign keeps
 * the certificate, the signature and Rekor's offline bundle in layer annotations; the sigstore
 * libraries verify the same facts when they come as one bundle. Answers the bundle, or why the
 * annotations cannot make one.
 */
export function bundleOfCosignLayer(
  payload: Uint8Array,
  layer: { signature: string; certificatePem: string; logged: string | undefined },
): { bundle: unknown } | { reason: string } {
  const { signature, certificatePem, logged } = layer;
  let certificate: Buffer;
  try {
    certificate = new X509Certificate(certificatePem).raw;
  } catch {
    return { reason: 'the signing certificate is not a PEM X.509 certificate' };
  }
  if (logged === undefined) return { reason: 'the keyless signature has no transparency log entry to time it' };
  let entry: z.infer<typeof rekorBundleSchema>['Payload'];
  let promise: string;
  try {
    const parsed = rekorBundleSchema.safeParse(JSON.parse(logged));
    if (!parsed.success) return { reason: 'the transparency log bundle is malformed' };
    entry = parsed.data.Payload;
    promise = parsed.data.SignedEntryTimestamp;
  } catch {
    return { reason: 'the transparency log bundle is not JSON' };
  }
  let kind: { kind?: unknown; apiVersion?: unknown };
  try {
    kind = JSON.parse(Buffer.from(entry.body, 'base64').toString('utf8')) as typeof kind;
  } catch {
    return { reason: 'the transparency log entry is not JSON' };
  }
  if (typeof kind.kind !== 'string' || typeof kind.apiVersion !== 'string') return { reason: 'the transparency log entry names no kind' };
  return {
    bundle: {
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
      verificationMaterial: {
        x509CertificateChain: { certificates: [{ rawBytes: certificate.toString('base64') }] },
        tlogEntries: [
          {
            logIndex: String(entry.logIndex),
            logId: { keyId: Buffer.from(entry.logID, 'hex').toString('base64') },
            kindVersion: { kind: kind.kind, version: kind.apiVersion },
            integratedTime: String(entry.integratedTime),
            inclusionPromise: { signedEntryTimestamp: promise },
            canonicalizedBody: entry.body,
          },
        ],
        timestampVerificationData: { rfc3161Timestamps: [] },
      },
      messageSignature: {
        messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(payload).digest('base64') },
        signature,
      },
    },
  };
}
