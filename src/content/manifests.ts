import { recordAudit } from '../audit/index.js';
import { forShare, inBatches, ReadMemo, type Artifact, type Executor, type Repository } from '../platform/db/index.js';
import { InvalidInputError, NotFoundError, QuotaExceededError, UnsupportedError } from '../platform/errors/index.js';
import { recordEvent } from '../platform/events/index.js';
import { digestOf, DigestError, isDigestReference, parseDigest } from '../platform/lib/index.js';
import { isValidTag } from '../platform/lib/index.js';
import { blobPath, PathNotFoundError } from '../platform/storage/index.js';
import type { Actor } from './delete.js';
import type { ContentDeps } from './deps.js';
import type { GateRunner } from './gate-runner.js';
import { ManifestCache } from './manifest-cache.js';
import { artifactFacts } from './facts.js';
import { cosignTagAccessory, readManifestBody } from './manifest-body.js';
import { parseManifest } from './manifest-parse.js';
import { PullRecorder } from './pull-recorder.js';
import * as repo from './repo.js';
import { holdContents } from './usage.js';

export type ManifestReference = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: string };

export function parseReference(reference: string): ManifestReference {
  if (isDigestReference(reference)) {
    try {
      return { kind: 'digest', digest: parseDigest(reference).toString() };
    } catch (err) {
      if (err instanceof DigestError && err.unsupported) throw new UnsupportedError('digest', err.message, { reference });
      throw new InvalidInputError('digest', (err as Error).message, { reference });
    }
  }
  if (!isValidTag(reference)) throw new InvalidInputError('tag', `invalid tag "${reference}"`, { tag: reference });
  return { kind: 'tag', tag: reference };
}

/**
 * A reference to read or delete by. A string that is no valid tag names no manifest, so it is
 * unknown (404, the spec's pull section); only storing under it is refused as invalid (400).
 */
export function parseLookupReference(reference: string): ManifestReference {
  if (!isDigestReference(reference) && !isValidTag(reference)) {
    throw new NotFoundError('manifest', `manifest unknown: "${reference}" is not a valid tag`, { reference });
  }
  return parseReference(reference);
}

export class ManifestService {
  // Thousands of manifests of a few KiB each: the hot ones of a busy registry, for a bounded share of memory.
  private readonly cache = new ManifestCache(16 * 1024 * 1024);
  readonly pulls: PullRecorder;
  /** Artifacts by repository and tag or digest: the hot ones, a few hundred bytes each. */
  private readonly lookups: ReadMemo<Artifact | undefined>;

  constructor(
    private readonly deps: ContentDeps,
    private readonly gates: GateRunner,
  ) {
    this.pulls = new PullRecorder(deps.database, deps.clock);
    this.lookups = new ReadMemo(deps.database, 1000);
  }

  /**
   * The artifact by repository name: one query on the pull path, where every request counts,
   * and none while the database has not changed since the same lookup (see ReadMemo).
   */
  async findByName(name: string, reference: ManifestReference): Promise<Artifact> {
    const { db } = this.deps.database;
    const key = reference.kind === 'tag' ? `t\0${name}\0${reference.tag}` : `d\0${name}\0${reference.digest}`;
    const artifact = await this.lookups.get(key, async () => {
      const found =
        reference.kind === 'tag'
          ? await repo.findArtifactByRepositoryTag(db, name, reference.tag)
          : await repo.findArtifactByRepositoryDigest(db, name, reference.digest);
      return found && Object.freeze(found);
    });
    if (!artifact) {
      throw new NotFoundError('manifest', 'manifest unknown to registry', reference.kind === 'tag' ? { tag: reference.tag } : { digest: reference.digest });
    }
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
      if (err instanceof PathNotFoundError) throw new NotFoundError('manifest', 'manifest unknown to registry', { digest: artifact.digest });
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
    await this.gates.beforeChange(this.deps.database.db);
    await this.deps.space.assertRoom();
    const algorithm = reference.kind === 'digest' ? parseDigest(reference.digest).algorithm : 'sha256';
    const digest = digestOf(body, algorithm);
    if (reference.kind === 'digest' && reference.digest !== digest.toString()) {
      throw new InvalidInputError('digest', 'manifest digest does not match its content', { expected: reference.digest, actual: digest.toString() });
    }
    const manifest = parseManifest(body, contentType);
    const { db } = this.deps.database;
    const blobSizes = await repo.linkedBlobSizes(
      db,
      repository.id,
      manifest.blobs.map((b) => b.digest),
    );
    const missingBlob = manifest.blobs.find((b) => !blobSizes.has(b.digest));
    if (missingBlob) throw new NotFoundError('reference', `blob ${missingBlob.digest} is unknown to this repository`, { digest: missingBlob.digest });
    const wrongSize = manifest.blobs.find((b) => blobSizes.get(b.digest) !== b.size);
    if (wrongSize) {
      throw new InvalidInputError(
        'manifest',
        `descriptor of ${wrongSize.digest} gives size ${wrongSize.size}, the blob has ${blobSizes.get(wrongSize.digest)} bytes`,
        {
          digest: wrongSize.digest,
          size: wrongSize.size,
          actual: blobSizes.get(wrongSize.digest),
        },
      );
    }
    const children = await repo.manifestSizes(
      db,
      repository.id,
      manifest.manifests.map((m) => m.digest),
    );
    const missingChild = manifest.manifests.find((m) => !children.has(m.digest));
    if (missingChild) throw new NotFoundError('reference', `manifest ${missingChild.digest} is unknown to this repository`, { digest: missingChild.digest });
    const wrongChild = manifest.manifests.find((m) => children.get(m.digest) !== m.size);
    if (wrongChild) {
      throw new InvalidInputError(
        'manifest',
        `descriptor of ${wrongChild.digest} gives size ${wrongChild.size}, the manifest has ${children.get(wrongChild.digest)} bytes`,
        {
          digest: wrongChild.digest,
          size: wrongChild.size,
          actual: children.get(wrongChild.digest),
        },
      );
    }

    // What listings show, read once here (the config blob is stored already) so they never read storage.
    const manifestBody = readManifestBody(body, manifest.mediaType);
    const tag = reference.kind === 'tag' ? reference.tag : null;
    // cosign's tag scheme attaches a signature to its subject by the tag's name, in either push order.
    const tagged = manifest.subject === null ? cosignTagAccessory(tag, manifestBody) : undefined;
    const subject = manifest.subject ?? tagged?.subject ?? null;
    const facts = { ...(await artifactFacts(this.deps.storage, manifestBody, 'push')), ...(tagged ? { accessory_type: tagged.type } : {}) };
    // The bytes are durable before the database points at them.
    const path = blobPath(digest);
    if (!(await this.deps.storage.stat(path))) await this.deps.storage.putContent(path, body);
    const now = this.deps.clock.now();
    const layerBytes = [...new Set(manifest.blobs.map((b) => b.digest))].reduce((sum, d) => sum + (blobSizes.get(d) ?? 0), 0);
    const pushed = { projectId: repository.project_id, repository: repository.name, digest: digest.toString(), tag, operator: actor.name, at: now };
    try {
      await db.transaction().execute(async (trx) => {
        await this.pinAgainstGc(
          trx,
          repository,
          digest.toString(),
          body,
          manifest.blobs.map((b) => b.digest),
          manifest.manifests.map((m) => m.digest),
        );
        if (tag !== null) await this.tagMoving(trx, repository, tag, digest.toString());
        const { created } = await repo.saveManifest(trx, {
          repositoryId: repository.id,
          digest: digest.toString(),
          mediaType: manifest.mediaType,
          artifactType: manifest.artifactType,
          manifestSize: body.length,
          size: body.length + layerBytes,
          subject,
          annotations: manifest.annotations ? JSON.stringify(manifest.annotations) : null,
          references: [
            ...manifest.blobs.map((b) => ({ digest: b.digest, kind: 'blob' as const })),
            ...manifest.manifests.map((m) => ({ digest: m.digest, kind: 'manifest' as const })),
          ],
          tag,
          now,
          facts,
        });
        await recordEvent(trx, { type: 'PUSH_ARTIFACT', ...pushed });
        await recordAudit(trx, {
          projectId: repository.project_id,
          operation: 'create',
          resourceType: 'artifact',
          resource: tag !== null ? `${repository.name}:${tag}` : `${repository.name}@${digest.toString()}`,
          username: actor.name,
          clientIp: actor.ip ?? null,
          at: now,
        });
        // Last, so the quota's rows stay locked only until the commit that follows.
        if (created) {
          const held = [
            { digest: digest.toString(), size: body.length },
            ...manifest.blobs.map((b) => ({ digest: b.digest, size: blobSizes.get(b.digest) ?? b.size })),
          ];
          const added = await holdContents(trx, repository.project_id, [held]);
          if (await this.gates.bytesAdded(trx, { projectId: repository.project_id, bytes: added, now })) {
            await recordEvent(trx, { type: 'QUOTA_WARNING', ...pushed });
          }
        }
      });
    } catch (err) {
      if (err instanceof QuotaExceededError) await recordQuotaExceeded(this.deps, pushed);
      throw err;
    }
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
    // Locks in the order GC takes them (artifacts, deleted_manifests, blobs by digest): no deadlock.
    // This artifact (when it exists already: a new tag for it) and the index's children.
    const { dialect } = this.deps.database;
    for (const batch of inBatches([digest, ...children])) {
      await forShare(
        trx.selectFrom('artifacts').select('id').where('repository_id', '=', repository.id).where('digest', 'in', batch).orderBy('id'),
        dialect,
      ).execute();
    }
    await trx.deleteFrom('deleted_manifests').where('digest', '=', digest).execute();
    if (children.length > 0) {
      const present = new Set((await repo.manifestSizes(trx, repository.id, children)).keys());
      const gone = children.find((c) => !present.has(c));
      if (gone) throw new NotFoundError('reference', `manifest ${gone} is unknown to this repository`, { digest: gone });
    }
    // In digest order across batches too: one lock order with GC.
    const present = new Set<string>();
    for (const batch of inBatches([digest, ...blobs].sort())) {
      const rows = await forShare(trx.selectFrom('blobs').select('digest').where('digest', 'in', batch).orderBy('digest'), dialect).execute();
      for (const r of rows) present.add(r.digest);
    }
    const gone = blobs.find((b) => !present.has(b));
    if (gone) throw new NotFoundError('reference', `blob ${gone} is unknown to this repository`, { digest: gone });
    const path = blobPath(parseDigest(digest));
    if (!(await this.deps.storage.stat(path))) await this.deps.storage.putContent(path, body);
  }

  /** A tag pushed again with other content moves: the push gates (immutability) may refuse. */
  private async tagMoving(trx: Executor, repository: Repository, tag: string, digest: string): Promise<void> {
    const current = await repo.findArtifactByTag(trx, repository.id, tag);
    if (current && current.digest !== digest) await this.gates.tagsChanging(trx, { repository, tags: [tag], change: 'move' });
  }
}

/**
 * The outbox's QUOTA_EXCEED event for a refused change. The refusing transaction rolled back,
 * so this is a small transaction of its own; losing it must not change the client's answer.
 */
export async function recordQuotaExceeded(
  deps: Pick<ContentDeps, 'database'>,
  event: { projectId: number; repository: string; digest: string; tag: string | null; operator: string; at: number },
): Promise<void> {
  try {
    await recordEvent(deps.database.db, { type: 'QUOTA_EXCEED', ...event });
  } catch {
    // Best effort: the change was refused either way.
  }
}
