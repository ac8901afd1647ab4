import { sql } from 'kysely';
import type { Executor } from '../../platform/db/index.js';
import { ApiError } from '../../platform/errors/index.js';
import { anyOfValues, parseQuery, unquote, type QueryTerm } from '../../platform/http/index.js';
import { SEVERITY_ORDER } from '../report/types.js';
import { artifactVulnerabilities, imageArtifacts, scannedArtifacts } from './scope.js';

const rank = (severity: string) => SEVERITY_ORDER.indexOf(severity as (typeof SEVERITY_ORDER)[number]);

/** Harbor's SecuritySummary. Negligible counts as `none_cnt`, Harbor's "None" severity. */
export interface SecuritySummary {
  critical_cnt: number;
  high_cnt: number;
  medium_cnt: number;
  low_cnt: number;
  none_cnt: number;
  unknown_cnt: number;
  total_vuls: number;
  scanned_cnt: number;
  total_artifact: number;
  fixable_cnt: number;
  dangerous_cves?: Array<{ cve_id: string; severity: string; cvss_score_v3?: number; desc: string; package: string; version: string }>;
  dangerous_artifacts?: Array<{ project_id: number; repository_name: string; digest: string; critical_cnt: number; high_cnt: number; medium_cnt: number }>;
}

/** How many of each a top list holds, as Harbor's hub shows them. */
const TOP = 5;

export async function securitySummary(db: Executor, options: { dangerousCves: boolean; dangerousArtifacts: boolean }): Promise<SecuritySummary> {
  const [total, scanned, bySeverity, fixable] = await Promise.all([
    imageArtifacts(db)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
    scannedArtifacts(db)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
    artifactVulnerabilities(db)
      .select(['i.severity_rank', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('i.severity_rank')
      .execute(),
    artifactVulnerabilities(db)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('i.fix_version', '!=', '')
      .executeTakeFirstOrThrow(),
  ]);
  const count = (severity: string) => Number(bySeverity.find((r) => Number(r.severity_rank) === rank(severity))?.n ?? 0);
  const summary: SecuritySummary = {
    critical_cnt: count('Critical'),
    high_cnt: count('High'),
    medium_cnt: count('Medium'),
    low_cnt: count('Low'),
    none_cnt: count('Negligible'),
    unknown_cnt: count('Unknown'),
    total_vuls: bySeverity.reduce((n, r) => n + Number(r.n), 0),
    scanned_cnt: Number(scanned.n),
    total_artifact: Number(total.n),
    fixable_cnt: Number(fixable.n),
  };
  if (options.dangerousCves) {
    const rows = await artifactVulnerabilities(db)
      .select(['i.cve_id', 'i.severity', 'i.severity_rank', 'i.cvss_v3_score', 'i.description', 'i.package', 'i.version'])
      .where('i.severity_rank', '>=', rank('High'))
      .orderBy('i.severity_rank', 'desc')
      .orderBy(sql`coalesce(i.cvss_v3_score, -1)`, 'desc')
      .orderBy('i.cve_id')
      .orderBy('i.id')
      .limit(TOP * 20)
      .execute();
    // The same CVE in many artifacts is one dangerous CVE.
    const seen = new Set<string>();
    summary.dangerous_cves = [];
    for (const row of rows) {
      if (seen.has(row.cve_id) || summary.dangerous_cves.length >= TOP) continue;
      seen.add(row.cve_id);
      summary.dangerous_cves.push({
        cve_id: row.cve_id,
        severity: row.severity,
        ...(row.cvss_v3_score === null ? {} : { cvss_score_v3: Number(row.cvss_v3_score) }),
        desc: row.description,
        package: row.package,
        version: row.version,
      });
    }
  }
  if (options.dangerousArtifacts) {
    const counted = (severity: string) => sql<number>`sum(case when i.severity_rank = ${rank(severity)} then 1 else 0 end)`;
    const rows = await artifactVulnerabilities(db)
      .select(['r.project_id', 'r.name as repository_name', 'a.digest', 'a.id'])
      .select([counted('Critical').as('critical_cnt'), counted('High').as('high_cnt'), counted('Medium').as('medium_cnt')])
      .where('i.severity_rank', '>=', rank('Medium'))
      .groupBy(['a.id', 'r.project_id', 'r.name', 'a.digest'])
      .orderBy('critical_cnt', 'desc')
      .orderBy('high_cnt', 'desc')
      .orderBy('medium_cnt', 'desc')
      .orderBy('a.id')
      .limit(TOP)
      .execute();
    summary.dangerous_artifacts = rows.map((r) => ({
      project_id: Number(r.project_id),
      repository_name: r.repository_name,
      digest: r.digest,
      critical_cnt: Number(r.critical_cnt),
      high_cnt: Number(r.high_cnt),
      medium_cnt: Number(r.medium_cnt),
    }));
  }
  return summary;
}

/** Harbor's VulnerabilityItem of the hub's list. */
export interface HubVulnerability {
  project_id: number;
  repository_name: string;
  digest: string;
  tags?: string[];
  cve_id: string;
  severity: string;
  cvss_v3_score?: number;
  package: string;
  version: string;
  fixed_version: string;
  desc: string;
  links: string[];
}

/** The `q` keys of /security/vul, as Harbor's swagger lists them (less `status`, which Berth does not track). */
export const VUL_QUERY_KEYS = ['cve_id', 'cvss_score_v3', 'severity', 'repository_name', 'project_id', 'package', 'tag', 'digest'] as const;

/** Deepest row a page may start at: later pages would make the database skip ever more rows. */
export const MAX_VUL_OFFSET = 10_000;
/** Above this, `tune_count=true` answers -1 instead of counting, as Harbor does. */
const TUNED_COUNT = 1000;

type Filtered = ReturnType<typeof artifactVulnerabilities>;

function exactValues(key: string, term: QueryTerm): string[] {
  const values = anyOfValues(term)?.map(unquote);
  if (!values) throw new ApiError('BAD_REQUEST', `q: ${key} takes ${key}=v or ${key}={a b}`);
  for (const v of values) if (v.length > 255) throw new ApiError('BAD_REQUEST', `q: ${key} value longer than 255 characters`);
  return values;
}

function score(key: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = unquote(text);
  if (!/^\d{1,2}(\.\d{1,3})?$/.test(value) || Number(value) > 10)
    throw new ApiError('BAD_REQUEST', `q: ${key} must be a score from 0 to 10, not "${value.slice(0, 20)}"`);
  return Number(value);
}

/** Applies the hub's `q` to the vulnerability rows; a bad key, form or value is a 400. */
export function applyVulQuery(query: Filtered, q: unknown): Filtered {
  let out = query;
  for (const [key, term] of parseQuery(q, VUL_QUERY_KEYS)) {
    switch (key) {
      case 'cvss_score_v3': {
        if (term.kind === 'range') {
          const min = score(key, term.min);
          const max = score(key, term.max);
          if (min !== undefined) out = out.where('i.cvss_v3_score', '>=', min);
          if (max !== undefined) out = out.where('i.cvss_v3_score', '<=', max);
        } else if (term.kind === 'exact') {
          out = out.where('i.cvss_v3_score', '=', score(key, term.value) ?? 0);
        } else throw new ApiError('BAD_REQUEST', 'q: cvss_score_v3 takes cvss_score_v3=[min~max] or an exact score');
        break;
      }
      case 'project_id': {
        const ids = exactValues(key, term).map((v) => {
          if (!/^\d{1,15}$/.test(v)) throw new ApiError('BAD_REQUEST', `q: project_id must be a whole number, not "${v.slice(0, 20)}"`);
          return Number(v);
        });
        out = out.where('r.project_id', 'in', ids);
        break;
      }
      case 'tag': {
        const names = exactValues(key, term);
        out = out.where((eb) => eb.exists(eb.selectFrom('tags as t').select('t.id').whereRef('t.artifact_id', '=', 'a.id').where('t.name', 'in', names)));
        break;
      }
      case 'cve_id':
        out = out.where('i.cve_id', 'in', exactValues(key, term));
        break;
      case 'severity':
        out = out.where('i.severity', 'in', exactValues(key, term));
        break;
      case 'repository_name':
        out = out.where('r.name', 'in', exactValues(key, term));
        break;
      case 'package':
        out = out.where('i.package', 'in', exactValues(key, term));
        break;
      case 'digest':
        out = out.where('a.digest', 'in', exactValues(key, term));
        break;
    }
  }
  return out;
}

/** One page of the hub's vulnerabilities, most severe first, with the total (or -1 when tuned and over 1000). */
export async function listVulnerabilities(
  db: Executor,
  options: { q: unknown; offset: number; limit: number; tuneCount: boolean; withTag: boolean },
): Promise<{ total: number; items: HubVulnerability[] }> {
  if (options.offset > MAX_VUL_OFFSET) throw new ApiError('BAD_REQUEST', `page starts past row ${MAX_VUL_OFFSET}: narrow the list with q instead`);
  const filtered = applyVulQuery(artifactVulnerabilities(db), options.q);
  const countQuery = options.tuneCount
    ? db
        .selectFrom(
          filtered
            .select('i.id')
            .limit(TUNED_COUNT + 1)
            .as('c'),
        )
        .select((eb) => eb.fn.countAll<number>().as('n'))
    : filtered.select((eb) => eb.fn.countAll<number>().as('n'));
  const [counted, rows] = await Promise.all([
    countQuery.executeTakeFirstOrThrow(),
    filtered
      .select(['a.id as artifact_id', 'r.project_id', 'r.name as repository_name', 'a.digest'])
      .select(['i.cve_id', 'i.severity', 'i.cvss_v3_score', 'i.package', 'i.version', 'i.fix_version', 'i.description', 'i.link'])
      .orderBy('i.severity_rank', 'desc')
      .orderBy(sql`coalesce(i.cvss_v3_score, -1)`, 'desc')
      .orderBy('i.cve_id')
      .orderBy('r.name')
      .orderBy('a.id')
      .orderBy('i.id')
      .offset(options.offset)
      .limit(options.limit)
      .execute(),
  ]);
  const total = options.tuneCount && Number(counted.n) > TUNED_COUNT ? -1 : Number(counted.n);
  const tags = new Map<number, string[]>();
  if (options.withTag && rows.length > 0) {
    const ids = [...new Set(rows.map((r) => r.artifact_id))];
    const found = await db
      .selectFrom('tags')
      .select(['artifact_id', 'name'])
      .where('artifact_id', 'in', ids)
      .orderBy('name')
      .limit(ids.length * 20)
      .execute();
    for (const t of found) tags.set(t.artifact_id, [...(tags.get(t.artifact_id) ?? []), t.name]);
  }
  const items = rows.map((r) => ({
    project_id: Number(r.project_id),
    repository_name: r.repository_name,
    digest: r.digest,
    ...(options.withTag ? { tags: tags.get(r.artifact_id) ?? [] } : {}),
    cve_id: r.cve_id,
    severity: r.severity,
    ...(r.cvss_v3_score === null ? {} : { cvss_v3_score: Number(r.cvss_v3_score) }),
    package: r.package,
    version: r.version,
    fixed_version: r.fix_version,
    desc: r.description,
    links: r.link ? [r.link] : [],
  }));
  return { total, items };
}
