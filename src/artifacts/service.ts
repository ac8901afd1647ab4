import type { Readable } from 'node:stream';
import { parse as parseYaml } from 'yaml';
import { sbomOverviews, scanOverviews } from '../scan/index.js';
import type { Artifact, Database, Executor, Repository } from '../platform/db/index.js';
import { NotFoundError, UnprocessableError } from '../platform/errors/index.js';
import type { QueryCondition } from '../platform/http/index.js';
import { labelsOfArtifacts } from '../labels/index.js';
import type { Actor, ContentService } from '../content/index.js';
import { immutabilityOf } from '../policies/immutability/index.js';
import type { StorageDriver } from '../platform/storage/index.js';
import type { Clock } from '../platform/clock.js';
import {
  artifactFacts,
  parseExtraAttrs,
  parseIndexReferences,
  readChartFile,
  readConfig,
  readManifest,
  storedFacts,
  type ChartFile,
  type Facts,
} from '../content/index.js';
import { accessoryJson, additionLinks, tagJson, time } from './json.js';
import type { AccessoryJson, ArtifactJson } from './shapes.js';
import { AccessoryType, accessoryType, artifactKind, HARBOR_SBOM, isRecord, type ManifestBody } from '../content/index.js';
import * as repo from '../content/index.js';

export interface ArtifactsDeps {
  database: Database;
  storage: StorageDriver;
  clock: Clock;
  content: ContentService;
}

export type { Actor };

export interface DescribeOptions {
  withTag: boolean;
  withLabel: boolean;
  withAccessory: boolean;
  /** Each tag's `immutable` by the project's rules (only with `withTag`). */
  withImmutableStatus: boolean;
  /** Harbor's `scan_overview`, from the project scanner's reports. */
  withScanOverview?: boolean;
  /** Harbor's `sbom_overview`, from the project scanner's SBOM generations. */
  withSbomOverview?: boolean;
  /** Each tag's `signed`: whether its artifact has a cosign or notation signature (only with `withTag`). */
  withSignature?: boolean;
}

/** The accessory types that sign their subject. */
const SIGNATURE_TYPES = new Set<string>([AccessoryType.CosignSignature, AccessoryType.NotationSignature]);

export class ArtifactService {
  constructor(private readonly deps: ArtifactsDeps) {}

  private get db(): Executor {
    return this.deps.database.db;
  }

  async manifestOf(artifact: Artifact): Promise<ManifestBody> {
    return readManifest(this.deps.storage, artifact);
  }

  /** Harbor's Artifact JSON for each artifact of the repository, in order. */
  describe(repository: Repository, projectName: string, artifacts: Artifact[], options: DescribeOptions): Promise<ArtifactJson[]> {
    return this.describeAcross(projectName, new Map([[repository.id, repository]]), artifacts, options);
  }

  /** Harbor's Artifact JSON for artifacts of several repositories of one project, in order. */
  async describeAcross(
    projectName: string,
    repositories: ReadonlyMap<number, Repository>,
    artifacts: Artifact[],
    options: DescribeOptions,
  ): Promise<ArtifactJson[]> {
    const ids = artifacts.map((a) => a.id);
    const projectId = [...repositories.values()][0]?.project_id;
    const [tags, labels, accessories, immutable, overviews, sboms] = await Promise.all([
      options.withTag ? repo.tagsOf(this.db, ids) : undefined,
      options.withLabel ? labelsOfArtifacts(this.db, ids) : undefined,
      options.withAccessory || (options.withTag && options.withSignature)
        ? repo.accessoriesOfSubjects(
            this.db,
            [...repositories.keys()],
            artifacts.map((a) => a.digest),
          )
        : undefined,
      // The rules are read once for the page, not once per tag.
      options.withTag && options.withImmutableStatus && projectId !== undefined ? immutabilityOf(this.db, projectId) : undefined,
      options.withScanOverview && projectId !== undefined ? scanOverviews(this.db, projectId, artifacts) : undefined,
      options.withSbomOverview && projectId !== undefined ? sbomOverviews(this.db, projectId, artifacts) : undefined,
    ]);
    // What the page shows was kept on the rows at push: storage is read only for rows from
    // before that whose facts the startup backfill has not filled (src/content/facts.ts).
    const facts = await Promise.all(artifacts.map((artifact) => this.factsOf(artifact)));
    const children = await this.childIds(artifacts, facts);
    const out: ArtifactJson[] = [];
    for (const [index, artifact] of artifacts.entries()) {
      const repository = repositories.get(artifact.repository_id);
      if (!repository) throw new Error(`artifact ${artifact.id} is outside the repositories described`);
      const fact = facts[index]!;
      const json: ArtifactJson = {
        id: artifact.id,
        type: fact.type,
        media_type: fact.config_media_type ?? artifact.media_type,
        manifest_media_type: artifact.media_type,
        // The manifest's artifactType, else its config's media type (as stored for referrers), else its own.
        artifact_type: artifact.artifact_type ?? fact.config_media_type ?? artifact.media_type,
        project_id: repository.project_id,
        repository_id: repository.id,
        repository_name: repository.name,
        digest: artifact.digest,
        size: artifact.size,
        icon: '',
        push_time: time(artifact.push_time),
        pull_time: time(artifact.pull_time),
        extra_attrs: parseExtraAttrs(fact),
        annotations: artifact.annotations ? (JSON.parse(artifact.annotations) as Record<string, string>) : {},
        references: parseIndexReferences(fact).map((r) => ({
          parent_id: artifact.id,
          child_id: children.get(`${artifact.repository_id} ${r.child_digest}`) ?? 0,
          child_digest: r.child_digest,
          platform: r.platform,
          urls: r.urls,
          annotations: r.annotations,
        })),
        addition_links: additionLinks(fact.type, repository, projectName, artifact.digest),
      };
      const mine = (accessories ?? []).filter((a) => a.repository_id === artifact.repository_id && a.subject_digest === artifact.digest);
      const types = await Promise.all(mine.map((a) => this.accessoryTypeOf(a)));
      const signed = options.withSignature ? types.some((type) => SIGNATURE_TYPES.has(type)) : undefined;
      if (tags) json.tags = (tags.get(artifact.id) ?? []).map((tag) => tagJson(tag, immutable?.(repository.name, tag.name) ?? false, signed));
      if (labels) json.labels = labels.get(artifact.id) ?? [];
      const overview = overviews?.get(artifact.digest);
      if (overview) json.scan_overview = overview;
      const sbom = sboms?.get(artifact.digest);
      if (sbom) json.sbom_overview = sbom;
      if (options.withAccessory) json.accessories = mine.map((a, i) => accessoryJson(a, artifact, repository, types[i]!));
      out.push(json);
    }
    return out;
  }

  /** A page of the accessories attached directly to the artifact, newest first, with how many there are. */
  async accessoriesPage(
    repository: Repository,
    artifact: Artifact,
    conditions: readonly QueryCondition[],
    offset: number,
    limit: number,
  ): Promise<{ total: number; page: AccessoryJson[] }> {
    const { total, accessories } = await repo.accessoriesPage(this.db, repository.id, artifact.digest, conditions, offset, limit);
    const page = await Promise.all(accessories.map(async (a) => accessoryJson(a, artifact, repository, await this.accessoryTypeOf(a))));
    return { total, page };
  }

  /** Harbor's Tag JSON, with each tag's immutability by the project's rules when asked for. */
  async describeTags(repository: Repository, tags: readonly repo.TagRow[], withImmutableStatus: boolean) {
    const immutable = withImmutableStatus && tags.length > 0 ? await immutabilityOf(this.db, repository.project_id) : undefined;
    return tags.map((tag) => tagJson(tag, immutable?.(repository.name, tag.name) ?? false));
  }

  /** The row's facts; from storage only for a row whose facts were not kept yet. */
  private async factsOf(artifact: Artifact): Promise<Facts> {
    return storedFacts(artifact) ?? artifactFacts(this.deps.storage, await this.manifestOf(artifact));
  }

  private async accessoryTypeOf(accessory: Artifact): Promise<string> {
    return accessory.accessory_type ?? accessoryType(await this.manifestOf(accessory));
  }

  /** Ids of the page's index children, by "repository digest", in one query per repository. */
  private async childIds(artifacts: Artifact[], facts: Facts[]): Promise<Map<string, number>> {
    const wanted = new Map<number, Set<string>>();
    for (const [index, artifact] of artifacts.entries()) {
      for (const r of parseIndexReferences(facts[index]!)) {
        const digests = wanted.get(artifact.repository_id) ?? new Set<string>();
        digests.add(r.child_digest);
        wanted.set(artifact.repository_id, digests);
      }
    }
    const out = new Map<string, number>();
    for (const [repositoryId, digests] of wanted) {
      for (const [digest, id] of await repo.artifactIdsByDigest(this.db, repositoryId, [...digests])) out.set(`${repositoryId} ${digest}`, id);
    }
    return out;
  }

  /** Harbor's additions: build_history for images; values.yaml, readme.md, dependencies for charts; sbom for Harbor's SBOM accessories. */
  async addition(artifact: Artifact, name: string): Promise<{ contentType: string; body: string | Readable }> {
    const manifest = await this.manifestOf(artifact);
    const kind = artifactKind(manifest);
    // As Harbor's SBOM processor: the one layer of a Harbor SBOM (either of its layouts), streamed as stored.
    const declared = [manifest.artifactType, manifest.config?.mediaType];
    if (name === 'sbom' && declared.includes(HARBOR_SBOM) && manifest.layers.length === 1) {
      return { contentType: HARBOR_SBOM, body: await this.deps.content.readBlob(manifest.layers[0]!.digest) };
    }
    if (name === 'build_history' && kind === 'IMAGE') {
      const config = await readConfig(this.deps.storage, manifest);
      const history = config && Array.isArray(config.history) ? config.history : [];
      return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(history) };
    }
    const chartFile = kind === 'CHART' ? CHART_ADDITIONS[name] : undefined;
    if (chartFile) {
      const text = await readChartFile(this.deps.storage, manifest, chartFile);
      if (text !== undefined && name === 'dependencies') return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(chartDependencies(text)) };
      if (text !== undefined) return { contentType: 'text/plain; charset=utf-8', body: text };
    }
    throw new NotFoundError('artifact', `addition ${name} not found for artifact ${artifact.digest}`);
  }
}

/** Harbor's chart additions and the file of the chart each is read from. */
const CHART_ADDITIONS: Readonly<Record<string, ChartFile | undefined>> = { 'values.yaml': 'values.yaml', 'readme.md': 'README.md', dependencies: 'Chart.yaml' };

function chartDependencies(chartYaml: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = parseYaml(chartYaml);
  } catch {
    throw new UnprocessableError('artifact', 'Chart.yaml of the chart is not valid YAML');
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.dependencies)) return [];
  return parsed.dependencies.filter(isRecord).map((d) => ({ name: d.name, version: d.version, repository: d.repository }));
}
