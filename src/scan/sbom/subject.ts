import { createHash } from 'node:crypto';

/** The image manifest an SBOM describes, and where it lives. */
export interface SbomSubject {
  /** The registry's host (and port) as clients name it, e.g. `registry.example.com` or `127.0.0.1:5000`. */
  readonly registryHost: string;
  /** The full repository name, project first: `library/nginx`. */
  readonly repository: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly tag?: string;
}

/** What both writers are told besides the inventory. */
export interface SbomOptions {
  readonly created: Date;
  /** Berth's version, for the document's creator/tool. */
  readonly toolVersion: string;
  /** Decides the document's namespace and serial number; the subject's digest and `created` when absent, so a rerun at the same time is byte-identical. */
  readonly namespaceSeed?: string;
}

/** The namespace of Berth's name-based UUIDs (a fixed random UUID: only its being constant matters). */
const BERTH_UUID_NAMESPACE = Buffer.from('5d0c6f3e8a2b4f7c9e1d3b5a7c9e0f12', 'hex');

/** A name-based (version 5) UUID: the same seed always gives the same UUID, different seeds different ones. */
export function uuidFromSeed(seed: string): string {
  const hash = createHash('sha1').update(BERTH_UUID_NAMESPACE).update(seed, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function documentSeed(subject: SbomSubject, options: SbomOptions): string {
  return options.namespaceSeed ?? `${subject.digest}@${options.created.toISOString()}`;
}

/** A valid ISO timestamp without milliseconds, as SPDX's `created` wants (`YYYY-MM-DDThh:mm:ssZ`). */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** purl qualifier values are percent-encoded, but `/` and `:` read better as they are and are allowed there. */
function qualifier(value: string): string {
  return encodeURIComponent(value).replace(/%2F/gi, '/').replace(/%3A/gi, ':');
}

/**
 * The image's package URL (purl `oci` type): the last path segment of the repository as the name,
 * the manifest digest as the version, the full location in `repository_url`.
 */
export function imagePurl(subject: SbomSubject): string {
  const name = subject.repository.split('/').pop()!.toLowerCase();
  const qualifiers = [`repository_url=${qualifier(`${subject.registryHost}/${subject.repository}`)}`];
  if (subject.tag !== undefined) qualifiers.push(`tag=${qualifier(subject.tag)}`);
  return `pkg:oci/${encodeURIComponent(name)}@${encodeURIComponent(subject.digest)}?${qualifiers.join('&')}`;
}

/** What a user calls the image: `host/repository:tag`, or `@digest` without a tag. */
export function imageName(subject: SbomSubject): string {
  const base = `${subject.registryHost}/${subject.repository}`;
  return subject.tag !== undefined ? `${base}:${subject.tag}` : `${base}@${subject.digest}`;
}
