import { MAX_PAYLOAD_BYTES } from '../verify/cosign.js';
import { COSIGN_SIGN_PREDICATE, MAX_ENVELOPE_BYTES } from '../verify/dsse.js';
import { descriptorsOfIndex, RegistryError } from '../../platform/registry-client/index.js';
import {
  BUNDLE_PREDICATE_ANNOTATION,
  COSIGN_SIGNATURE_ARTIFACT_TYPE,
  referrersFallbackTag,
  SIGSTORE_BUNDLE_TYPE,
  SIMPLE_SIGNING_LAYER_TYPE,
  signatureTag,
  type Descriptor,
} from './signature-manifest.js';
import { readSmallBlob, type SignTarget } from './target.js';

/** The referrer artifact types that are image signatures: cosign's OCI 1.1 simple signing, and cosign v3's sigstore bundles. */
const SIGNATURE_ARTIFACT_TYPES = [COSIGN_SIGNATURE_ARTIFACT_TYPE, SIGSTORE_BUNDLE_TYPE];

/** One simple-signing layer found for an image, read and ready to check. */
export interface FoundSignature {
  /** A simple-signing payload with its signature annotation, or a sigstore bundle (DSSE envelope inside). */
  readonly format: 'simple-signing' | 'sigstore-bundle';
  /** `tag sha256-….sig`, `referrer sha256:…`: where it was found. */
  readonly source: string;
  readonly manifestDigest: string;
  readonly layerDigest: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** The layer's bytes (the payload, or the bundle's JSON); undefined when they could not be read (see `problem`). */
  readonly payload?: Buffer;
  readonly problem?: string;
}

export interface Discovery {
  readonly signatures: readonly FoundSignature[];
  /** How referrers were listed: the API, the fallback tag, or not at all. */
  readonly referrers: 'api' | 'fallback-tag' | 'none';
}

interface ParsedManifest {
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

function parseManifest(bytes: Buffer): ParsedManifest {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { layers?: unknown; subject?: Descriptor; annotations?: Record<string, string> };
    return {
      layers: Array.isArray(parsed.layers) ? (parsed.layers as Descriptor[]) : [],
      ...(parsed.subject ? { subject: parsed.subject } : {}),
      ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
    };
  } catch {
    return { layers: [] };
  }
}

function formatOf(layer: Descriptor): { format: FoundSignature['format']; maxBytes: number } | undefined {
  if (layer.mediaType === SIMPLE_SIGNING_LAYER_TYPE) return { format: 'simple-signing', maxBytes: MAX_PAYLOAD_BYTES };
  if (layer.mediaType === SIGSTORE_BUNDLE_TYPE) return { format: 'sigstore-bundle', maxBytes: MAX_ENVELOPE_BYTES };
  return undefined;
}

async function readLayers(target: SignTarget, source: string, manifestDigest: string, layers: readonly Descriptor[]): Promise<FoundSignature[]> {
  const found: FoundSignature[] = [];
  for (const layer of layers) {
    const kind = formatOf(layer);
    if (!kind) continue;
    const base = { format: kind.format, source, manifestDigest, layerDigest: layer.digest, annotations: layer.annotations ?? {} };
    if (layer.size > kind.maxBytes) {
      found.push({ ...base, problem: `the layer is ${layer.size} bytes, too large for a cosign signature` });
      continue;
    }
    try {
      found.push({ ...base, payload: await readSmallBlob(target, layer.digest, kind.maxBytes) });
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err;
      found.push({ ...base, problem: err.message });
    }
  }
  return found;
}

/**
 * Every cosign signature of an image, from both places cosign writes them: simple signing in the
 * `sha256-<hex>.sig` tag, and OCI 1.1 referrers (simple signing, or cosign v3's sigstore bundles)
 * through the referrers API, or the referrers fallback tag on registries without it.
 */
export async function findSignatures(target: SignTarget, digest: string): Promise<Discovery> {
  const signatures: FoundSignature[] = [];
  const tag = signatureTag(digest);
  const { client, repository } = target;
  const tagged = await client.getManifest(repository, tag);
  if (tagged) signatures.push(...(await readLayers(target, `tag ${tag}`, tagged.digest, parseManifest(tagged.bytes).layers)));

  let referrers: Discovery['referrers'] = 'api';
  let listed: Descriptor[] = [];
  for (const artifactType of SIGNATURE_ARTIFACT_TYPES) {
    const answer = await client.referrers(repository, digest, artifactType);
    if (answer === undefined) {
      referrers = 'none';
      break;
    }
    listed.push(...answer);
  }
  if (referrers === 'none') {
    const fallback = await client.getManifest(repository, referrersFallbackTag(digest));
    if (fallback) referrers = 'fallback-tag';
    listed = fallback ? descriptorsOfIndex(fallback.bytes) : [];
  }
  for (const descriptor of listed) {
    // A registry may ignore the filter (it says so with OCI-Filters-Applied); filter here as well.
    if (!SIGNATURE_ARTIFACT_TYPES.includes(descriptor.artifactType ?? '')) continue;
    if (signatures.some((s) => s.manifestDigest === descriptor.digest)) continue;
    const manifest = await client.getManifest(repository, descriptor.digest);
    if (!manifest) continue;
    const parsed = parseManifest(manifest.bytes);
    if (parsed.subject && parsed.subject.digest !== digest) continue;
    // cosign v3 attestations are bundles too; only those carrying its signing predicate are signatures.
    const predicate = parsed.annotations?.[BUNDLE_PREDICATE_ANNOTATION];
    if (descriptor.artifactType === SIGSTORE_BUNDLE_TYPE && predicate !== undefined && predicate !== COSIGN_SIGN_PREDICATE) continue;
    signatures.push(...(await readLayers(target, `referrer ${descriptor.digest}`, descriptor.digest, parsed.layers)));
  }
  return { signatures, referrers };
}
