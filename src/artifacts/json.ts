import type { Artifact, Repository } from '../platform/db/index.js';
import type { RepositoryWithCount, TagRow } from '../content/index.js';
import type { AccessoryJson, AdditionLinkJson, RepositoryJson, TagJson } from './shapes.js';

/** Go's zero time, which Harbor sends for "never" (e.g. an artifact never pulled). */
const NEVER = '0001-01-01T00:00:00.000Z';

export function time(ms: number | null): string {
  return ms === null ? NEVER : new Date(ms).toISOString();
}

export function repositoryJson(repository: RepositoryWithCount): RepositoryJson {
  return {
    id: repository.id,
    project_id: repository.project_id,
    name: repository.name,
    description: repository.description,
    artifact_count: repository.artifact_count,
    pull_count: repository.pull_count,
    creation_time: time(repository.created_at),
    update_time: time(repository.updated_at),
  };
}

/** `immutable` is reported only when asked for (`with_immutable_status`); otherwise false, as Harbor sends. */
export function tagJson(tag: TagRow, immutable = false, signed?: boolean): TagJson {
  return {
    id: tag.id,
    repository_id: tag.repository_id,
    artifact_id: tag.artifact_id,
    name: tag.name,
    push_time: time(tag.push_time),
    pull_time: time(tag.pull_time),
    immutable,
    ...(signed !== undefined ? { signed } : {}),
  };
}

/** Harbor writes repository names into links escaped twice: a slash survives path routing. */
export function repositoryPathSegment(repository: Repository, projectName: string): string {
  return encodeURIComponent(encodeURIComponent(repository.name.slice(projectName.length + 1)));
}

export function additionLinks(kind: string, repository: Repository, projectName: string, digest: string): Record<string, AdditionLinkJson> {
  const base = `/api/v2.0/projects/${encodeURIComponent(projectName)}/repositories/${repositoryPathSegment(repository, projectName)}/artifacts/${digest}/additions`;
  const link = (name: string): AdditionLinkJson => ({ href: `${base}/${name}`, absolute: false });
  if (kind === 'IMAGE') return { build_history: link('build_history'), vulnerabilities: link('vulnerabilities') };
  if (kind === 'CHART') return { 'values.yaml': link('values.yaml'), 'readme.md': link('readme.md'), dependencies: link('dependencies') };
  return {};
}

export type { AccessoryJson };

export function accessoryJson(accessory: Artifact, subject: Artifact, repository: Repository, type: string): AccessoryJson {
  return {
    id: accessory.id,
    artifact_id: accessory.id,
    subject_artifact_id: subject.id,
    subject_artifact_digest: subject.digest,
    subject_artifact_repo: repository.name,
    size: accessory.size,
    digest: accessory.digest,
    type,
    icon: '',
    creation_time: time(accessory.push_time),
  };
}
