import type { Clock } from '../platform/clock.js';
import type { Executor } from '../platform/db/index.js';
import { TtlCache } from '../platform/lib/index.js';
import { VULNERABILITY_METADATA } from './allowlist/policy.js';
import { CONTENT_TRUST_METADATA } from './content-trust.js';

/** The project metadata the pull gates read: content trust, and "prevent vulnerable images". */
const PULL_METADATA = [...CONTENT_TRUST_METADATA, ...VULNERABILITY_METADATA];

/**
 * How long a project's pull metadata is reused. A change through this instance or, on
 * PostgreSQL, through another one that is heard of drops it at once; this bounds the rest.
 */
export const PULL_METADATA_CACHE_MS = 2_000;
const MAX_PROJECTS = 10_000;

interface ProjectChanges {
  onProjectsChanged(handler: () => void): void;
}

/**
 * Every pull asks the gates whether its project's policies let it through, and most projects
 * have none on: one query for all the gates' metadata, reused for a moment per project, instead
 * of one query per gate per pull. Dropped whenever project metadata changes (updateProject and
 * updateMetadata announce it, on every instance).
 */
export class PullMetadata {
  private readonly cache: TtlCache<ReadonlyMap<string, string>>;

  constructor(clock: Clock, changes: ProjectChanges) {
    this.cache = new TtlCache(PULL_METADATA_CACHE_MS, MAX_PROJECTS, () => clock.now());
    changes.onProjectsChanged(() => this.cache.clear());
  }

  /** The project's pull metadata, by name (unset names are absent). */
  async of(db: Executor, projectId: number): Promise<ReadonlyMap<string, string>> {
    const metadata = await this.cache.getOrLoad(String(projectId), async () => {
      const rows = await db
        .selectFrom('project_metadata')
        .select(['name', 'value'])
        .where('project_id', '=', projectId)
        .where('name', 'in', PULL_METADATA)
        .execute();
      return new Map(rows.map((row) => [row.name, row.value]));
    });
    // The loader always gives a map: getOrLoad leaves only loaders that find nothing undefined.
    return metadata ?? new Map();
  }
}

const shared = new WeakMap<ProjectChanges, PullMetadata>();

/** The one PullMetadata of an app, keyed by its access control (which announces project changes). */
export function pullMetadataOf(clock: Clock, changes: ProjectChanges): PullMetadata {
  let metadata = shared.get(changes);
  if (!metadata) {
    metadata = new PullMetadata(clock, changes);
    shared.set(changes, metadata);
  }
  return metadata;
}
