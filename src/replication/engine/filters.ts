import { z } from 'zod';
import { doublestarMatch, doublestarPattern } from '../../platform/lib/index.js';

/** Harbor's resource filter values: container images only, or every kind of artifact. */
export const RESOURCE_TYPES = ['image', 'artifact'] as const;
const IMAGE_MEDIA_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
const IMAGE_CONFIG_TYPES = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);

const decoration = z.enum(['matches', 'excludes']).default('matches');

/** One of Harbor's `ReplicationFilter`s, as the API accepts it. */
export const filterSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('name'), value: doublestarPattern(), decoration: decoration.optional() }),
  z.strictObject({ type: z.literal('tag'), value: doublestarPattern(), decoration: decoration.optional() }),
  z.strictObject({ type: z.literal('label'), value: z.array(z.string().min(1).max(255)).max(32), decoration: decoration.optional() }),
  z.strictObject({ type: z.literal('resource'), value: z.enum(RESOURCE_TYPES), decoration: decoration.optional() }),
]);
export type ReplicationFilter = z.infer<typeof filterSchema>;

/** An artifact as the filters see it: where it is, what it is, its tags and labels. */
export interface Candidate {
  /** The repository's full name, project included (`library/app`). */
  readonly repository: string;
  readonly mediaType: string;
  /** The config's media type, which tells an image from a chart or an SBOM; unknown for remote artifacts. */
  readonly configMediaType?: string;
  readonly tags: readonly string[];
  readonly labels?: readonly string[];
}

const excludes = (filter: ReplicationFilter) => filter.decoration === 'excludes';

/** Whether the repository passes the name filters (checked before anything of it is listed). */
export function repositoryMatches(filters: readonly ReplicationFilter[], repository: string): boolean {
  return filters.every((filter) => filter.type !== 'name' || doublestarMatch(filter.value, repository) !== excludes(filter));
}

function isImage(candidate: Candidate): boolean {
  if (!IMAGE_MEDIA_TYPES.has(candidate.mediaType)) return false;
  return candidate.configMediaType === undefined || IMAGE_CONFIG_TYPES.has(candidate.configMediaType);
}

/**
 * The tags of a candidate a policy replicates, or undefined when the candidate is not replicated.
 * With a tag filter, only matching tags go (or, with `excludes`, the others), and an artifact left
 * with none stays; without one, every artifact goes with all its tags, untagged ones included.
 */
export function selectedTags(filters: readonly ReplicationFilter[], candidate: Candidate): readonly string[] | undefined {
  if (!repositoryMatches(filters, candidate.repository)) return undefined;
  let tags = candidate.tags;
  let tagFiltered = false;
  for (const filter of filters) {
    if (filter.type === 'tag') {
      tagFiltered = true;
      tags = tags.filter((tag) => doublestarMatch(filter.value, tag) !== excludes(filter));
    } else if (filter.type === 'label') {
      const labels = candidate.labels ?? [];
      const hasAll = filter.value.every((label) => labels.includes(label));
      const hasAny = filter.value.some((label) => labels.includes(label));
      if (excludes(filter) ? hasAny : !hasAll) return undefined;
    } else if (filter.type === 'resource') {
      if (filter.value === 'image' && (excludes(filter) ? isImage(candidate) : !isImage(candidate))) return undefined;
      if (filter.value === 'artifact' && excludes(filter)) return undefined;
    }
  }
  if (tagFiltered && tags.length === 0) return undefined;
  return tags;
}
