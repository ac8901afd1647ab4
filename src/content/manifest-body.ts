import { isIndexMediaType, MediaType } from '../platform/lib/index.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture?: string; os?: string; variant?: string; 'os.version'?: string; 'os.features'?: string[] };
  annotations?: Record<string, string>;
  urls?: string[];
}

/** The parts of a stored manifest body the API describes. */
export interface ManifestBody {
  mediaType: string;
  artifactType?: string;
  config?: Descriptor;
  layers: Descriptor[];
  manifests: Descriptor[];
  annotations?: Record<string, string>;
  /** The digest of the manifest this one is attached to (signatures, SBOMs). */
  subject?: string;
}

/** Stored manifests were validated at push; this only reads them defensively. */
export function readManifestBody(bytes: Buffer, storedMediaType: string): ManifestBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { mediaType: storedMediaType, layers: [], manifests: [] };
  }
  const doc = isRecord(parsed) ? parsed : {};
  return {
    mediaType: storedMediaType,
    artifactType: typeof doc.artifactType === 'string' ? doc.artifactType : undefined,
    config: descriptor(doc.config),
    layers: descriptors(doc.layers),
    manifests: descriptors(doc.manifests),
    annotations: stringMap(doc.annotations),
    subject: descriptor(doc.subject)?.digest,
  };
}

export const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
export const HELM_CHART_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
export const CNAB_MANIFEST = 'application/vnd.cnab.manifest.v1';
const WASM_CONFIGS = ['application/vnd.wasm.config.v1+json', 'application/vnd.module.wasm.config.v1+json'];
const COSIGN_LAYER = 'application/vnd.dev.cosign.simplesigning.v1+json';
const NOTATION_SIGNATURE = 'application/vnd.cncf.notary.signature';
const IMAGE_CONFIGS: readonly string[] = [MediaType.OciConfig, MediaType.DockerConfig];

export type ArtifactKind = 'IMAGE' | 'CHART' | 'CNAB' | 'WASM' | 'SBOM' | 'SIGNATURE' | 'UNKNOWN';

/** Harbor's artifact `type`, from the manifest's media types. */
export function artifactKind(manifest: ManifestBody): ArtifactKind {
  const config = manifest.config?.mediaType ?? '';
  const declared = manifest.artifactType ?? '';
  if (config === HELM_CONFIG) return 'CHART';
  if (config === CNAB_MANIFEST || declared === CNAB_MANIFEST) return 'CNAB';
  if (WASM_CONFIGS.includes(config) || WASM_CONFIGS.includes(declared)) return 'WASM';
  if (/spdx|cyclonedx|sbom/i.test(`${declared} ${config}`)) return 'SBOM';
  if (isSignature(manifest)) return 'SIGNATURE';
  if (isIndexMediaType(manifest.mediaType)) return 'IMAGE';
  if (IMAGE_CONFIGS.includes(config) && (declared === '' || IMAGE_CONFIGS.includes(declared))) return 'IMAGE';
  return 'UNKNOWN';
}

function isSignature(manifest: ManifestBody): boolean {
  return manifest.layers.some((l) => l.mediaType === COSIGN_LAYER) || manifest.artifactType === NOTATION_SIGNATURE || manifest.artifactType === SIGSTORE_BUNDLE;
}

/** cosign's signature as an OCI 1.1 referrer: the manifest's artifactType (or config media type). */
export const COSIGN_ARTIFACT = 'application/vnd.dev.cosign.artifact.sig.v1+json';
/** cosign v3's default signature: a sigstore bundle attached as an OCI 1.1 referrer. */
export const SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** `cosign attest`'s layers: DSSE envelopes of in-toto statements. */
const DSSE_LAYER = 'application/vnd.dsse.envelope.v1+json';
/** Harbor's own SBOM, as its SBOM generation attaches it. */
export const HARBOR_SBOM = 'application/vnd.goharbor.harbor.sbom.v1';

/** Harbor's accessory types, spelled as Harbor's API and portal spell them. */
export const AccessoryType = {
  CosignSignature: 'signature.cosign',
  NotationSignature: 'signature.notation',
  HarborSbom: 'sbom.harbor',
  Subject: 'subject.accessory',
} as const;

/**
 * Harbor's accessory `type` for an artifact attached to a subject. As in Harbor, only its own
 * SBOM is `sbom.harbor`; any other referrer, an SPDX or CycloneDX SBOM pushed by a user among
 * them, is the generic `subject.accessory`.
 */
export function accessoryType(manifest: ManifestBody): string {
  const declared = [manifest.artifactType, manifest.config?.mediaType];
  if (manifest.layers.some((l) => l.mediaType === COSIGN_LAYER) || declared.includes(COSIGN_ARTIFACT) || declared.includes(SIGSTORE_BUNDLE))
    return AccessoryType.CosignSignature;
  if (declared.includes(NOTATION_SIGNATURE)) return AccessoryType.NotationSignature;
  if (declared.includes(HARBOR_SBOM)) return AccessoryType.HarborSbom;
  return AccessoryType.Subject;
}

/** cosign's tag scheme: `sha256-<hex>.sig` (signatures) and `.att` (attestations) name their subject. */
const COSIGN_TAG = /^sha256-([a-f0-9]{64})\.(sig|att)$/;

/**
 * The subject and accessory type a manifest pushed under one of cosign's tags has, as Harbor
 * reads it: a `.sig` with a simple-signing layer is a cosign signature, an `.att` with a DSSE
 * layer an accessory of its subject. A manifest with a `subject` of its own keeps that one.
 */
export function cosignTagAccessory(tag: string | null, manifest: ManifestBody): { subject: string; type: string } | undefined {
  const match = tag === null ? null : COSIGN_TAG.exec(tag);
  if (!match) return undefined;
  const subject = `sha256:${match[1]}`;
  if (match[2] === 'sig' && manifest.layers.some((l) => l.mediaType === COSIGN_LAYER)) return { subject, type: AccessoryType.CosignSignature };
  if (match[2] === 'att' && manifest.layers.some((l) => l.mediaType === DSSE_LAYER)) return { subject, type: AccessoryType.Subject };
  return undefined;
}

function descriptor(value: unknown): Descriptor | undefined {
  if (!isRecord(value) || typeof value.mediaType !== 'string' || typeof value.digest !== 'string') return undefined;
  const platform = isRecord(value.platform) ? (value.platform as Descriptor['platform']) : undefined;
  return {
    mediaType: value.mediaType,
    digest: value.digest,
    size: typeof value.size === 'number' ? value.size : 0,
    platform,
    annotations: stringMap(value.annotations),
    urls: Array.isArray(value.urls) ? value.urls.filter((u): u is string => typeof u === 'string') : undefined,
  };
}

function descriptors(value: unknown): Descriptor[] {
  return Array.isArray(value) ? value.flatMap((v) => descriptor(v) ?? []) : [];
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
