import type { Artifact, Database } from '../platform/db/index.js';
import { InvalidInputError } from '../platform/errors/index.js';
import type { StorageDriver } from '../platform/storage/index.js';
import { accessoryType, artifactKind, type ArtifactKind, type ManifestBody } from './manifest-body.js';
import { extraAttrs, readConfig, readManifest, type ConfigRead } from './stored.js';

/** A planted huge config must not bloat every listing: what does not fit is left out. */
export const MAX_EXTRA_ATTRS_BYTES = 16 * 1024;
/** An index's children as listings show them; past this, their annotations and urls are left out. */
export const MAX_INDEX_REFERENCES_BYTES = 256 * 1024;

/**
 * What an artifact listing shows of an artifact, as kept on its row (columns of the same
 * names): taken from the manifest and config once, at push, so listings read no storage.
 */
export interface Facts {
  /** Harbor's kind, for `type` and the `q=type=` filter. */
  type: ArtifactKind;
  /** The config's media type (the API's `media_type`); null for indexes. */
  config_media_type: string | null;
  /** JSON object; null only when the config could not be read (a storage error): to be read again. */
  extra_attrs: string | null;
  /** Harbor's accessory type, for an artifact with a subject. */
  accessory_type: string | null;
  /** JSON array of {@link IndexReference}, for indexes. */
  index_references: string | null;
}

/** The columns, as a row holds them: NULL on rows pushed before they were kept. */
export type FactColumns = { [K in keyof Facts]: Facts[K] | null };

/** An index child as the API's `references` show it, without the ids (those depend on the repository). */
/** Harbor's Platform of an index's child, as kept at push. */
export interface IndexPlatform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface IndexReference {
  child_digest: string;
  platform: IndexPlatform | null;
  urls: string[] | null;
  annotations: Record<string, string>;
}

/**
 * The facts of a manifest. Reads the config blob for images and charts. At push, a config
 * too large or too deep is refused (InvalidInputError); otherwise this never throws: a
 * config that is missing or not JSON shows nothing, and a storage error leaves
 * `extra_attrs` null, to be read again later.
 */
export async function artifactFacts(storage: StorageDriver, manifest: ManifestBody, mode: ConfigRead = 'stored'): Promise<Facts> {
  const type = artifactKind(manifest);
  let extra: string | null = '{}';
  if ((type === 'IMAGE' || type === 'CHART') && manifest.config) {
    try {
      extra = boundedObjectJson(extraAttrs(type, await readConfig(storage, manifest, mode)), MAX_EXTRA_ATTRS_BYTES);
    } catch (err) {
      if (err instanceof InvalidInputError) throw err;
      extra = null;
    }
  }
  return {
    type,
    config_media_type: manifest.config?.mediaType ?? null,
    extra_attrs: extra,
    accessory_type: manifest.subject !== undefined ? accessoryType(manifest) : null,
    index_references: manifest.manifests.length > 0 ? indexReferencesJson(manifest) : null,
  };
}

/** The row's facts, or undefined when they were not kept yet (or the config is to be read again). */
export function storedFacts(artifact: Artifact): Facts | undefined {
  if (artifact.type === null || artifact.extra_attrs === null) return undefined;
  return {
    type: artifact.type as ArtifactKind,
    config_media_type: artifact.config_media_type,
    extra_attrs: artifact.extra_attrs,
    accessory_type: artifact.accessory_type,
    index_references: artifact.index_references,
  };
}

/** The facts of a row copied to another repository: the same content, the same facts. */
export function copiedFacts(artifact: Artifact): FactColumns {
  return {
    type: artifact.type as ArtifactKind | null,
    config_media_type: artifact.config_media_type,
    extra_attrs: artifact.extra_attrs,
    accessory_type: artifact.accessory_type,
    index_references: artifact.index_references,
  };
}

export function parseIndexReferences(facts: Facts): IndexReference[] {
  return facts.index_references === null ? [] : (JSON.parse(facts.index_references) as IndexReference[]);
}

export function parseExtraAttrs(facts: Facts): Record<string, unknown> {
  return facts.extra_attrs === null ? {} : (JSON.parse(facts.extra_attrs) as Record<string, unknown>);
}

function indexReferencesJson(manifest: ManifestBody): string {
  const references: IndexReference[] = manifest.manifests.map((m) => ({
    child_digest: m.digest,
    platform: m.platform
      ? {
          architecture: m.platform.architecture ?? '',
          os: m.platform.os ?? '',
          variant: m.platform.variant,
          'os.version': m.platform['os.version'],
          'os.features': m.platform['os.features'],
        }
      : null,
    urls: m.urls ?? null,
    annotations: m.annotations ?? {},
  }));
  const full = JSON.stringify(references);
  if (Buffer.byteLength(full) <= MAX_INDEX_REFERENCES_BYTES) return full;
  // Every child keeps its digest and platform as long as they fit; annotations and urls go first.
  const kept: IndexReference[] = [];
  let size = 2;
  for (const reference of references) {
    const slim = { ...reference, urls: null, annotations: {} };
    const bytes = Buffer.byteLength(JSON.stringify(slim)) + (kept.length > 0 ? 1 : 0);
    if (size + bytes > MAX_INDEX_REFERENCES_BYTES) break;
    kept.push(slim);
    size += bytes;
  }
  return JSON.stringify(kept);
}

/** The object as JSON within `limit` bytes: keys, in order, that would not fit are left out. */
export function boundedObjectJson(value: Record<string, unknown>, limit: number): string {
  const kept: Record<string, unknown> = {};
  let size = 2;
  let count = 0;
  for (const [key, entry] of Object.entries(value)) {
    const text = JSON.stringify(entry) as string | undefined;
    if (text === undefined) continue;
    const bytes = Buffer.byteLength(JSON.stringify(key)) + 1 + Buffer.byteLength(text) + (count > 0 ? 1 : 0);
    if (size + bytes > limit) continue;
    kept[key] = entry;
    size += bytes;
    count++;
  }
  return JSON.stringify(kept);
}

export interface BackfillOptions {
  /** Rows read per query. */
  batchSize?: number;
  /** Manifests read from storage at once. */
  concurrency?: number;
  log?: (message: string) => void;
}

/**
 * Fills the facts of rows pushed before they were kept, reading each manifest and config
 * once, in batches by id. Idempotent: only rows whose facts are NULL are read, and the
 * facts of a digest never change, so instances starting together may both run it. A row
 * whose manifest is missing or unreadable is left as it is (listed from storage, as before) and
 * tried again at the next start; a storage error never stops the server from starting.
 */
export async function backfillFacts(database: Database, storage: StorageDriver, options: BackfillOptions = {}): Promise<{ filled: number; skipped: number }> {
  const batchSize = options.batchSize ?? 200;
  const concurrency = options.concurrency ?? 8;
  const { db } = database;
  let after = 0;
  let filled = 0;
  let skipped = 0;
  for (;;) {
    const rows = await db
      .selectFrom('artifacts')
      .selectAll()
      .where((eb) => eb.or([eb('type', 'is', null), eb('extra_attrs', 'is', null)]))
      .where('id', '>', after)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    let next = 0;
    const work = async () => {
      while (next < rows.length) {
        const row = rows[next++]!;
        let facts: Facts;
        try {
          facts = await artifactFacts(storage, await readManifest(storage, row));
        } catch (err) {
          // Missing or unreadable: the row stays as it was (listed from storage) and is tried again next start.
          skipped++;
          options.log?.(`artifact ${row.id} (${row.digest}): ${err instanceof Error ? err.message : String(err)}; its listing facts stay unfilled`);
          continue;
        }
        await db.updateTable('artifacts').set(facts).where('id', '=', row.id).execute();
        if (facts.extra_attrs === null) skipped++;
        else filled++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, work));
    options.log?.(`listing facts: ${filled} artifacts filled so far`);
  }
  return { filled, skipped };
}
