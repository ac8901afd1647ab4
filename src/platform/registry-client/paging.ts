import { headerOf, readBody } from './connection.js';
import { RegistryError } from './errors.js';
import { MAX_MANIFEST_BYTES } from './names.js';
import type { Requester } from './requester.js';

/** More pages than any real listing has: a registry whose `Link` goes round in circles stops here. */
const MAX_PAGES = 100_000;

/** The `rel="next"` target of a `Link` header, if any. */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match && /(?:^|;)\s*rel="?next"?\s*(?:;|$)/i.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}

/**
 * The names of a paged listing (`/v2/_catalog`, `/v2/<name>/tags/list`), following `Link`
 * headers page after page; each page is read whole, bounded like a manifest.
 */
export async function* listPages(
  requester: Requester,
  first: string,
  scopes: readonly string[],
  field: 'repositories' | 'tags',
  what: string,
): AsyncIterable<string> {
  let url: URL | undefined = new URL(first, requester.transport.base);
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const answer = await requester.call({ method: 'GET', target: url, scopes });
    if (answer.status !== 200) throw await requester.failure(what, answer);
    const body = await readBody(answer, MAX_MANIFEST_BYTES, what);
    let names: unknown;
    try {
      names = (JSON.parse(body.toString('utf8')) as Record<string, unknown>)[field];
    } catch {
      throw new RegistryError(`${what}: the answer is not JSON`, { reason: 'unexpected' });
    }
    if (names !== null && names !== undefined && !Array.isArray(names)) throw new RegistryError(`${what}: "${field}" is not a list`, { reason: 'unexpected' });
    for (const name of names ?? []) if (typeof name === 'string') yield name;
    const next = nextLink(headerOf(answer.headers, 'link'));
    const following: URL | undefined = next ? new URL(next, url) : undefined;
    // Credentials are for the registry only: a next page elsewhere is not followed.
    if (following && following.origin !== requester.transport.base.origin)
      throw new RegistryError(`${what}: the next page is on another host (${following.host})`, { reason: 'unexpected' });
    if (following?.href === url.href) break;
    url = following;
  }
}
