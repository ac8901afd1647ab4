import { createHash } from 'node:crypto';
import { RegistryError } from './errors.js';

/** An OCI content descriptor, as manifests, indexes and the referrers API list them. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: Readonly<Record<string, unknown>>;
  readonly urls?: readonly string[];
}

export const OCI_MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';

/** What a client says it understands when reading a manifest: images, indexes, artifacts, docker's v2 forms. */
export const MANIFEST_TYPES = [
  OCI_MANIFEST_TYPE,
  OCI_INDEX_TYPE,
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
] as const;

/** Manifests (and indexes, token answers) are small; a bigger answer is refused rather than read. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

// The distribution spec's grammar; each alternative starts with a different character, so matching is linear.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,256}$/;

/** A repository name as the distribution spec allows it; anything else would change the request's path. */
export function checkRepository(name: string): string {
  if (name.length > 255 || !REPOSITORY.test(name)) throw new RegistryError(`"${name.slice(0, 300)}" is not a valid repository name`, { reason: 'invalid' });
  return name;
}

export function checkDigest(digest: string): string {
  if (digest.length > 300 || !DIGEST.test(digest)) throw new RegistryError(`"${digest.slice(0, 300)}" is not a valid digest`, { reason: 'invalid' });
  return digest;
}

/** A tag or a digest. */
export function checkReference(reference: string): string {
  if (TAG.test(reference)) return reference;
  return checkDigest(reference);
}

/** The digest of `bytes` with the algorithm `like` names (sha256 unless it names sha384/sha512). */
export function digestOf(bytes: Uint8Array, like = 'sha256:'): string {
  const algorithm = like.split(':')[0];
  const name = algorithm === 'sha512' || algorithm === 'sha384' ? algorithm : 'sha256';
  return `${name}:${createHash(name).update(bytes).digest('hex')}`;
}
