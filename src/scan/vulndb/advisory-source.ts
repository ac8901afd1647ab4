import { IN_LIST_BOUND, inBatches, type Database } from '../../platform/db/index.js';
import type { Advisory, AdvisorySource } from '../match/advisory.js';
import type { PreferredCvss, Severity } from '../report/types.js';
import { SEVERITY_ORDER } from '../report/types.js';
import type { OsvAffected } from '../versions/index.js';
import { normalisePackageName } from './osv.js';
import { advisoryRows, type AdvisoryRow } from './repo.js';

const MAX_LINKS = 50;

/** Columns Berth wrote itself; a damaged one reads as empty rather than failing a scan. */
function json<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function toAdvisory(row: AdvisoryRow): Advisory {
  const references = json<{ url?: unknown }[]>(row.references, []);
  const severity = (SEVERITY_ORDER as readonly string[]).includes(row.severity_label) ? (row.severity_label as Severity) : 'Unknown';
  const ecosystemSpecific = json<Record<string, unknown> | undefined>(row.ecosystem_specific, undefined);
  return {
    id: row.record_id,
    aliases: json<string[]>(row.aliases, []),
    ecosystem: row.ecosystem,
    package: row.package,
    affected: json<OsvAffected>(row.affected, {}),
    ...(ecosystemSpecific ? { ecosystemSpecific } : {}),
    summary: row.summary,
    details: row.details,
    links: references.flatMap((r) => (typeof r.url === 'string' ? [r.url] : [])).slice(0, MAX_LINKS),
    cweIds: json<string[]>(row.cwe_ids, []),
    preferredCvss: json<PreferredCvss>(row.preferred_cvss, {}),
    severity,
    modified: row.modified,
  };
}

/** The vulnerability database as the matcher's advisory source. */
export function createAdvisorySource(database: Database): AdvisorySource {
  return {
    async advisoriesFor(ecosystem, packageNames) {
      const names = packageNames.map((name) => normalisePackageName(ecosystem, name));
      const out: Advisory[] = [];
      for (const batch of inBatches(names, IN_LIST_BOUND)) {
        for (const row of await advisoryRows(database.db, ecosystem, batch)) out.push(toAdvisory(row));
      }
      return out;
    },
  };
}
