import { z } from 'zod';
import { RegistryError, type RegistryClient } from '../../platform/registry-client/index.js';
import { repositoryMatches, selectedTags, type ReplicationFilter } from '../engine/filters.js';
import { MAX_SELECTED, type Selected } from './candidates.js';

const PAGE_SIZE = 100;
/** Pages of one listing at most: a registry whose pages never end stops here. */
const MAX_PAGES = 2_000;

const repositoryPage = z.array(z.object({ name: z.string().min(1).max(512) }).passthrough());
const artifactPage = z.array(
  z
    .object({
      digest: z.string().min(1).max(200),
      manifest_media_type: z.string().max(255).optional(),
      media_type: z.string().max(255).optional(),
      tags: z
        .array(z.object({ name: z.string() }).passthrough())
        .nullish()
        .transform((tags) => tags ?? []),
      labels: z
        .array(z.object({ name: z.string() }).passthrough())
        .nullish()
        .transform((labels) => labels ?? []),
    })
    .passthrough(),
);

/** Every item of a paged Harbor listing, following `Link`, or `page=` while pages come back full. */
async function* pages<T>(client: RegistryClient, first: string, schema: z.ZodType<T[]>, what: string, signal?: AbortSignal): AsyncIterable<T> {
  let path: string | undefined = first;
  for (let page = 1; path && page <= MAX_PAGES; page++) {
    signal?.throwIfAborted();
    const answer = await client.getApiPage(path, signal);
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success) throw new RegistryError(`${what}: the answer is not Harbor's listing`, { reason: 'unexpected' });
    yield* parsed.data;
    if (answer.next) path = answer.next;
    else if (parsed.data.length < PAGE_SIZE) path = undefined;
    else path = first.replace(/([?&])page=\d+/, `$1page=${page + 1}`);
  }
}

/** Harbor's artifact path wants the repository inside the project URL-encoded twice (`a%252Fb`). */
const artifactsPath = (repository: string): string => {
  const slash = repository.indexOf('/');
  const project = encodeURIComponent(repository.slice(0, slash));
  const rest = encodeURIComponent(encodeURIComponent(repository.slice(slash + 1)));
  return `/api/v2.0/projects/${project}/repositories/${rest}/artifacts?page=1&page_size=${PAGE_SIZE}&with_tag=true&with_label=true`;
};

/**
 * What a pull policy selects on a Harbor (or another Berth): listed through Harbor's API, as
 * Harbor's own adapter does, so a robot account or project member that may not read the
 * registry-wide catalog can be the endpoint's credential, and label filters select by the
 * source's labels. Accessories are left out of Harbor's listing: they travel with their subject.
 */
export async function harborSelection(client: RegistryClient, filters: readonly ReplicationFilter[], signal?: AbortSignal): Promise<Selected[]> {
  const selected: Selected[] = [];
  const listing = pages(client, `/api/v2.0/repositories?page=1&page_size=${PAGE_SIZE}`, repositoryPage, 'listing the repositories', signal);
  for await (const { name: repository } of listing) {
    if (!repository.includes('/') || !repositoryMatches(filters, repository)) continue;
    for await (const artifact of pages(client, artifactsPath(repository), artifactPage, `listing the artifacts of ${repository}`, signal)) {
      const tags = selectedTags(filters, {
        repository,
        mediaType: artifact.manifest_media_type ?? '',
        ...(artifact.media_type ? { configMediaType: artifact.media_type } : {}),
        tags: artifact.tags.map((tag) => tag.name),
        labels: artifact.labels.map((label) => label.name),
      });
      if (tags === undefined) continue;
      selected.push({ repository, digest: artifact.digest, tags });
      if (selected.length >= MAX_SELECTED) return selected;
    }
  }
  return selected;
}
