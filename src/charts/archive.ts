import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { isRecord, MAX_CHART_UNPACKED_BYTES, readTarEntries, TarTooLargeError } from '../content/index.js';
import { InvalidInputError } from '../platform/errors/index.js';

/** Helm's media types for a chart stored as an OCI artifact (helm push oci://). */
export const HELM_CONFIG_MEDIA_TYPE = 'application/vnd.cncf.helm.config.v1+json';
export const HELM_CHART_MEDIA_TYPE = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
export const HELM_PROV_MEDIA_TYPE = 'application/vnd.cncf.helm.chart.provenance.v1.prov';

/** Chart.yaml is small; a bigger one is not a chart Helm would load either. */
const MAX_CHART_YAML_BYTES = 1024 * 1024;

/**
 * Chart.yaml's keys in the order Helm's Metadata struct writes them into an OCI chart's
 * config, so a chart uploaded here has the config `helm push oci://` would have given it.
 */
const METADATA_KEYS = [
  'name',
  'home',
  'sources',
  'version',
  'description',
  'keywords',
  'maintainers',
  'icon',
  'apiVersion',
  'condition',
  'tags',
  'appVersion',
  'deprecated',
  'annotations',
  'kubeVersion',
  'dependencies',
  'type',
] as const;

/** A chart name is one path component of the repository it is stored in: lowercase, as OCI requires. */
const CHART_NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** Helm requires SemVer 2 versions (an optional leading v, as Helm's parser accepts). */
const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export interface ChartMetadata {
  name: string;
  version: string;
  /** Chart.yaml as Helm's Metadata JSON: the OCI config of the chart. */
  metadata: Record<string, unknown>;
}

/**
 * Reads the Chart.yaml of a packaged chart (.tgz, as `helm package` writes it: one top folder
 * holding Chart.yaml) and checks what the repository relies on: a name fit for a repository
 * path and a SemVer 2 version. Anything else a client sent is refused with a 400.
 */
export async function readChartArchive(archive: Buffer): Promise<ChartMetadata> {
  const wanted = (name: string) => {
    const slash = name.indexOf('/');
    return slash > 0 && name.slice(slash + 1) === 'Chart.yaml';
  };
  let text: string | undefined;
  try {
    const gunzip = createGunzip();
    const entries = await readTarEntries(Readable.from([archive]).pipe(gunzip), wanted, {
      maxEntryBytes: MAX_CHART_YAML_BYTES,
      maxTotalBytes: MAX_CHART_UNPACKED_BYTES,
      firstOnly: true,
    });
    text = entries[0]?.data.toString('utf8');
  } catch (err) {
    if (err instanceof TarTooLargeError) throw new InvalidInputError('input', `${err.entry} of the chart is too large (${err.size} bytes)`);
    throw new InvalidInputError('input', `the chart is not a readable .tgz archive: ${(err as Error).message}`);
  }
  if (text === undefined) throw new InvalidInputError('input', 'the archive holds no Chart.yaml in its top folder: package the chart with `helm package`');
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new InvalidInputError('input', `Chart.yaml is not valid YAML: ${(err as Error).message}`);
  }
  if (!isRecord(parsed)) throw new InvalidInputError('input', 'Chart.yaml is not a mapping');
  const { name, version } = parsed;
  if (typeof name !== 'string' || !CHART_NAME.test(name) || name.length > 128) {
    throw new InvalidInputError('input', `chart name ${JSON.stringify(name ?? '')} is not valid: lowercase letters, digits and . _ - between them`);
  }
  if (typeof version !== 'string' || !SEMVER.test(version) || version.length > 128) {
    throw new InvalidInputError('input', `chart version ${JSON.stringify(version ?? '')} is not a SemVer 2 version`);
  }
  const metadata: Record<string, unknown> = {};
  for (const key of METADATA_KEYS) if (parsed[key] !== undefined && parsed[key] !== null) metadata[key] = parsed[key];
  // Helm v2 charts leave apiVersion out; Helm reads them as v1.
  metadata.apiVersion ??= 'v1';
  return { name, version, metadata };
}

/** Helm's OCI tag for a chart version: `+` is not allowed in a tag, so Helm writes `_`. */
export function chartTag(version: string): string {
  return version.replaceAll('+', '_');
}
