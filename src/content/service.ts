import type { Readable } from 'node:stream';
import { recordAudit } from '../audit/index.js';
import { forShare, forUpdate, type Artifact, type Executor, type Repository } from '../platform/db/index.js';
import { ConflictError, DeniedError, InvalidInputError, NotFoundError, QuotaExceededError } from '../platform/errors/index.js';
import { recordEvent, recordEvents } from '../platform/events/index.js';
import { parseDigest, type Digest } from '../platform/lib/index.js';
import { isValidTag } from '../platform/lib/index.js';
import { blobPath } from '../platform/storage/index.js';
import { copyArtifactRows } from './copy.js';
import { deleteArtifacts, type Actor, type ArtifactRef } from './delete.js';
import type { ContentDeps } from './deps.js';
import { GateRunner } from './gate-runner.js';
import { NO_GATES, type Gates, type PullRequestFacts } from './gates.js';
import { provisionalArtifact, type ProvisionalManifest } from './provisional.js';
import { ManifestService, parseReference, recordQuotaExceeded, type ManifestReference } from './manifests.js';
import { findTag, upsertTag } from './listing.js';
import * as repo from './repo.js';
import { UploadService } from './uploads.js';
import { holdsDigest } from './usage.js';

/** A blob in the registry's words: where to mount it from. */
/**
 * Where a mount takes a blob from: one repository the caller may pull (checked by the caller),
 * or any repository of the target's project that `mayPull` accepts; a mount reads across
 * repositories, so it passes the same check as a pull.
 */
export type MountSource = { kind: 'repository'; repository: Repository } | { kind: 'project'; mayPull: (repository: string) => Promise<boolean> };

/**
 * The content domain: the one way to push, tag, copy, pull and delete artifacts and blobs.
 * No request object anywhere: the /v2/ routes, the Harbor API, and later replication and the
 * proxy cache all call this, and every change passes the same validation, push gates
 * (immutability, quota), events and audit rows.
 */
export class ContentService {
  readonly uploads: UploadService;
  readonly manifests: ManifestService;
  readonly gates: GateRunner;

  constructor(private readonly deps: ContentDeps & { gates?: Gates }) {
    this.gates = new GateRunner(deps.gates ?? NO_GATES);
    this.uploads = new UploadService(deps, this.gates);
    this.manifests = new ManifestService(deps, this.gates);
  }

  private get db(): Executor {
    return this.deps.database.db;
  }

  findRepository(name: string): Promise<Repository | undefined> {
    return repo.findRepository(this.db, name);
  }

  /** The repository row, created on first push (so asked of the gates like one). */
  async ensureRepository(projectId: number, name: string): Promise<Repository> {
    await this.gates.beforeChange(this.db);
    return repo.ensureRepository(this.db, projectId, name, this.deps.clock.now());
  }

  /** A whole blob from a stream, verified against its digest before it becomes visible. */
  async putBlob(repository: Repository, digest: Digest | string, body: Readable): Promise<{ digest: string; size: number }> {
    const parsed = typeof digest === 'string' ? parseDigestInput(digest) : digest;
    const size = await this.uploads.monolithic(repository, parsed, { body });
    return { digest: parsed.toString(), size };
  }

  /** Size of a blob visible in the repository, or undefined. */
  blobSize(repository: Repository, digest: string): Promise<number | undefined> {
    return repo.linkedBlobSize(this.db, repository.id, digest);
  }

  readBlob(digest: string, range?: { offset: number; length: number }): Promise<Readable> {
    return this.deps.storage.read(blobPath(parseDigest(digest)), range);
  }

  /** A URL the blob's bytes can be fetched from without Berth, valid for `expiresInSeconds`, where the storage gives one. */
  blobRedirectUrl(digest: string, expiresInSeconds: number): Promise<string | undefined> {
    return this.deps.storage.redirectUrl(blobPath(parseDigest(digest)), expiresInSeconds);
  }

  /**
   * Makes a blob already stored elsewhere visible in the target without moving a byte: from a
   * repository (the caller checked it may pull there) or from a repository of the target's project
   * that the caller may pull.
   * Answers false when there is nothing to mount (the client then uploads).
   */
  async mountBlob(target: Repository, digest: string, source: MountSource, actor: Actor): Promise<boolean> {
    const size =
      source.kind === 'project' ? await this.pullableBlobSize(target, digest, source.mayPull) : await repo.linkedBlobSize(this.db, source.repository.id, digest);
    if (size === undefined) return false;
    await this.gates.beforeChange(this.db);
    await this.deps.space.assertRoom();
    const now = this.deps.clock.now();
    if (!(await holdsDigest(this.db, target.project_id, digest))) {
      try {
        await this.gates.mayAdd(this.db, { projectId: target.project_id, bytes: size, now });
      } catch (err) {
        if (err instanceof QuotaExceededError) {
          await recordQuotaExceeded(this.deps, { projectId: target.project_id, repository: target.name, digest, tag: null, operator: actor.name, at: now });
        }
        throw err;
      }
    }
    return this.linkExisting(target, digest, size, now);
  }

  /** The blob's size when some repository of the target's project that the caller may pull holds it. */
  private async pullableBlobSize(target: Repository, digest: string, mayPull: (repository: string) => Promise<boolean>): Promise<number | undefined> {
    for (const holder of await repo.blobHoldersInProject(this.db, target.project_id, digest)) {
      if (holder.name === target.name || (await mayPull(holder.name))) return holder.size;
    }
    return undefined;
  }

  /**
   * Links a blob into the target, unless garbage collection removed it meanwhile: its row is
   * locked first (GC locks it too before deleting), so either the mount sees it gone and the
   * client uploads instead, or GC sees the fresh link and leaves the blob alone.
   */
  private async linkExisting(target: Repository, digest: string, size: number, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await forShare(trx.selectFrom('blobs').select('digest').where('digest', '=', digest), this.deps.database.dialect).executeTakeFirst();
      if (!row || !(await this.deps.storage.stat(blobPath(parseDigest(digest))))) return false;
      await repo.linkBlob(trx, target.id, digest, size, now);
      return true;
    });
  }

  /**
   * Hides a blob from the repository (its bytes stay until GC finds nothing holds them). A
   * blob that an artifact of the repository references (a layer, a config) is refused: taking
   * it away would break the artifact, tagged or immutable as it may be. Delete the artifact.
   */
  async unlinkBlob(repository: Repository, digest: string): Promise<void> {
    await this.gates.beforeChange(this.db);
    const removed = await this.db.transaction().execute(async (trx) => {
      const linked = await forUpdate(
        trx.selectFrom('repository_blobs').select('digest').where('repository_id', '=', repository.id).where('digest', '=', digest),
        this.deps.database.dialect,
      ).executeTakeFirst();
      if (!linked) return false;
      if (await repo.artifactReferencesBlob(trx, repository.id, digest)) {
        throw new DeniedError('blob', `blob ${digest} is referenced by an artifact of ${repository.name}; delete the artifact instead`, { digest });
      }
      return repo.unlinkBlob(trx, repository.id, digest);
    });
    if (!removed) throw new NotFoundError('blob', 'blob unknown to registry', { digest });
  }

  /** Validates and stores a manifest under a tag or its digest; answers its digest. */
  putManifest(
    repository: Repository,
    reference: string | ManifestReference,
    body: Buffer,
    contentType: string | undefined,
    actor: Actor,
  ): Promise<{ digest: string; subject: string | null }> {
    return this.manifests.put(repository, typeof reference === 'string' ? parseReference(reference) : reference, body, contentType, actor);
  }

  /** The artifact of a repository by tag or digest, or NotFoundError. */
  async resolve(repository: Repository, reference: string | ManifestReference): Promise<Artifact> {
    const parsed = typeof reference === 'string' ? parseReference(reference) : reference;
    const artifact =
      parsed.kind === 'tag'
        ? await repo.findArtifactByTag(this.db, repository.id, parsed.tag)
        : await repo.findArtifactByDigest(this.db, repository.id, parsed.digest);
    if (!artifact) {
      const shown = parsed.kind === 'tag' ? `${repository.name}:${parsed.tag}` : `${repository.name}@${parsed.digest}`;
      throw new NotFoundError('artifact', `artifact ${shown} not found`, parsed.kind === 'tag' ? { tag: parsed.tag } : { digest: parsed.digest });
    }
    return artifact;
  }

  /** Names of repositories holding artifacts, in the given projects, sorted bytewise. */
  repositoryNames(projectIds: number[] | undefined, limit: number, last: string | undefined): Promise<string[]> {
    return repo.listRepositoryNames(this.db, projectIds, limit, last);
  }

  tagNames(repository: Repository, limit: number, last: string | undefined): Promise<string[]> {
    return repo.listTags(this.db, repository.id, limit, last);
  }

  /** Artifacts whose subject is the digest (signatures, SBOMs), optionally of one artifactType. */
  referrers(repository: Repository, subject: string, artifactType: string | undefined): Promise<Artifact[]> {
    return repo.listReferrers(this.db, repository.id, subject, artifactType);
  }

  /** Asks the pull gates (the vulnerability policy; later signature policies) before an artifact is served. */
  async beforePull(
    projectId: number,
    repository: string,
    artifact: Artifact,
    exemptions: Pick<PullRequestFacts, 'isScanner' | 'isSigner' | 'puller'> = {},
  ): Promise<void> {
    if (this.gates.hasPullGates) await this.gates.beforePull(this.db, { projectId, repository, digest: artifact.digest, artifact, ...exemptions });
  }

  /** The pull gates for a manifest served before it is an artifact here (a proxy cache's first pulls), judged as the artifact it will be. */
  async beforeProvisionalPull(
    projectId: number,
    repository: string,
    manifest: ProvisionalManifest,
    exemptions: Pick<PullRequestFacts, 'isScanner' | 'isSigner' | 'puller'> = {},
  ): Promise<void> {
    if (this.gates.hasPullGates) await this.beforePull(projectId, repository, provisionalArtifact(manifest), exemptions);
  }

  /** Points a tag at the artifact, like a push of the tag: one held by another artifact moves here. */
  async tag(repository: Repository, artifact: Artifact, name: string, actor: Actor): Promise<void> {
    if (!isValidTag(name)) throw new InvalidInputError('tag', `invalid tag name "${name}"`, { tag: name });
    await this.gates.beforeChange(this.db);
    const now = this.deps.clock.now();
    await this.db.transaction().execute(async (trx) => {
      const existing = await findTag(trx, repository.id, name);
      if (existing?.artifact_id === artifact.id) throw new ConflictError('tag', `tag ${name} already exists on the artifact`);
      if (existing) await this.gates.tagsChanging(trx, { repository, tags: [name], change: 'move' });
      await upsertTag(trx, repository.id, artifact.id, name, now);
      await this.recordChange(trx, 'CREATE_TAG', 'create', 'tag', repository, artifact.digest, name, actor, now);
    });
  }

  /** Removes a tag (of the given artifact, when one is named); the artifact stays. */
  async deleteTag(repository: Repository, name: string, actor: Actor, of?: Artifact): Promise<void> {
    await this.gates.beforeChange(this.db);
    const now = this.deps.clock.now();
    await this.db.transaction().execute(async (trx) => {
      const tag = await findTag(trx, repository.id, name);
      if (!tag || (of && tag.artifact_id !== of.id)) {
        throw new NotFoundError('tag', of ? `tag ${name} not found on artifact ${of.digest}` : 'manifest unknown to registry', { tag: name });
      }
      await this.gates.tagsChanging(trx, { repository, tags: [name], change: 'delete' });
      await repo.deleteTag(trx, repository.id, name);
      const digest = of?.digest ?? (await trx.selectFrom('artifacts').select('digest').where('id', '=', tag.artifact_id).executeTakeFirst())?.digest ?? null;
      await this.recordChange(trx, 'DELETE_TAG', 'delete', 'tag', repository, digest, name, actor, now);
    });
  }

  /** Deletes artifacts with what goes with them (see delete.ts), all or none; answers what went. */
  async deleteArtifacts(repository: Repository, roots: readonly ArtifactRef[], actor: Actor): Promise<ArtifactRef[]> {
    await this.gates.beforeChange(this.db);
    const now = this.deps.clock.now();
    return this.db.transaction().execute((trx) => deleteArtifacts(trx, this.gates, repository, roots, actor, now));
  }

  /** The same rule inside a caller's transaction (retention, GC). */
  async deleteArtifactsIn(trx: Executor, repository: Repository, roots: readonly ArtifactRef[], actor: Actor, now: number): Promise<ArtifactRef[]> {
    await this.gates.beforeChange(trx);
    return deleteArtifacts(trx, this.gates, repository, roots, actor, now);
  }

  /**
   * Asks the push gates whether content may change now (read-only mode), for work that changes
   * it without a single call above: a retention run, a garbage collection sweep.
   */
  assertMayChange(db: Executor = this.db): Promise<void> {
    return this.gates.beforeChange(db);
  }

  /** Every artifact of the repository, in one transaction; the row stays (blob links point at it). */
  async deleteRepository(repository: Repository, actor: Actor): Promise<void> {
    await this.gates.beforeChange(this.db);
    const now = this.deps.clock.now();
    await this.db.transaction().execute(async (trx) => {
      const artifacts = await trx.selectFrom('artifacts').select(['id', 'digest']).where('repository_id', '=', repository.id).orderBy('id').execute();
      await deleteArtifacts(trx, this.gates, repository, artifacts, actor, now);
      await trx.updateTable('repositories').set({ updated_at: now }).where('id', '=', repository.id).execute();
      await this.recordChange(trx, 'DELETE_REPOSITORY', 'delete', 'repository', repository, null, null, actor, now);
    });
  }

  /**
   * Copies an artifact into a repository of a project, as Harbor's copy does: index children,
   * accessories and tags along, no bytes moved, the target project charged once. Answers the
   * copy's digest.
   */
  async copyArtifact(source: Repository, artifact: Artifact, targetProjectId: number, targetName: string, actor: Actor): Promise<string> {
    if (source.name === targetName) throw new ConflictError('artifact', `the artifact ${targetName}@${artifact.digest} already exists`);
    await this.gates.beforeChange(this.db);
    await this.deps.space.assertRoom();
    const now = this.deps.clock.now();
    try {
      return await this.db.transaction().execute(async (trx) => {
        const target = await repo.ensureRepository(trx, targetProjectId, targetName, now);
        const { root, created, warning } = await copyArtifactRows(trx, this.gates, source, artifact, target, now);
        const pushed = created.map(({ artifact: copied, tags }) => ({
          type: 'PUSH_ARTIFACT',
          projectId: targetProjectId,
          repository: targetName,
          digest: copied.digest,
          tag: tags[0] ?? null,
          operator: actor.name,
          at: now,
        }));
        await recordEvents(trx, pushed);
        if (warning) await recordEvent(trx, { ...pushed[pushed.length - 1]!, type: 'QUOTA_WARNING' });
        await recordAudit(trx, {
          projectId: targetProjectId,
          operation: 'create',
          resourceType: 'artifact',
          resource: `${targetName}@${root.digest}`,
          username: actor.name,
          clientIp: actor.ip ?? null,
          at: now,
        });
        return root.digest;
      });
    } catch (err) {
      if (err instanceof QuotaExceededError) {
        await recordQuotaExceeded(this.deps, {
          projectId: targetProjectId,
          repository: targetName,
          digest: artifact.digest,
          tag: null,
          operator: actor.name,
          at: now,
        });
      }
      throw err;
    }
  }

  async updateDescription(repository: Repository, description: string, actor: Actor): Promise<void> {
    await this.gates.beforeChange(this.db);
    const now = this.deps.clock.now();
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('repositories').set({ description, updated_at: now }).where('id', '=', repository.id).execute();
      await recordAudit(trx, {
        projectId: repository.project_id,
        operation: 'update',
        resourceType: 'repository',
        resource: repository.name,
        username: actor.name,
        clientIp: actor.ip ?? null,
        at: now,
      });
    });
  }

  private async recordChange(
    trx: Executor,
    type: string,
    operation: 'create' | 'delete',
    resourceType: 'tag' | 'repository',
    repository: Repository,
    digest: string | null,
    tag: string | null,
    actor: Actor,
    now: number,
  ): Promise<void> {
    await recordEvent(trx, { type, projectId: repository.project_id, repository: repository.name, digest, tag, operator: actor.name, at: now });
    const resource = resourceType === 'repository' ? repository.name : `${repository.name}:${tag ?? ''}`;
    await recordAudit(trx, { projectId: repository.project_id, operation, resourceType, resource, username: actor.name, clientIp: actor.ip ?? null, at: now });
  }
}

function parseDigestInput(digest: string): Digest {
  try {
    return parseDigest(digest);
  } catch (err) {
    throw new InvalidInputError('digest', (err as Error).message, { digest });
  }
}
