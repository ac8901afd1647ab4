/** An image named the way `cosign sign` takes it: registry host, repository, and a digest or a tag. */
export interface ImageReference {
  /** `host[:port]`, as typed. */
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

export class ImageReferenceError extends Error {
  override readonly name = 'ImageReferenceError';
}

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST = /^(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::[0-9]{1,5})?$/;

const example = 'registry.example.com/library/app@sha256:<64 hex digits>';

/** Parses `REGISTRY/REPOSITORY@sha256:…` or `REGISTRY/REPOSITORY[:tag]` (the tag defaults to `latest`). */
export function parseImageReference(text: string): ImageReference {
  const at = text.indexOf('@');
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  let rest = at >= 0 ? text.slice(0, at) : text;
  if (digest !== undefined && !DIGEST.test(digest)) throw new ImageReferenceError(`"${digest}" is not a sha256 digest (sha256: and 64 lowercase hex digits)`);
  const slash = rest.indexOf('/');
  if (slash < 0) throw new ImageReferenceError(`"${text}" names no registry: write it as ${example}`);
  const registry = rest.slice(0, slash);
  if (!HOST.test(registry) || !(registry.includes('.') || registry.includes(':') || registry === 'localhost')) {
    throw new ImageReferenceError(`"${registry}" is not a registry host (host, host:port or localhost): write the image as ${example}`);
  }
  rest = rest.slice(slash + 1);
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ImageReferenceError(`"${tag}" is not a valid tag`);
  }
  if (!REPOSITORY.test(rest)) throw new ImageReferenceError(`"${rest}" is not a valid repository name (lowercase letters, digits, separators . _ - and /)`);
  if (digest === undefined && tag === undefined) tag = 'latest';
  return { registry, repository: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

export const formatReference = (ref: ImageReference): string =>
  `${ref.registry}/${ref.repository}${ref.tag !== undefined && ref.digest === undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
