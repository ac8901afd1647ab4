import type { ImageInventory, LayeredPackage } from '../inventory/types.js';
import { SEVERITY_ORDER, type VulnerabilityItem } from '../report/types.js';
import { evaluateAffected, InvalidVersionError, UnknownEcosystemError, type AffectedVerdict } from '../versions/index.js';
import { severityFromUrgency } from '../vulndb/severity.js';
import type { Advisory, AdvisorySource } from './advisory.js';
import { lookupPlan, osEcosystem, type LookupName, type LookupPlan } from './ecosystems.js';

/** Names per advisory query: an image's thousands of packages become a handful of indexed lookups. */
export const DEFAULT_QUERY_BATCH = 200;
const MAX_QUERY_BATCH = 500;
const MAX_DESCRIPTION_CHARS = 4096;

/** A package (or one comparison) the matcher could not judge, and why. */
export interface SkippedMatch {
  package: string;
  version: string;
  path: string;
  reason: string;
}

export interface MatchOptions {
  /** Names sent to the source at once (default 200, at most 500). */
  batchSize?: number;
  /** Told of every package or comparison skipped (no ecosystem for it, a version that does not parse). */
  onSkipped?(skipped: SkippedMatch): void;
  signal?: AbortSignal;
}

/**
 * The vulnerabilities of an image: each package looked up in its OSV ecosystem (OS packages by
 * their source package, see ecosystems.ts), each advisory's affected ranges evaluated with the
 * ecosystem's version order. One item per (advisory, package, installed version), whatever the
 * number of layers or files that hold that package. Nothing here throws on bad data: versions
 * that do not parse and packages without an ecosystem are skipped and told to `onSkipped`.
 */
export async function matchInventory(inventory: ImageInventory, source: AdvisorySource, options: MatchOptions = {}): Promise<VulnerabilityItem[]> {
  const batchSize = Math.min(Math.max(1, options.batchSize ?? DEFAULT_QUERY_BATCH), MAX_QUERY_BATCH);
  const os = osEcosystem(inventory.os);
  const skip = (pkg: LayeredPackage, reason: string) => options.onSkipped?.({ package: pkg.name, version: pkg.version, path: pkg.path, reason });

  const plans: { pkg: LayeredPackage; plan: LookupPlan }[] = [];
  const namesByEcosystem = new Map<string, Set<string>>();
  for (const pkg of inventory.packages) {
    const plan = lookupPlan(pkg, os);
    if ('reason' in plan) {
      skip(pkg, plan.reason);
      continue;
    }
    plans.push({ pkg, plan });
    const names = namesByEcosystem.get(plan.ecosystem) ?? new Set<string>();
    for (const { name } of plan.names) names.add(name);
    namesByEcosystem.set(plan.ecosystem, names);
  }

  const advisories = new Map<string, Advisory[]>();
  for (const [ecosystem, names] of namesByEcosystem) {
    const list = [...names];
    for (let i = 0; i < list.length; i += batchSize) {
      options.signal?.throwIfAborted();
      for (const advisory of await source.advisoriesFor(ecosystem, list.slice(i, i + batchSize))) {
        const key = lookupKey(ecosystem, advisory.package);
        advisories.set(key, [...(advisories.get(key) ?? []), advisory]);
      }
    }
  }

  const items = new Map<string, VulnerabilityItem>();
  for (const { pkg, plan } of plans) {
    for (const lookup of plan.names) {
      for (const [advisoryId, entries] of groupById(advisories.get(lookupKey(plan.ecosystem, lookup.name)) ?? [])) {
        const key = `${advisoryId}\u0000${pkg.name}\u0000${pkg.version}`;
        if (items.has(key)) continue;
        const found = judge(entries, lookup, (reason) => skip(pkg, reason));
        if (found) items.set(key, toItem(pkg, lookup, found.advisory, found.verdict));
      }
    }
  }
  return [...items.values()].sort(
    (a, b) => SEVERITY_ORDER.indexOf(b.severity) - SEVERITY_ORDER.indexOf(a.severity) || compareText(a.id, b.id) || compareText(a.package, b.package),
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lookupKey(ecosystem: string, name: string): string {
  return `${ecosystem}\u0000${name}`;
}

function groupById(advisories: readonly Advisory[]): Map<string, Advisory[]> {
  const groups = new Map<string, Advisory[]>();
  for (const advisory of advisories) groups.set(advisory.id, [...(groups.get(advisory.id) ?? []), advisory]);
  return groups;
}

/** The entry of an advisory that covers the version (one that names a fix preferred), if any. */
function judge(entries: readonly Advisory[], lookup: LookupName, skipped: (reason: string) => void): { advisory: Advisory; verdict: AffectedVerdict } | undefined {
  let found: { advisory: Advisory; verdict: AffectedVerdict } | undefined;
  for (const advisory of entries) {
    let verdict: AffectedVerdict;
    try {
      verdict = evaluateAffected(advisory.ecosystem, lookup.version, advisory.affected);
    } catch (error) {
      if (error instanceof InvalidVersionError || error instanceof UnknownEcosystemError) {
        // The installed version is the same for every entry: one reason is enough.
        skipped(`${advisory.id} not evaluated: ${error.message}`);
        return found;
      }
      throw error;
    }
    // GIT ranges (commit hashes) sit beside the version ranges of most records: expected, not worth telling.
    for (const range of verdict.skipped) {
      if (advisory.affected.ranges?.[range.range]?.type !== 'GIT') skipped(`${advisory.id} range ${range.range} not evaluated: ${range.reason}`);
    }
    if (verdict.affected && (found === undefined || (found.verdict.fixed === undefined && verdict.fixed !== undefined))) found = { advisory, verdict };
  }
  return found;
}

const CVE = /^CVE-\d{4}-\d{4,}$/;

function toItem(pkg: LayeredPackage, lookup: LookupName, advisory: Advisory, verdict: AffectedVerdict): VulnerabilityItem {
  const severity = advisory.severity !== 'Unknown' ? advisory.severity : (severityFromUrgency(advisory.ecosystemSpecific) ?? 'Unknown');
  const description = advisory.details || advisory.summary;
  const item: VulnerabilityItem = {
    id: CVE.test(advisory.id) ? advisory.id : (advisory.aliases.find((alias) => CVE.test(alias)) ?? advisory.id),
    package: pkg.name,
    version: pkg.version,
    fix_version: verdict.fixed ?? '',
    severity,
    description: description.length <= MAX_DESCRIPTION_CHARS ? description : `${description.slice(0, MAX_DESCRIPTION_CHARS - 1)}…`,
    links: [...advisory.links],
    vendor_attributes: {
      advisory: advisory.id,
      ecosystem: advisory.ecosystem,
      purl: pkg.purl,
      layer: pkg.layerDigest,
      path: pkg.path,
      reason: reason(pkg, lookup, advisory, verdict),
    },
  };
  if (Object.keys(advisory.preferredCvss).length > 0) item.preferred_cvss = { ...advisory.preferredCvss };
  if (advisory.cweIds.length > 0) item.cwe_ids = [...advisory.cweIds];
  return item;
}

/** E.g. "openssl 3.0.19-1~deb12u2 < fixed 3.0.22-1~deb12u1 in Debian:12 (source package openssl)". */
function reason(pkg: LayeredPackage, lookup: LookupName, advisory: Advisory, verdict: AffectedVerdict): string {
  const subject =
    lookup.version === pkg.version
      ? `${pkg.name} ${pkg.version}`
      : lookup.viaSource
        ? `${pkg.name} ${pkg.version} (source ${lookup.name} ${lookup.version})`
        : `${pkg.name} ${pkg.version} (compared as ${lookup.version})`;
  const comparison = verdict.fixed !== undefined ? `< fixed ${verdict.fixed}` : 'is affected with no fixed version';
  const via = lookup.viaSource && lookup.version === pkg.version ? ` (source package ${lookup.name})` : '';
  return `${subject} ${comparison} in ${advisory.ecosystem}${via}`;
}
