import type { ChartRow } from './repo.js';

/**
 * One version in Helm's index: Chart.yaml's metadata plus where to fetch it (`urls`, relative
 * to the repository as ChartMuseum writes them), when it was pushed and the archive's sha256.
 */
export type IndexEntry = Record<string, unknown> & { name: string; version: string; urls: string[]; created: string; digest: string };

/** The entries of index.yaml by chart name, each newest version first, one entry per name and version. */
export function indexEntries(rows: readonly ChartRow[]): Map<string, IndexEntry[]> {
  const seen = new Set<string>();
  const byName = new Map<string, IndexEntry[]>();
  // Rows come newest artifact first: the same version pushed to two repositories lists the newer.
  for (const row of rows) {
    const key = `${row.name}\0${row.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = indexEntry(row);
    const list = byName.get(row.name);
    if (list) list.push(entry);
    else byName.set(row.name, [entry]);
  }
  for (const [name, list] of byName) {
    const keyed = list.map((entry) => ({ entry, key: splitVersion(entry.version) }));
    keyed.sort((a, b) => compareParsed(b.key, a.key));
    byName.set(
      name,
      keyed.map((k) => k.entry),
    );
  }
  return byName;
}

export function indexEntry(row: ChartRow): IndexEntry {
  let metadata: Record<string, unknown> = {};
  try {
    const parsed: unknown = row.extra_attrs === null ? {} : JSON.parse(row.extra_attrs);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) metadata = parsed as Record<string, unknown>;
  } catch {
    metadata = {};
  }
  return {
    ...metadata,
    apiVersion: typeof metadata.apiVersion === 'string' ? metadata.apiVersion : 'v1',
    name: row.name,
    version: row.version,
    urls: [`charts/${chartFileName(row.name, row.version)}`],
    created: new Date(row.push_time).toISOString(),
    // Helm's index holds the hex digest alone.
    digest: row.chart_digest.replace(/^sha256:/, ''),
  };
}

export function chartFileName(name: string, version: string): string {
  return `${name}-${version}.tgz`;
}

/** index.yaml as Helm's repository client reads it: apiVersion v1, entries by name, generated. */
export function renderIndex(entries: Map<string, IndexEntry[]>, generated: Date): string {
  const blocks = new Map([...entries].map(([name, list]) => [name, renderChartBlock(name, list)]));
  return assembleIndex(blocks, generated);
}

/** One chart's part of `entries:`, rendered on its own so a change to one chart re-renders only it. */
export function renderChartBlock(name: string, versions: readonly IndexEntry[]): string {
  const out: string[] = [`  ${yamlKey(name)}:`];
  for (const entry of versions) emitSequenceItem(out, entry, '  ');
  return `${out.join('\n')}\n`;
}

/** The index from each chart's block, charts in name order. */
export function assembleIndex(blocks: ReadonlyMap<string, string>, generated: Date): string {
  const names = [...blocks.keys()].sort();
  const parts: string[] = ['apiVersion: v1\n', names.length === 0 ? 'entries: {}\n' : 'entries:\n'];
  for (const name of names) parts.push(blocks.get(name)!);
  parts.push(`generated: ${JSON.stringify(generated.toISOString())}\nserverInfo: {}\n`);
  return parts.join('');
}

/**
 * A small block-style YAML writer: every string is written as a JSON string, which YAML reads
 * the same way, so no value (a "yes", a version like 1.10, a colon) is ever re-typed by a
 * YAML reader. Keys sorted, as Helm's own index writer sorts them. Fast enough for 10,000
 * versions, unlike a general YAML library.
 */
function emitSequenceItem(out: string[], value: unknown, indent: string): void {
  if (isObject(value) && Object.keys(value).length > 0) {
    emitObject(out, value, `${indent}  `, `${indent}- `);
  } else if (Array.isArray(value) && value.length > 0) {
    out.push(`${indent}-`);
    for (const item of value) emitSequenceItem(out, item, `${indent}  `);
  } else {
    out.push(`${indent}- ${scalar(value)}`);
  }
}

function emitObject(out: string[], value: Record<string, unknown>, indent: string, firstPrefix = indent): void {
  let first = true;
  for (const key of Object.keys(value).sort()) {
    const item = value[key];
    if (item === undefined) continue;
    const prefix = first ? firstPrefix : indent;
    first = false;
    if (isObject(item) && Object.keys(item).length > 0) {
      out.push(`${prefix}${yamlKey(key)}:`);
      emitObject(out, item, `${indent}  `);
    } else if (Array.isArray(item) && item.length > 0) {
      out.push(`${prefix}${yamlKey(key)}:`);
      for (const element of item) emitSequenceItem(out, element, indent);
    } else {
      out.push(`${prefix}${yamlKey(key)}: ${scalar(item)}`);
    }
  }
  if (first) out.push(`${firstPrefix}{}`);
}

function scalar(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return '[]';
  if (isObject(value)) return '{}';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(String(value));
}

function yamlKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) ? key : JSON.stringify(key);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** SemVer 2 precedence (build metadata ignored), so each chart's versions list newest first as Helm sorts them. */
export function compareSemver(a: string, b: string): number {
  return compareParsed(splitVersion(a), splitVersion(b));
}

type ParsedVersion = { core: number[]; pre: string[] };

function compareParsed(pa: ParsedVersion, pb: ParsedVersion): number {
  for (let i = 0; i < 3; i++) if (pa.core[i] !== pb.core[i]) return pa.core[i]! - pb.core[i]!;
  if (pa.pre.length === 0 || pb.pre.length === 0) return pb.pre.length - pa.pre.length;
  for (let i = 0; i < Math.min(pa.pre.length, pb.pre.length); i++) {
    const x = pa.pre[i]!;
    const y = pb.pre[i]!;
    if (x === y) continue;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return pa.pre.length - pb.pre.length;
}

function splitVersion(version: string): ParsedVersion {
  const bare = version.replace(/^v/, '').split('+', 1)[0]!;
  const dash = bare.indexOf('-');
  const core = (dash === -1 ? bare : bare.slice(0, dash)).split('.').map((n) => Number(n) || 0);
  while (core.length < 3) core.push(0);
  return { core, pre: dash === -1 ? [] : bare.slice(dash + 1).split('.') };
}
