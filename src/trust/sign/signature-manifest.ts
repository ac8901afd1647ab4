import { createHash } from 'node:crypto';
import { COSIGN_SIGNATURE_ANNOTATION } from '../verify/cosign.js';

export const OCI_MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG_TYPE = 'application/vnd.oci.image.config.v1+json';
export const SIMPLE_SIGNING_LAYER_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** The config media type of cosign's OCI 1.1 (referrer) signature manifests, and the artifact type the referrers API lists them under. */
export const COSIGN_SIGNATURE_ARTIFACT_TYPE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
export const SIGNATURE_ANNOTATION = COSIGN_SIGNATURE_ANNOTATION;
/** cosign v3's default: a sigstore bundle (DSSE over an in-toto statement) as an OCI 1.1 referrer of this artifact type. */
export const SIGSTORE_BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** The annotation cosign v3 puts on a bundle referrer: which predicate the bundle's statement carries. */
export const BUNDLE_PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';

export interface Descriptor {
  readonly mediaType: string;
  readonly size: number;
  readonly digest: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly artifactType?: string;
}

export interface SignatureManifest {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
}

export interface Blob {
  readonly bytes: Buffer;
  readonly descriptor: Descriptor;
}

export const sha256Digest = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The tag cosign keeps an image's signatures under: `sha256-<hex>.sig`. */
export const signatureTag = (digest: string): string => `${digest.replace(':', '-')}.sig`;

/** The referrers tag schema's fallback tag for a subject (`<alg>-<hex>`), for registries without the referrers API. */
export const referrersFallbackTag = (digest: string): string => {
  const [algorithm = '', encoded = ''] = digest.split(':');
  return `${algorithm.slice(0, 32)}-${encoded.slice(0, 64)}`.replace(/[^a-zA-Z0-9._-]/g, '-');
};

/** A simple-signing layer: the payload as a blob, the base64 signature as its annotation. */
export function signatureLayer(payload: Buffer, signature: string): Blob {
  return {
    bytes: payload,
    descriptor: { mediaType: SIMPLE_SIGNING_LAYER_TYPE, size: payload.length, digest: sha256Digest(payload), annotations: { [SIGNATURE_ANNOTATION]: signature } },
  };
}

/**
 * The image config go-containerregistry derives for cosign's signature image: empty platform,
 * one zero-time history entry and one diff id per layer (layers are uncompressed, so the diff id is
 * the layer digest), serialised in Go's field order. Byte for byte what cosign pushes.
 */
export function signatureConfig(layerDigests: readonly string[], mediaType: string = OCI_CONFIG_TYPE): Blob {
  const zeroTime = '0001-01-01T00:00:00Z';
  const config = {
    architecture: '',
    created: zeroTime,
    history: layerDigests.map(() => ({ created: zeroTime })),
    os: '',
    rootfs: { type: 'layers', diff_ids: layerDigests },
    config: {},
  };
  const bytes = Buffer.from(JSON.stringify(config), 'utf8');
  return { bytes, descriptor: { mediaType, size: bytes.length, digest: sha256Digest(bytes) } };
}

/** A Go map as encoding/json writes it: keys in byte order. */
function sortedKeys(map: Readonly<Record<string, string>>): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(map).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))) sorted[key] = map[key] ?? '';
  return sorted;
}

/** Descriptor fields in go-containerregistry's order (mediaType, size, digest, annotations), so the manifest bytes match cosign's. */
function orderedDescriptor(descriptor: Descriptor): Descriptor {
  return {
    mediaType: descriptor.mediaType,
    size: descriptor.size,
    digest: descriptor.digest,
    ...(descriptor.annotations && Object.keys(descriptor.annotations).length > 0 ? { annotations: sortedKeys(descriptor.annotations) } : {}),
  };
}

export interface BuiltManifest {
  readonly manifest: SignatureManifest;
  readonly bytes: Buffer;
  readonly digest: string;
  readonly config: Blob;
}

function build(layers: readonly Descriptor[], configType: string, subject?: Descriptor): BuiltManifest {
  const config = signatureConfig(
    layers.map((layer) => layer.digest),
    configType,
  );
  const manifest: SignatureManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_TYPE,
    config: orderedDescriptor(config.descriptor),
    layers: layers.map(orderedDescriptor),
    ...(subject ? { subject: orderedDescriptor({ mediaType: subject.mediaType, size: subject.size, digest: subject.digest }) } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  return { manifest, bytes, digest: sha256Digest(bytes), config };
}

/**
 * The `sha256-<hex>.sig` manifest (cosign's tag scheme): the layers already there, then the new
 * one, as cosign appends a signature to an image's existing signature manifest.
 */
export function tagSchemeManifest(existingLayers: readonly Descriptor[], added: Descriptor): BuiltManifest {
  return build([...existingLayers, added], OCI_CONFIG_TYPE);
}

/** cosign's OCI 1.1 signature manifest: one layer, config typed as a cosign signature artifact, `subject` the signed image. */
export function referrerManifest(layer: Descriptor, subject: Descriptor): BuiltManifest {
  return build([layer], COSIGN_SIGNATURE_ARTIFACT_TYPE, subject);
}
