import { MediaType } from '../platform/lib/index.js';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { parse as parseYaml } from 'yaml';
import {
  type Actor,
  type ContentService,
  findArtifactByDigest,
  findArtifactByTag,
  isRecord,
  MAX_CHART_BYTES,
  readChartFile,
  readManifest,
  tagsOfArtifact,
} from '../content/index.js';
import { IN_LIST_BOUND, type Artifact, type Database, type Project } from '../platform/db/index.js';
import { ConflictError, DeniedError, InvalidInputError, NotFoundError } from '../platform/errors/index.js';
import type { StorageDriver } from '../platform/storage/index.js';
import type { Clock } from '../platform/clock.js';
import { chartTag, HELM_CHART_MEDIA_TYPE, HELM_CONFIG_MEDIA_TYPE, HELM_PROV_MEDIA_TYPE, readChartArchive } from './archive.js';
import { assembleIndex, chartFileName, indexEntries, indexEntry, renderChartBlock, type IndexEntry } from './index-yaml.js';
import * as repo from './repo.js';
import type { ChartRow } from './repo.js';

/** Projects whose index is kept in memory at most; the least recently built goes first. */
const CACHED_PROJECTS = 256;
/** Chart artifacts given an index row per query, when a project's index is first built after OCI pushes. */
const FILL_BATCH = 500;
/** Manifests read at once while filling. */
const FILL_CONCURRENCY = 8;

/** A project's index as last built, and each chart's block with the stamp it was rendered at. */
interface CachedIndex {
  stamp: string;
  body: Buffer;
  blocks: Map<string, { stamp: string; text: string }>;
}

export interface ChartsDeps {
  database: Database;
  storage: StorageDriver;
  content: ContentService;
  clock: Clock;
}

/** What a classic download serves: the chart's archive or its provenance file. */
export interface ChartDownload {
  row: ChartRow;
  artifact: Artifact;
  digest: string;
  kind: 'chart' | 'prov';
}

/** Harbor's ChartInfo, one per chart name in the chart list. */
export interface ChartInfo {
  name: string;
  total_versions: number;
  latest_version: string;
  created: string;
  updated: string;
  icon: string;
  home: string;
  deprecated: boolean;
}

/**
 * The classic Helm chart repository of each project, over the one artifact store: a chart
 * uploaded here becomes an OCI chart artifact through the content push path (so quotas,
 * immutability, webhooks and replication see an ordinary push), and every chart artifact of
 * the project, however pushed, is listed in index.yaml. The index is built from the database
 * and kept per project until a chart artifact of the project is pushed or deleted.
 */
export class ChartRepository {
  private readonly cache = new Map<number, CachedIndex>();

  constructor(private readonly deps: ChartsDeps) {}

  private get db() {
    return this.deps.database.db;
  }

  /** index.yaml of the project; rebuilt only when its chart artifacts changed. */
  async indexYaml(project: Project): Promise<Buffer> {
    let stamp = await repo.chartStamp(this.db, project.id);
    const cached = this.cache.get(project.id);
    if (cached?.stamp === stamp) return cached.body;
    if (await this.fill(project.id)) stamp = await repo.chartStamp(this.db, project.id);
    // Only the charts whose versions changed are read and rendered again; the others keep their block.
    const stamps = await repo.chartNameStamps(this.db, project.id);
    const blocks = new Map<string, { stamp: string; text: string }>();
    const changed: string[] = [];
    for (const [name, nameStamp] of stamps) {
      const block = cached?.blocks.get(name);
      if (block?.stamp === nameStamp) blocks.set(name, block);
      else changed.push(name);
    }
    for (let i = 0; i < changed.length; i += IN_LIST_BOUND) {
      const entries = indexEntries(await repo.chartRowsOfNames(this.db, project.id, changed.slice(i, i + IN_LIST_BOUND)));
      for (const [name, versions] of entries) blocks.set(name, { stamp: stamps.get(name)!, text: renderChartBlock(name, versions) });
    }
    // Kept as bytes: a cached answer is written as it is, never encoded again.
    const body = Buffer.from(assembleIndex(new Map([...blocks].map(([name, block]) => [name, block.text])), new Date(this.deps.clock.now())));
    this.cache.delete(project.id);
    this.cache.set(project.id, { stamp, body, blocks });
    if (this.cache.size > CACHED_PROJECTS) this.cache.delete(this.cache.keys().next().value!);
    return body;
  }

  /**
   * Index rows for chart artifacts that have none: charts pushed over /v2/ (`helm push oci://`,
   * skopeo, replication) and charts pushed before this repository existed. Each manifest is read
   * once, for the digests of its layers; Chart.yaml itself is already on the artifact's row.
   */
  private async fill(projectId: number): Promise<boolean> {
    let filled = false;
    let lastSeen = 0;
    for (;;) {
      const artifacts = await repo.unindexedCharts(this.db, projectId, lastSeen, FILL_BATCH);
      if (artifacts.length === 0) return filled;
      lastSeen = artifacts[artifacts.length - 1]!.id;
      let next = 0;
      const work = async () => {
        while (next < artifacts.length) {
          const artifact = artifacts[next++]!;
          if (await this.indexArtifact(projectId, artifact)) filled = true;
        }
      };
      await Promise.all(Array.from({ length: Math.min(FILL_CONCURRENCY, artifacts.length) }, work));
      if (artifacts.length < FILL_BATCH) return filled;
    }
  }

  /** `known`: the name and version read from the uploaded archive itself (the row's Chart.yaml copy is bounded). */
  private async indexArtifact(projectId: number, artifact: Artifact, known?: { name: string; version: string }): Promise<boolean> {
    let manifest;
    try {
      manifest = await readManifest(this.deps.storage, artifact);
    } catch {
      return false;
    }
    const chart = manifest.layers.find((l) => l.mediaType === HELM_CHART_MEDIA_TYPE);
    const prov = manifest.layers.find((l) => l.mediaType === HELM_PROV_MEDIA_TYPE);
    const attrs = known ?? parseAttrs(artifact.extra_attrs);
    if (!chart || typeof attrs.name !== 'string' || typeof attrs.version !== 'string') return false;
    await repo.insertChartVersion(this.db, {
      artifact_id: artifact.id,
      project_id: projectId,
      name: attrs.name,
      version: attrs.version,
      chart_digest: chart.digest,
      chart_size: chart.size,
      prov_digest: prov?.digest ?? null,
    });
    return true;
  }

  /** Every version of the project (or of one chart), newest artifact first, after indexing what was pushed over /v2/. */
  private async rows(projectId: number, name?: string): Promise<ChartRow[]> {
    await this.fill(projectId);
    return repo.listChartRows(this.db, projectId, name);
  }

  /** `{name}-{version}.tgz` or `.tgz.prov` of the project. */
  async download(project: Project, file: string): Promise<ChartDownload> {
    const kind = file.endsWith('.tgz.prov') ? 'prov' : file.endsWith('.tgz') ? 'chart' : undefined;
    if (!kind) throw new NotFoundError('artifact', `${file} is not a chart file: charts are {name}-{version}.tgz`);
    const base = file.slice(0, file.length - (kind === 'prov' ? '.tgz.prov'.length : '.tgz'.length));
    const candidates: Array<{ name: string; version: string }> = [];
    for (let i = base.indexOf('-'); i > 0; i = base.indexOf('-', i + 1)) candidates.push({ name: base.slice(0, i), version: base.slice(i + 1) });
    let rows = await repo.findChartByFileBase(this.db, project.id, candidates);
    if (rows.length === 0 && (await this.fill(project.id))) rows = await repo.findChartByFileBase(this.db, project.id, candidates);
    const row = rows[0];
    if (!row) throw new NotFoundError('artifact', `chart ${file} not found in project ${project.name}`);
    const digest = kind === 'chart' ? row.chart_digest : row.prov_digest;
    if (!digest) throw new NotFoundError('artifact', `chart ${chartFileName(row.name, row.version)} has no provenance file`);
    const artifact = await findArtifactByDigest(this.db, row.repository_id, row.digest);
    if (!artifact) throw new NotFoundError('artifact', `chart ${file} not found in project ${project.name}`);
    await this.deps.content.beforePull(project.id, row.repository, artifact);
    return { row, artifact, digest, kind };
  }

  readBlob(digest: string): Promise<Readable> {
    return this.deps.content.readBlob(digest);
  }

  /**
   * A packaged chart (and its provenance file) as an OCI chart artifact `{project}/{name}:{version}`,
   * laid out as `helm push oci://` lays it out. A version already there is a conflict unless
   * `force`, which moves the tag to the new upload and deletes the one it replaces.
   */
  async upload(
    project: Project,
    archive: Buffer,
    prov: Buffer | undefined,
    force: boolean,
    actor: Actor,
    mayPush: (repository: string) => boolean,
  ): Promise<{ name: string; version: string; digest: string }> {
    const { name, version, metadata } = await readChartArchive(archive);
    // A member or robot limited to some repositories may push only there: the chart's name says which.
    if (!mayPush(`${project.name}/${name}`)) throw new DeniedError('repository', `not allowed to push to ${project.name}/${name}`);
    // The index rows of this name (no fill: an upload must not cost a scan of the project), and
    // the tag itself, which a chart pushed over /v2/ and not indexed yet holds.
    const existing = (await repo.listChartRows(this.db, project.id, name)).filter((r) => r.version === version);
    const repository = await this.deps.content.ensureRepository(project.id, `${project.name}/${name}`);
    const tagged = await findArtifactByTag(this.db, repository.id, chartTag(version));
    if ((existing.length > 0 || tagged) && !force) throw new ConflictError('artifact', `${chartFileName(name, version)} already exists in project ${project.name}`);
    const config = Buffer.from(JSON.stringify(metadata));
    const layers = [{ mediaType: HELM_CHART_MEDIA_TYPE, data: archive }];
    if (prov) layers.push({ mediaType: HELM_PROV_MEDIA_TYPE, data: prov });
    for (const blob of [config, ...layers.map((l) => l.data)]) await this.deps.content.putBlob(repository, sha256(blob), Readable.from([blob]));
    const annotations: Record<string, string> = {
      'org.opencontainers.image.created': new Date(this.deps.clock.now()).toISOString(),
      'org.opencontainers.image.title': name,
      'org.opencontainers.image.version': version,
    };
    if (typeof metadata.description === 'string') annotations['org.opencontainers.image.description'] = metadata.description;
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: HELM_CONFIG_MEDIA_TYPE, digest: sha256(config), size: config.length },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: sha256(l.data), size: l.data.length })),
        annotations,
      }),
    );
    const { digest } = await this.deps.content.putManifest(repository, chartTag(version), manifest, MediaType.OciManifest, actor);
    const artifact = await findArtifactByDigest(this.db, repository.id, digest);
    if (artifact) await this.indexArtifact(project.id, artifact, { name, version });
    // An overwritten version: the artifact it replaced, now without a tag, goes (as ChartMuseum replaces the file).
    const replaced = new Map<number, string>(existing.filter((r) => r.repository_id === repository.id).map((r) => [r.artifact_id, r.digest]));
    if (tagged) replaced.set(tagged.id, tagged.digest);
    for (const [id, old] of replaced) {
      if (old === digest || (await tagsOfArtifact(this.db, id)).length > 0) continue;
      await this.deps.content.deleteArtifacts(repository, [{ id, digest: old }], actor);
    }
    return { name, version, digest };
  }

  /**
   * A provenance file for a chart already here (Harbor's `POST /api/chartrepo/{project}/prov`):
   * the file names its chart and the chart's sha256, as `helm package --sign` writes it; the
   * chart is pushed again with it, as if both had been uploaded together.
   */
  async uploadProvenance(project: Project, prov: Buffer, actor: Actor, mayPush: (repository: string) => boolean): Promise<{ name: string; version: string }> {
    const match = /^\s+(\S+\.tgz):\s*sha256:([0-9a-f]{64})\s*$/m.exec(prov.toString('utf8'));
    if (!match) throw new InvalidInputError('input', 'the provenance file names no chart: expected a "files:" entry "<name>-<version>.tgz: sha256:<hex>"');
    const { row } = await this.download(project, match[1]!);
    if (row.chart_digest !== `sha256:${match[2]!}`) {
      throw new InvalidInputError('input', `the provenance file is for another ${match[1]!} (sha256:${match[2]!}), not the one here (${row.chart_digest})`);
    }
    if (row.chart_size > MAX_CHART_BYTES) throw new InvalidInputError('input', `the chart is larger than ${MAX_CHART_BYTES} bytes`);
    const chunks: Buffer[] = [];
    for await (const chunk of await this.deps.content.readBlob(row.chart_digest)) chunks.push(chunk as Buffer);
    const saved = await this.upload(project, Buffer.concat(chunks), prov, true, actor, mayPush);
    return { name: saved.name, version: saved.version };
  }

  /** Deletes a version (every artifact holding it, in whatever repository of the project), or all versions of a chart. */
  async delete(project: Project, name: string, version: string | undefined, actor: Actor, mayDelete: (repository: string) => boolean): Promise<void> {
    const rows = (await this.rows(project.id, name)).filter((r) => version === undefined || r.version === version);
    const refused = rows.find((r) => !mayDelete(r.repository));
    if (refused) throw new DeniedError('repository', `not allowed to delete from ${refused.repository}`);
    if (rows.length === 0) {
      throw new NotFoundError(
        'artifact',
        version === undefined ? `chart ${name} not found in project ${project.name}` : `chart ${name} version ${version} not found in project ${project.name}`,
      );
    }
    const byRepository = new Map<string, ChartRow[]>();
    for (const row of rows) byRepository.set(row.repository, [...(byRepository.get(row.repository) ?? []), row]);
    for (const [name, list] of byRepository) {
      const repository = await this.deps.content.findRepository(name);
      if (!repository) continue;
      await this.deps.content.deleteArtifacts(
        repository,
        list.map((r) => ({ id: r.artifact_id, digest: r.digest })),
        actor,
      );
    }
  }

  /** Harbor's chart list: one entry per chart name, with its latest version. */
  async charts(project: Project): Promise<ChartInfo[]> {
    const entries = indexEntries(await this.rows(project.id));
    return [...entries.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, versions]) => {
        const latest = versions[0]!;
        const times = versions.map((v) => v.created).sort();
        return {
          name,
          total_versions: versions.length,
          latest_version: latest.version,
          created: times[0]!,
          updated: times[times.length - 1]!,
          icon: typeof latest.icon === 'string' ? latest.icon : '',
          home: typeof latest.home === 'string' ? latest.home : '',
          deprecated: latest.deprecated === true,
        };
      });
  }

  /** The versions of one chart as index.yaml lists them (ChartMuseum's and Harbor's chart versions), newest first. */
  async versions(project: Project, name: string): Promise<Array<IndexEntry & { labels: never[] }>> {
    const list = indexEntries(await this.rows(project.id, name)).get(name);
    if (!list) throw new NotFoundError('artifact', `chart ${name} not found in project ${project.name}`);
    return list.map((entry) => ({ ...entry, labels: [] }));
  }

  /** Harbor's chart version details: metadata, dependencies, values, README and whether it is signed. */
  async version(project: Project, name: string, version: string) {
    const row = (await this.rows(project.id, name)).find((r) => r.version === version);
    if (!row) throw new NotFoundError('artifact', `chart ${name} version ${version} not found in project ${project.name}`);
    const artifact = await findArtifactByDigest(this.db, row.repository_id, row.digest);
    if (!artifact) throw new NotFoundError('artifact', `chart ${name} version ${version} not found in project ${project.name}`);
    const manifest = await readManifest(this.deps.storage, artifact);
    const [values, readme, chartYaml] = await Promise.all([
      readChartFile(this.deps.storage, manifest, 'values.yaml'),
      readChartFile(this.deps.storage, manifest, 'README.md'),
      readChartFile(this.deps.storage, manifest, 'Chart.yaml'),
    ]);
    const metadata = indexEntry(row);
    const files: Record<string, string> = {};
    if (values !== undefined) files['values.yaml'] = values;
    if (readme !== undefined) files['README.md'] = readme;
    return {
      metadata,
      dependencies: dependenciesOf(chartYaml, metadata),
      values: flattenValues(values),
      files,
      security: { signature: { signed: row.prov_digest !== null, prov_file: row.prov_digest ? `charts/${chartFileName(row.name, row.version)}.prov` : '' } },
      labels: [],
    };
  }
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function parseAttrs(json: string | null): Record<string, unknown> {
  if (json === null) return {};
  try {
    const parsed: unknown = JSON.parse(json);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** Dependencies from Chart.yaml (Helm 3), or from the metadata when Chart.yaml is unreadable. */
function dependenciesOf(chartYaml: string | undefined, metadata: Record<string, unknown>): unknown[] {
  let source: unknown = metadata.dependencies;
  if (chartYaml !== undefined) {
    try {
      const parsed: unknown = parseYaml(chartYaml, { maxAliasCount: 100 });
      if (isRecord(parsed)) source = parsed.dependencies;
    } catch {
      // Shown from the metadata instead.
    }
  }
  return Array.isArray(source) ? source.filter(isRecord).map((d) => ({ name: d.name, version: d.version, repository: d.repository ?? '' })) : [];
}

/** values.yaml as Harbor showed it: dotted keys to scalar values. */
function flattenValues(text: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (text === undefined) return out;
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { maxAliasCount: 100 });
  } catch {
    return out;
  }
  const walk = (value: unknown, prefix: string, depth: number) => {
    if (isRecord(value) && depth < 32) {
      for (const [key, item] of Object.entries(value)) walk(item, prefix ? `${prefix}.${key}` : key, depth + 1);
    } else if (prefix) out[prefix] = value;
  };
  walk(parsed, '', 0);
  return out;
}
