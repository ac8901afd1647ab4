import type { Executor } from '../../platform/db/index.js';
import type { RegistryClient } from '../../platform/registry-client/index.js';
import { repositoryMatches, selectedTags, type Candidate, type ReplicationFilter } from '../engine/filters.js';

/** An artifact a run copies, with the tags that go with it. */
export interface Selected {
  readonly repository: string;
  readonly digest: string;
  readonly tags: readonly string[];
}

/** A run copies at most this many artifacts; a policy selecting more is narrowed with filters. */
export const MAX_SELECTED = 50_000;
const REPOSITORY_BATCH = 100;
const ACCESSORY_TAG = /^sha256-[0-9a-f]{64}\.(sig|att|sbom)$/;

/**
 * What a push policy selects here: the artifacts of every repository its name filters allow,
 * accessories left out (they go with their subject) and so are the untagged images of an index
 * (they go with the index).
 */
export async function localSelection(db: Executor, filters: readonly ReplicationFilter[]): Promise<Selected[]> {
  const selected: Selected[] = [];
  let after = 0;
  for (;;) {
    const repositories = await db.selectFrom('repositories').select(['id', 'name']).where('id', '>', after).orderBy('id').limit(REPOSITORY_BATCH).execute();
    if (repositories.length === 0) break;
    after = Number(repositories.at(-1)!.id);
    for (const repository of repositories.filter((r) => repositoryMatches(filters, r.name))) {
      const artifacts = await db
        .selectFrom('artifacts')
        .select(['id', 'digest', 'media_type', 'config_media_type'])
        .where('repository_id', '=', repository.id)
        .where('subject_digest', 'is', null)
        .orderBy('id')
        .execute();
      if (artifacts.length === 0) continue;
      const ids = artifacts.map((a) => a.id);
      const tags = await db.selectFrom('tags').select(['artifact_id', 'name']).where('artifact_id', 'in', ids).execute();
      const labels = await db
        .selectFrom('artifact_labels')
        .innerJoin('labels', 'labels.id', 'artifact_labels.label_id')
        .select(['artifact_labels.artifact_id', 'labels.name'])
        .where('artifact_labels.artifact_id', 'in', ids)
        .execute();
      const children = new Set(
        (
          await db
            .selectFrom('artifact_references')
            .innerJoin('artifacts', 'artifacts.id', 'artifact_references.artifact_id')
            .select('artifact_references.child_digest')
            .where('artifacts.repository_id', '=', repository.id)
            .where('artifact_references.child_kind', '=', 'manifest')
            .execute()
        ).map((r) => r.child_digest),
      );
      for (const artifact of artifacts) {
        const own = tags.filter((t) => t.artifact_id === artifact.id).map((t) => t.name);
        if (own.length === 0 && children.has(artifact.digest)) continue;
        const candidate: Candidate = {
          repository: repository.name,
          mediaType: artifact.media_type,
          ...(artifact.config_media_type ? { configMediaType: artifact.config_media_type } : {}),
          tags: own,
          labels: labels.filter((l) => l.artifact_id === artifact.id).map((l) => l.name),
        };
        const chosen = selectedTags(filters, candidate);
        if (chosen === undefined) continue;
        selected.push({ repository: repository.name, digest: artifact.digest, tags: chosen });
        if (selected.length >= MAX_SELECTED) return selected;
      }
    }
  }
  return selected;
}

/** Characters that make a name filter a pattern rather than a repository's name. */
const PATTERN_CHARACTERS = /[*?[\]{}\\]/;

/**
 * The repository a pull policy names outright (name filters without wildcards), listed without
 * the catalog: Docker Hub, GHCR and GitLab do not serve one to most accounts, and a registry that
 * does need not be walked whole for one repository. Undefined when a filter is a pattern.
 */
function namedRepositories(filters: readonly ReplicationFilter[]): string[] | undefined {
  const names = filters.filter((f) => f.type === 'name' && f.decoration !== 'excludes').map((f) => String(f.value));
  if (names.length === 0 || names.some((name) => PATTERN_CHARACTERS.test(name))) return undefined;
  // Name filters must all match: literal ones that differ select nothing.
  return names.every((name) => name === names[0]) ? [names[0]!] : [];
}

/**
 * What a pull policy selects on a remote: the repository its name filters name, or those of its catalog they allow,
 * and their tags the tag filters allow, grouped by the artifact they name. Labels are a Harbor
 * notion a plain registry does not have: a label filter selects nothing from one.
 */
export async function remoteSelection(client: RegistryClient, filters: readonly ReplicationFilter[], signal?: AbortSignal): Promise<Selected[]> {
  const selected: Selected[] = [];
  for await (const repository of namedRepositories(filters) ?? client.catalog({ pageSize: 100 })) {
    signal?.throwIfAborted();
    if (!repositoryMatches(filters, repository)) continue;
    const byDigest = new Map<string, { mediaType: string; tags: string[] }>();
    for await (const tag of client.listTags(repository, { pageSize: 100 })) {
      // cosign's sha256-<hex>.sig/.att/.sbom tags are accessories: they travel with their subject.
      if (ACCESSORY_TAG.test(tag)) continue;
      // Tag filters first: a tag they drop costs no request.
      if (
        selectedTags(
          filters.filter((f) => f.type === 'tag'),
          { repository, mediaType: '', tags: [tag] },
        )?.length !== 1
      )
        continue;
      const head = await client.headManifest(repository, tag);
      if (!head) continue;
      const entry = byDigest.get(head.digest) ?? { mediaType: head.mediaType, tags: [] };
      entry.tags.push(tag);
      byDigest.set(head.digest, entry);
    }
    for (const [digest, entry] of byDigest) {
      const tags = selectedTags(filters, { repository, mediaType: entry.mediaType, tags: entry.tags, labels: [] });
      if (tags === undefined) continue;
      selected.push({ repository, digest, tags });
      if (selected.length >= MAX_SELECTED) return selected;
    }
  }
  return selected;
}
