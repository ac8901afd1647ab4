import type { Readable } from 'node:stream';
import type { Clock } from '../platform/clock.js';
import { readUpTo } from '../platform/lib/index.js';
import { SIGSTORE_BUNDLE_TYPE, SIMPLE_SIGNING_LAYER_TYPE } from './sign/signature-manifest.js';
import type { Executor } from '../platform/db/index.js';
import { effectiveTrust, type EffectiveTrust } from './material/material.js';
import type { SignatureJudge } from './policy/gate.js';
import type { SignatureKind, SignatureRef } from './policy/signatures.js';
import { COSIGN_SIGNATURE_ANNOTATION, MAX_PAYLOAD_BYTES, verifyCosignSignature } from './verify/cosign.js';
import { MAX_ENVELOPE_BYTES } from './verify/dsse.js';
import type { KeylessTrust } from './verify/keyless.js';
import { checkNotationJws, MAX_JWS_BYTES, type TimedVerdict } from './verify/notation.js';
import { checkNotationCose } from './verify/notation-cose.js';
import { loadVerifyLibraries } from './verify/libraries.js';
import { refused, type Verdict } from './verify/result.js';
import { verifySigstoreBundle } from './verify/sigstore-bundle.js';

const NOTATION_ENVELOPES = ['application/jose+json', 'application/cose'];
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Layers of one signature manifest checked at most (cosign appends one per signature). */
const MAX_LAYERS = 32;

const keylessOf = (trust: EffectiveTrust): KeylessTrust => ({ roots: trust.sigstoreRoots, rules: trust.policy.keyless_identities });

/** How the verifier reads what was pushed: manifests and blobs by digest. */
export interface BlobReader {
  readBlob(digest: string): Promise<Readable>;
}

interface Layer {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** A signature's verdict as stored and shown. */
export interface StoredVerdict {
  readonly verified: boolean;
  readonly signer: string;
  readonly reason: string;
  readonly details: readonly string[];
  readonly checkedAt: number;
}

/**
 * Checks signatures against a project's trust material and keeps each verdict per material
 * hash: a signature is read and checked once, and again only after the material changed.
 */
export class SignatureVerifier implements SignatureJudge {
  constructor(private readonly deps: { blobs: BlobReader; clock: Clock }) {}

  async anyVerified(db: Executor, projectId: number, kind: SignatureKind, signatures: readonly SignatureRef[]): Promise<boolean> {
    const trust = await effectiveTrust(db, projectId);
    for (const signature of signatures) if ((await this.verdictOf(db, signature, kind, trust)).verified) return true;
    return false;
  }

  /** The signature's verdict under the trust given, from the store when it was checked under it already and no certificate or expiry date has passed since. */
  async verdictOf(db: Executor, signature: SignatureRef, kind: SignatureKind, trust: EffectiveTrust): Promise<StoredVerdict> {
    const stored = await db.selectFrom('signature_verdicts').selectAll().where('signature_id', '=', signature.id).executeTakeFirst();
    const now = this.deps.clock.now();
    if (stored && stored.material_hash === trust.hash && (stored.recheck_at === null || now < stored.recheck_at)) {
      let details: string[] = [];
      try {
        details = JSON.parse(stored.details) as string[];
      } catch {
        details = [];
      }
      return { verified: stored.verified === 1, signer: stored.signer, reason: stored.reason, details, checkedAt: stored.checked_at };
    }
    const { verdict, recheckAt } = await this.check(signature, kind, trust);
    const row = {
      material_hash: trust.hash,
      verified: verdict.verified ? 1 : 0,
      signer: (verdict.signer ?? '').slice(0, 1024),
      reason: verdict.verified ? '' : verdict.reason.slice(0, 1024),
      details: JSON.stringify(verdict.verified ? (verdict.details ?? []) : []),
      checked_at: now,
      recheck_at: recheckAt ?? null,
    };
    await db
      .insertInto('signature_verdicts')
      .values({ signature_id: signature.id, ...row })
      .onConflict((oc) => oc.column('signature_id').doUpdateSet(row))
      .execute();
    return { verified: row.verified === 1, signer: row.signer, reason: row.reason, details: JSON.parse(row.details) as string[], checkedAt: row.checked_at };
  }

  /** The signature's verdict: its first layer that verifies, else the last refusal, due again when the first of its layers' may change. */
  private async check(signature: SignatureRef, kind: SignatureKind, trust: EffectiveTrust): Promise<TimedVerdict> {
    await loadVerifyLibraries();
    const manifestBytes = await readUpTo(await this.deps.blobs.readBlob(signature.digest), MAX_MANIFEST_BYTES);
    if (!manifestBytes) return { verdict: refused('the signature manifest is too large') };
    let layers: Layer[];
    try {
      layers = ((JSON.parse(manifestBytes.toString('utf8')) as { layers?: Layer[] }).layers ?? []).slice(0, MAX_LAYERS);
    } catch {
      return { verdict: refused('the signature manifest is not JSON') };
    }
    let last: Verdict = refused('the signature manifest holds no signature');
    let recheckAt: number | undefined;
    for (const layer of layers) {
      const checked = await this.checkLayer(layer, signature.subjectDigest, kind, trust);
      if (checked === undefined) continue;
      if (checked.verdict.verified) return checked;
      last = checked.verdict;
      if (checked.recheckAt !== undefined) recheckAt = Math.min(recheckAt ?? checked.recheckAt, checked.recheckAt);
    }
    return { verdict: last, recheckAt };
  }

  /** One layer's verdict, or undefined for a layer that is not a signature of this kind. */
  private async checkLayer(layer: Layer, subjectDigest: string, kind: SignatureKind, trust: EffectiveTrust): Promise<TimedVerdict | undefined> {
    const verdict = await this.checkCosignLayer(layer, subjectDigest, kind, trust);
    if (verdict) return { verdict };
    if (kind === 'notation' && NOTATION_ENVELOPES.includes(layer.mediaType)) {
      const bytes = layer.size > MAX_JWS_BYTES ? undefined : await readUpTo(await this.deps.blobs.readBlob(layer.digest), MAX_JWS_BYTES);
      if (!bytes) return { verdict: refused('the signature envelope is too large') };
      return (layer.mediaType === 'application/cose' ? checkNotationCose : checkNotationJws)(
        bytes,
        { digest: subjectDigest },
        {
          anchors: trust.notationRoots,
          trustedIdentities: trust.policy.trusted_identities,
          level: trust.policy.notation_level,
          tsaAnchors: trust.notationTsaRoots,
          verifyTimestamp: trust.policy.notation_verify_timestamp,
        },
        new Date(this.deps.clock.now()),
      );
    }
    return undefined;
  }

  /** A cosign layer's verdict, or undefined for a layer that is not a cosign signature. */
  private async checkCosignLayer(layer: Layer, subjectDigest: string, kind: SignatureKind, trust: EffectiveTrust): Promise<Verdict | undefined> {
    const read = async (limit: number) => (layer.size > limit ? undefined : readUpTo(await this.deps.blobs.readBlob(layer.digest), limit));
    if (kind === 'cosign' && layer.mediaType === SIMPLE_SIGNING_LAYER_TYPE && layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION]) {
      const payload = await read(MAX_PAYLOAD_BYTES);
      if (!payload) return refused('the signed payload is too large for a cosign signature');
      return verifyCosignSignature(
        { payload, annotations: layer.annotations, subjectDigest },
        {
          keys: trust.cosignKeys,
          logKeys: trust.logKeys,
          requireLogEntry: trust.policy.require_log_entry,
          keyless: keylessOf(trust),
        },
      );
    }
    if (kind === 'cosign' && layer.mediaType === SIGSTORE_BUNDLE_TYPE) {
      const bytes = await read(MAX_ENVELOPE_BYTES);
      if (!bytes) return refused('the sigstore bundle is too large');
      return verifySigstoreBundle(bytes, subjectDigest, { keys: trust.cosignKeys, keyless: keylessOf(trust), requireLogEntry: trust.policy.require_log_entry });
    }
    return undefined;
  }
}
