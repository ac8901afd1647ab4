import { MAX_PAYLOAD_BYTES } from '../verify/cosign.js';
import { manifestsOfIndex, RegistryError, type RegistryClient } from './registry-client.js';
import { COSIGN_SIGNATURE_ARTIFACT_TYPE, referrersFallbackTag, SIMPLE_SIGNING_LAYER_TYPE, signatureTag, type Descriptor } from './signature-manifest.js';

/** One simple-signing layer found for an image, read and ready to check. */
export interface FoundSignature {
  /** `tag sha256-….sig`, `referrer sha256:…`: where it was found. */
  readonly source: string;
  readonly manifestDigest: string;
  readonly layerDigest: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** The layer's bytes; undefined when they could not be read (see `problem`). */
  readonly payload?: Buffer;
  readonly problem?: string;
}

export interface Discovery {
  readonly signatures: readonly FoundSignature[];
  /** How referrers were listed: the API, the fallback tag, or not at all. */
  readonly referrers: 'api' | 'fallback-tag' | 'none';
}

function parseManifest(bytes: Buffer): { layers: Descriptor[]; subject?: Descriptor } {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { layers?: unknown; subject?: Descriptor };
    return { layers: Array.isArray(parsed.layers) ? (parsed.layers as Descriptor[]) : [], ...(parsed.subject ? { subject: parsed.subject } : {}) };
  } catch {
    return { layers: [] };
  }
}

async function readLayers(client: RegistryClient, source: string, manifestDigest: string, layers: readonly Descriptor[]): Promise<FoundSignature[]> {
  const found: FoundSignature[] = [];
  for (const layer of layers) {
    if (layer.mediaType !== SIMPLE_SIGNING_LAYER_TYPE) continue;
    const base = { source, manifestDigest, layerDigest: layer.digest, annotations: layer.annotations ?? {} };
    if (layer.size > MAX_PAYLOAD_BYTES) {
      found.push({ ...base, problem: `the payload is ${layer.size} bytes, too large for a cosign signature` });
      continue;
    }
    try {
      found.push({ ...base, payload: await client.getBlob(layer.digest, MAX_PAYLOAD_BYTES) });
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err;
      found.push({ ...base, problem: err.message });
    }
  }
  return found;
}

/**
 * Every cosign simple-signing signature of an image, from both places cosign writes them: the
 * `sha256-<hex>.sig` tag and OCI 1.1 referrers (the referrers API, or the referrers fallback tag
 * on registries without it).
 */
export async function findSignatures(client: RegistryClient, digest: string): Promise<Discovery> {
  const signatures: FoundSignature[] = [];
  const tag = signatureTag(digest);
  const tagged = await client.getManifest(tag);
  if (tagged) signatures.push(...(await readLayers(client, `tag ${tag}`, tagged.digest, parseManifest(tagged.bytes).layers)));

  let referrers: Discovery['referrers'] = 'api';
  let listed = await client.referrers(digest, COSIGN_SIGNATURE_ARTIFACT_TYPE);
  if (listed === undefined) {
    const fallback = await client.getManifest(referrersFallbackTag(digest));
    referrers = fallback ? 'fallback-tag' : 'none';
    listed = fallback ? manifestsOfIndex(fallback.bytes) : [];
  }
  for (const descriptor of listed) {
    // A registry may ignore the filter (it says so with OCI-Filters-Applied); filter here as well.
    if (descriptor.artifactType !== undefined && descriptor.artifactType !== COSIGN_SIGNATURE_ARTIFACT_TYPE) continue;
    if (signatures.some((s) => s.manifestDigest === descriptor.digest)) continue;
    const manifest = await client.getManifest(descriptor.digest);
    if (!manifest) continue;
    const parsed = parseManifest(manifest.bytes);
    if (parsed.subject && parsed.subject.digest !== digest) continue;
    signatures.push(...(await readLayers(client, `referrer ${descriptor.digest}`, descriptor.digest, parsed.layers)));
  }
  return { signatures, referrers };
}
