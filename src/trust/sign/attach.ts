import { createPublicKey, type KeyObject } from 'node:crypto';
import { signatureValid } from '../verify/keys.js';
import { simpleSigningPayload } from './payload.js';
import type { ImageReference } from './reference.js';
import { RegistryError } from '../../platform/registry-client/index.js';
import {
  COSIGN_SIGNATURE_ARTIFACT_TYPE,
  OCI_MANIFEST_TYPE,
  SIGNATURE_ANNOTATION,
  referrerManifest,
  referrersFallbackTag,
  signatureLayer,
  signatureTag,
  tagSchemeManifest,
  type Blob,
  type Descriptor,
} from './signature-manifest.js';
import { signPayload } from './signer.js';
import { pushSmallBlob, type SignTarget } from './target.js';

export type SignMode = 'tag' | 'referrer';
const OCI_INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';

/** Progress of a push, one step per blob or manifest. */
export interface PushProgress {
  start(steps: number): void;
  /** More steps than announced turned out to be needed. */
  extend(steps: number): void;
  step(done: string): void;
  stop(): void;
}

export interface SignRequest {
  readonly target: SignTarget;
  /** The image, its digest resolved. */
  readonly image: ImageReference & { readonly digest: string };
  readonly key: KeyObject;
  readonly annotations: Readonly<Record<string, string>>;
  readonly mode: SignMode;
  readonly progress?: PushProgress;
}

export interface SignOutcome {
  /** Where the signature is: the `.sig` tag, or the referrer manifest's digest. */
  readonly pushedTo: string;
  readonly manifestDigest: string;
  readonly layerDigest: string;
  /** How many signatures the `.sig` manifest holds now (tag mode). */
  readonly signatures: number;
  /** The image already carries this very payload signed by this key: nothing was pushed. */
  readonly alreadySigned: boolean;
  /** The registry has no referrers API: the fallback tag index was updated instead. */
  readonly fallbackTag?: string;
}

/** The signed image's own manifest descriptor (what `subject` names). */
export async function subjectDescriptor(target: SignTarget, digest: string): Promise<Descriptor> {
  const manifest = await target.client.getManifest(target.repository, digest);
  if (!manifest) throw new RegistryError(`no manifest ${target.registry}/${target.repository}@${digest}`, { status: 404, reason: 'not-found' });
  return { mediaType: manifest.mediaType, size: manifest.bytes.length, digest };
}

function layersOf(bytes: Buffer, where: string): Descriptor[] {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { layers?: unknown };
    if (Array.isArray(parsed.layers)) return parsed.layers as Descriptor[];
  } catch {
    // reported below
  }
  throw new RegistryError(`${where} exists but is not an image manifest with layers; not touching it`, { reason: 'unexpected' });
}

async function pushAll(request: SignRequest, blobs: readonly Blob[], manifestSteps: number): Promise<void> {
  request.progress?.start(blobs.length + manifestSteps);
  for (const blob of blobs) {
    const result = await pushSmallBlob(request.target, blob.bytes, blob.descriptor.digest);
    request.progress?.step(`${result === 'exists' ? 'blob already there' : 'pushed blob'} ${blob.descriptor.digest.slice(0, 19)}`);
  }
}

/**
 * Signs the image as `cosign sign --key` does and stores the signature where cosign would: appended
 * to the `sha256-<hex>.sig` manifest (tag mode), or as an OCI 1.1 manifest whose subject is the
 * image (referrer mode).
 */
export async function attachSignature(request: SignRequest): Promise<SignOutcome> {
  const { image } = request;
  const payload = simpleSigningPayload(`${image.registry}/${image.repository}`, image.digest, request.annotations);
  const layer = signatureLayer(payload, signPayload(request.key, payload));
  try {
    return request.mode === 'tag' ? await attachByTag(request, layer) : await attachAsReferrer(request, layer);
  } finally {
    request.progress?.stop();
  }
}

async function attachByTag(request: SignRequest, layer: Blob): Promise<SignOutcome> {
  const { target, image } = request;
  const tag = signatureTag(image.digest);
  const existing = await target.client.getManifest(target.repository, tag);
  const existingLayers = existing ? layersOf(existing.bytes, `${target.repository}:${tag}`) : [];
  const publicKey = createPublicKey(request.key);
  // As cosign's duplicate check: the same payload already signed by this key needs no second layer.
  const duplicate = existingLayers.find(
    (old) => old.digest === layer.descriptor.digest && signatureValid(publicKey, layer.bytes, Buffer.from(old.annotations?.[SIGNATURE_ANNOTATION] ?? '', 'base64')),
  );
  if (duplicate && existing) {
    return { pushedTo: tag, manifestDigest: existing.digest, layerDigest: duplicate.digest, signatures: existingLayers.length, alreadySigned: true };
  }
  const built = tagSchemeManifest(existingLayers, layer.descriptor);
  await pushAll(request, [layer, built.config], 1);
  await target.client.putManifest(target.repository, tag, built.bytes, OCI_MANIFEST_TYPE);
  request.progress?.step(`pushed manifest ${tag}`);
  return { pushedTo: tag, manifestDigest: built.digest, layerDigest: layer.descriptor.digest, signatures: existingLayers.length + 1, alreadySigned: false };
}

async function attachAsReferrer(request: SignRequest, layer: Blob): Promise<SignOutcome> {
  const { target, image } = request;
  const subject = await subjectDescriptor(target, image.digest);
  const built = referrerManifest(layer.descriptor, subject);
  await pushAll(request, [layer, built.config], 1);
  const put = await target.client.putManifest(target.repository, built.digest, built.bytes, OCI_MANIFEST_TYPE);
  request.progress?.step(`pushed manifest ${built.digest.slice(0, 19)}`);
  const outcome = { pushedTo: built.digest, manifestDigest: built.digest, layerDigest: layer.descriptor.digest, signatures: 1, alreadySigned: false };
  if (put.subject) return outcome;
  // No OCI-Subject: the registry does not index referrers, so the client keeps the fallback tag's index (distribution-spec, referrers tag schema).
  const fallbackTag = referrersFallbackTag(image.digest);
  request.progress?.extend(1);
  await addToFallbackIndex(target, fallbackTag, {
    mediaType: OCI_MANIFEST_TYPE,
    size: built.bytes.length,
    digest: built.digest,
    artifactType: COSIGN_SIGNATURE_ARTIFACT_TYPE,
  });
  request.progress?.step(`updated referrers index ${fallbackTag}`);
  return { ...outcome, fallbackTag };
}

async function addToFallbackIndex(target: SignTarget, tag: string, descriptor: Descriptor): Promise<void> {
  const existing = await target.client.getManifest(target.repository, tag);
  let manifests: Descriptor[] = [];
  if (existing) {
    const parsed = JSON.parse(existing.bytes.toString('utf8')) as { manifests?: unknown };
    if (!Array.isArray(parsed.manifests))
      throw new RegistryError(`${target.repository}:${tag} exists but is not an image index; not touching it`, { reason: 'unexpected' });
    manifests = parsed.manifests as Descriptor[];
  }
  if (manifests.some((m) => m.digest === descriptor.digest)) return;
  const index = { schemaVersion: 2, mediaType: OCI_INDEX_TYPE, manifests: [...manifests, descriptor] };
  await target.client.putManifest(target.repository, tag, Buffer.from(JSON.stringify(index), 'utf8'), OCI_INDEX_TYPE);
}
