import { MAX_DETAILS_CHARS, MAX_SUMMARY_CHARS, normalisePackageName, type OsvRecord } from './osv.js';
import type { StoredRecord } from './repo.js';
import { scoreRecord } from './severity.js';

/** Column text is cut here; a source name longer than this (a deep path) keeps its end. */
const MAX_SOURCE_CHARS = 1024;

function millis(time: string | undefined): number | null {
  return time === undefined ? null : Date.parse(time);
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function cweIds(record: OsvRecord): string[] {
  const ids = record.database_specific?.cwe_ids;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string').slice(0, 100) : [];
}

/**
 * The rows an OSV record is stored as. Entries without a package (GIT-only data, Linux kernel
 * commits) cannot be matched to an installed package and are left out; the record is still kept,
 * so a later copy is compared with it. `aliases` holds the record's aliases and then its
 * `upstream` ids: a DEBIAN-CVE-… or ALPINE-CVE-… record names its CVE only there.
 */
export function prepareRecord(record: OsvRecord, source: string, now: number): StoredRecord {
  const { preferred, label } = scoreRecord(record);
  const aliases = [...new Set([...(record.aliases ?? []), ...(record.upstream ?? [])])];
  return {
    record: {
      id: record.id,
      modified: Date.parse(record.modified),
      published: millis(record.published),
      withdrawn: millis(record.withdrawn),
      aliases: JSON.stringify(aliases),
      summary: cut(record.summary ?? '', MAX_SUMMARY_CHARS),
      details: cut(record.details ?? '', MAX_DETAILS_CHARS),
      severity: JSON.stringify(record.severity ?? []),
      references: JSON.stringify(record.references ?? []),
      cwe_ids: JSON.stringify(cweIds(record)),
      preferred_cvss: JSON.stringify(preferred),
      severity_label: label,
      source: source.length <= MAX_SOURCE_CHARS ? source : `…${source.slice(-(MAX_SOURCE_CHARS - 1))}`,
      imported_at: now,
    },
    affected: (record.affected ?? []).flatMap((entry) =>
      entry.package === undefined
        ? []
        : [
            {
              record_id: record.id,
              ecosystem: entry.package.ecosystem,
              package: normalisePackageName(entry.package.ecosystem, entry.package.name),
              purl: entry.package.purl ?? null,
              affected: JSON.stringify({ ranges: entry.ranges ?? [], versions: entry.versions ?? [] }),
              ecosystem_specific: entry.ecosystem_specific === undefined ? null : JSON.stringify(entry.ecosystem_specific),
            },
          ],
    ),
  };
}
