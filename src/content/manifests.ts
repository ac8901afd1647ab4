import { recordAudit } from '../audit/index.js';
import type { Artifact, Executor, Repository } from '../platform/db/index.js';
import { firstImmutableTag } from '../policies/immutability/index.js';
import { crossedQuotaWarning, holdContent } from '../projects/index.js';
import { chargingQuota, recordQuotaExceeded } from './quota.js';
import { OciError } from '../platform/errors/oci.js';
import { digestOf, DigestError, isDigestReference, parseDigest } from '../platform/lib/digest.js';
import { isValidTag } from '../platform/lib/names.js';
import { blobPath, PathNotFoundError } from '../platform/storage/index.js';
import type { RegistryDeps } from './deps.js';
import { ManifestCache } from './manifest-cache.js';
import { artifactFacts } from './facts.js';
import { readManifestBody } from './manifest-body.js';
import { parseManifest } from './manifest-parse.js';
import { PullRecorder } from './pull-recorder.js';
import * as repo from './repo.js';
import { recordEvent } from '../platform/events/index.js';

/** Who changed something, for the event and audit rows. */
export interface Actor {
  name: string;
  ip: string;
}

export type ManifestReference = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: string };

export function parseReference(reference: string): ManifestReference {
  if (isDigestReference(reference)) {
    try {
      return { kind: 'digest', digest: parseDigest(reference).toString() };
    } catch (err) {
      const unsupported = err instanceof DigestError && err.unsupported;
      throw new OciError(unsupported ? 'UNSUPPORTED' : 'DIGEST_INVALID', { reference }, (err as Error).message);
    }
  }
  if (!isValidTag(reference)) throw new OciError('MANIFEST_INVALID', { tag: reference }, `invalid tag "${reference}"`);
  return { kind: 'tag', tag: reference };
}

export class ManifestService {
  private readonly cache = new ManifestCache(64 * 1024 * 1024);
  readonly pulls: PullRecorder;

  constructor(private readonly deps: RegistryDeps) {
    this.pulls = new PullRecorder(deps.database, deps.clock);
  }

  /** The artifact by repository name: one query on the pull path, where every request counts. */
  async findByName(name: string, reference: ManifestReference): Promise<Artifact> {
    const { db } = this.deps.database;
    const artifact =
      reference.kind === 'tag'
        ? await repo.findArtifactByRepositoryTag(db, name, reference.tag)
        : await repo.findArtifactByRepositoryDigest(db, name, reference.digest);
    if (!artifact) throw new OciError('MANIFEST_UNKNOWN', reference.kind === 'tag' ? { tag: reference.tag } : { digest: reference.digest });
    return artifact;
  }

  async read(artifact: Artifact): Promise<Buffer> {
    const cached = this.cache.get(artifact.digest);
    if (cached) return cached;
    try {
      const body = await this.deps.storage.getContent(blobPath(parseDigest(artifact.digest)));
      this.cache.set(artifact.digest, body);
      return body;
    } catch (err) {
      if (err instanceof PathNotFoundError) throw new OciError('MANIFEST_UNKNOWN', { digest: artifact.digest });
      throw err;
    }
  }

  /** Validates and stores a manifest; answers its digest. */
  async put(
    repository: Repository,
    reference: ManifestReference,
    body: Buffer,
    contentType: string | undefined,
    actor: Actor,
  ): Promise<{ digest: string; subject: string | null }> {
    const algorithm = reference.kind === 'digest' ? parseDigest(reference.digest).algorithm : 'sha256';
    const digest = digestOf(body, algorithm);
    if (reference.kind === 'digest' && reference.digest !== digest.toString()) {
      throw new OciError('DIGEST_INVALID', { expected: reference.digest, actual: digest.toString() }, 'manifest digest does not match its content');
    }
    const manifest = parseManifest(body, contentType);
    const { db } = this.deps.database;
    const blobSizes = await repo.linkedBlobSizes(db, repository.id, manifest.blobs.map((b) => b.digest));
    const missingBlob = manifest.blobs.find((b) => !blobSizes.has(b.digest));
    if (missingBlob) throw new OciError('MANIFEST_BLOB_UNKNOWN', { digest: missingBlob.digest }, `blob ${missingBlob.digest} is unknown to this repository`);
    const wrongSize = manifest.blobs.find((b) => blobSizes.get(b.digest) !== b.size);
    if (wrongSize) {
      throw new OciError('MANIFEST_INVALID', { digest: wrongSize.digest, size: wrongSize.size, actual: blobSizes.get(wrongSize.digest) }, `descriptor of ${wrongSize.digest} gives size ${wrongSize.size}, the blob has ${blobSizes.get(wrongSize.digest)} bytes`);
    }
    const children = await repo.manifestSizes(db, repository.id, manifest.manifests.map((m) => m.digest));
    const missingChild = manifest.manifests.find((m) => !children.has(m.digest));
    if (missingChild) throw new OciError('MANIFEST_BLOB_UNKNOWN', { digest: missingChild.digest }, `manifest ${missingChild.digest} is unknown to this repository`);
    const wrongChild = manifest.manifests.find((m) => children.get(m.digest) !== m.size);
    if (wrongChild) {
      throw new OciError('MANIFEST_INVALID', { digest: wrongChild.digest, size: wrongChild.size, actual: children.get(wrongChild.digest) }, `descriptor of ${wrongChild.digest} gives size ${wrongChild.size}, the manifest has ${children.get(wrongChild.digest)} bytes`);
    }

    // What listings show, read once here (the config blob is stored already) so they never read storage.
    const facts = await artifactFacts(this.deps.storage, readManifestBody(body, manifest.mediaType));
    // The bytes are durable before the database points at them.
    const path = blobPath(digest);
    if (!(await this.deps.storage.stat(path))) await this.deps.storage.putContent(path, body);
    const now = this.deps.clock.now();
    const layerBytes = [...new Set(manifest.blobs.map((b) => b.digest))].reduce((sum, d) => sum + (blobSizes.get(d) ?? 0), 0);
    await chargingQuota(() => db.transaction().execute(async (trx) => {
      await this.pinAgainstGc(trx, repository, digest.toString(), body, manifest.blobs.map((b) => b.digest), manifest.manifests.map((m) => m.digest));
      if (reference.kind === 'tag') await this.refuseImmutableOverwrite(trx, repository, reference.tag, digest.toString());
      const { created } = await repo.saveManifest(trx, {
        repositoryId: repository.id,
        digest: digest.toString(),
        mediaType: manifest.mediaType,
        artifactType: manifest.artifactType,
        manifestSize: body.length,
        size: body.length + layerBytes,
        subject: manifest.subject,
        annotations: manifest.annotations ? JSON.stringify(manifest.annotations) : null,
        references: [
          ...manifest.blobs.map((b) => ({ digest: b.digest, kind: 'blob' as const })),
          ...manifest.manifests.map((m) => ({ digest: m.digest, kind: 'manifest' as const })),
        ],
        tag: reference.kind === 'tag' ? reference.tag : null,
        now,
        facts,
      });
      const pushed = { projectId: repository.project_id, repository: repository.name, digest: digest.toString(), tag: reference.kind === 'tag' ? reference.tag : null, operator: actor.name, at: now };
      await recordEvent(trx, { type: 'PUSH_ARTIFACT', ...pushed });
      await recordAudit(trx, {
        projectId: repository.project_id,
        operation: 'create',
        resourceType: 'artifact',
        resource: reference.kind === 'tag' ? `${repository.name}:${reference.tag}` : `${repository.name}@${digest.toString()}`,
        username: actor.name,
        clientIp: actor.ip,
        at: now,
      });
      // Last, so the project's quota row stays locked only until the commit that follows.
      if (created) {
        const held = [{ digest: digest.toString(), size: body.length }, ...manifest.blobs.map((b) => ({ digest: b.digest, size: blobSizes.get(b.digest) ?? b.size }))];
        const charged = await holdContent(trx, repository.project_id, held, now);
        if (crossedQuotaWarning(charged)) {
          await recordEvent(trx, { type: 'QUOTA_WARNING', ...pushed });
        }
      }
    }), () =>
      recordQuotaExceeded(this.deps.database, {
        projectId: repository.project_id,
        repository: repository.name,
        digest: digest.toString(),
        tag: reference.kind === 'tag' ? reference.tag : null,
        operator: actor.name,
        at: now,
      }),
    );
    this.cache.set(digest.toString(), body);
    return { digest: digest.toString(), subject: manifest.subject };
  }

  /**
   * The push side of online GC (src/gc/): GC deletes a blob, a manifest's bytes or an
   * untagged artifact only in a transaction that holds the row locked (FOR UPDATE) and
   * re-checks that nothing references it. Here the rows this manifest relies on are read
   * again under a shared lock: either GC already removed them (and the push is refused, or
   * the manifest's own bytes written again), or GC waits for this commit and then sees the
   * new references. SQLite serialises writers, which gives the same ordering.
   */
  private async pinAgainstGc(trx: Executor, repository: Repository, digest: string, body: Buffer, blobs: string[], children: string[]): Promise<void> {
    const postgres = this.deps.database.dialect === 'postgres';
    // Locks in the order GC takes them (artifacts, deleted_manifests, blobs by digest): no deadlock.
    // This artifact (when it exists already: a new tag for it) and the index's children.
    let pinned = trx.selectFrom('artifacts').select('id').where('repository_id', '=', repository.id).where('digest', 'in', [digest, ...children]).orderBy('id');
    if (postgres) pinned = pinned.forShare();
    await pinned.execute();
    await trx.deleteFrom('deleted_manifests').where('digest', '=', digest).execute();
    if (children.length > 0) {
      const present = new Set((await repo.manifestSizes(trx, repository.id, children)).keys());
      const gone = children.find((c) => !present.has(c));
      if (gone) throw new OciError('MANIFEST_BLOB_UNKNOWN', { digest: gone }, `manifest ${gone} is unknown to this repository`);
    }
    const wanted = [...new Set([digest, ...blobs])];
    let rows = trx.selectFrom('blobs').select('digest').where('digest', 'in', wanted).orderBy('digest');
    if (postgres) rows = rows.forShare();
    const present = new Set((await rows.execute()).map((r) => r.digest));
    const gone = blobs.find((b) => !present.has(b));
    if (gone) throw new OciError('MANIFEST_BLOB_UNKNOWN', { digest: gone }, `blob ${gone} is unknown to this repository`);
    const path = blobPath(parseDigest(digest));
    if (!(await this.deps.storage.stat(path))) await this.deps.storage.putContent(path, body);
  }

  /** An immutable tag may be pushed again only with the content it already has. */
  private async refuseImmutableOverwrite(trx: Executor, repository: Repository, tag: string, digest: string): Promise<void> {
    const current = await repo.findArtifactByTag(trx, repository.id, tag);
    if (current && current.digest !== digest) await this.refuseImmutable(trx, repository, [tag]);
  }

  private async refuseImmutable(trx: Executor, repository: Repository, tags: readonly string[]): Promise<void> {
    const first = await firstImmutableTag(trx, repository.project_id, repository.name, tags);
    if (first !== undefined) {
      throw new OciError('DENIED', { tag: first }, `the tag ${repository.name}:${first} is immutable and cannot be overwritten or deleted`);
    }
  }

  /** By digest: removes the artifact and its tags. By tag: removes only the tag. */
  async delete(repository: Repository, reference: ManifestReference, actor: Actor): Promise<void> {
    const { db } = this.deps.database;
    const now = this.deps.clock.now();
    await db.transaction().execute(async (trx) => {
      if (reference.kind === 'tag') {
        await this.refuseImmutable(trx, repository, [reference.tag]);
        if (!(await repo.deleteTag(trx, repository.id, reference.tag))) throw new OciError('MANIFEST_UNKNOWN', { tag: reference.tag });
      } else {
        const artifact = await repo.findArtifactByDigest(trx, repository.id, reference.digest);
        if (!artifact) throw new OciError('MANIFEST_UNKNOWN', { digest: reference.digest });
        // Signatures and SBOMs of the manifest go with it, under the same rules.
        const accessories = await repo.accessoriesOf(trx, repository.id, reference.digest);
        const doomed = [artifact, ...accessories];
        const gone = new Set(doomed.map((a) => a.digest));
        for (const each of doomed) {
          await this.refuseImmutable(trx, repository, await repo.tagsOfArtifact(trx, each.id));
          const parents = (await repo.parentIndexes(trx, repository.id, each.digest)).filter((p) => !gone.has(p));
          if (parents.length > 0) {
            throw new OciError('DENIED', { referencedBy: parents }, `manifest ${each.digest} is part of index ${parents[0]}; delete the index first`);
          }
        }
        for (const each of doomed) await repo.deleteArtifact(trx, each.id, now);
        for (const accessory of accessories) {
          await recordEvent(trx, { type: 'DELETE_ARTIFACT', projectId: repository.project_id, repository: repository.name, digest: accessory.digest, operator: actor.name, at: now });
          await recordAudit(trx, {
            projectId: repository.project_id,
            operation: 'delete',
            resourceType: 'artifact',
            resource: `${repository.name}@${accessory.digest}`,
            username: actor.name,
            clientIp: actor.ip,
            at: now,
          });
        }
      }
      await recordEvent(trx, {
        type: reference.kind === 'tag' ? 'DELETE_TAG' : 'DELETE_ARTIFACT',
        projectId: repository.project_id,
        repository: repository.name,
        digest: reference.kind === 'digest' ? reference.digest : null,
        tag: reference.kind === 'tag' ? reference.tag : null,
        operator: actor.name,
        at: now,
      });
      await recordAudit(trx, {
        projectId: repository.project_id,
        operation: 'delete',
        resourceType: reference.kind === 'tag' ? 'tag' : 'artifact',
        resource: reference.kind === 'tag' ? `${repository.name}:${reference.tag}` : `${repository.name}@${reference.digest}`,
        username: actor.name,
        clientIp: actor.ip,
        at: now,
      });
    });
  }
}
