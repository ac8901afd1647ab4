import type { Executor } from '../../platform/db/index.js';
import { SEVERITY_ORDER, type VulnerabilityItem, type VulnerabilityReport } from '../report/types.js';

/** Characters of a description the index keeps; the report keeps the whole text. */
const DESCRIPTION_CHARS = 500;
/** Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits (15 columns a row). */
const INSERT_ROWS = 200;
/** Items of one report indexed at most: a report is bounded by the scanner, this bounds the index. */
export const MAX_INDEXED_ITEMS = 20_000;

const cut = (text: unknown, n: number): string => (typeof text === 'string' ? text.slice(0, n) : '');
const score = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 10 ? value : null);

function itemRow(reportId: number, item: VulnerabilityItem) {
  const rank = SEVERITY_ORDER.indexOf(item.severity);
  return {
    report_id: reportId,
    cve_id: cut(item.id, 255),
    package: cut(item.package, 255),
    version: cut(item.version, 255),
    fix_version: cut(item.fix_version, 255),
    severity: rank < 0 ? 'Unknown' : item.severity,
    severity_rank: Math.max(rank, 0),
    cvss_v3_score: score(item.preferred_cvss?.score_v3),
    cvss_v3_vector: cut(item.preferred_cvss?.vector_v3, 255),
    cvss_v2_score: score(item.preferred_cvss?.score_v2),
    cvss_v2_vector: cut(item.preferred_cvss?.vector_v2, 255),
    cwe_ids: cut(Array.isArray(item.cwe_ids) ? item.cwe_ids.filter((c) => typeof c === 'string').join(',') : '', 255),
    description: cut(item.description, DESCRIPTION_CHARS),
    link: cut(Array.isArray(item.links) ? item.links[0] : '', 1024),
  };
}

/**
 * Replaces the index rows of a report with its items: one per (id, package, version), the
 * first seen kept (a report may list a vulnerability twice, once per path it was found at).
 * Malformed items (no id or package) are skipped and counted.
 */
export async function indexReportItems(trx: Executor, reportId: number, report: VulnerabilityReport): Promise<{ indexed: number; skipped: number }> {
  await deleteReportItems(trx, reportId);
  const seen = new Set<string>();
  const rows: Array<ReturnType<typeof itemRow>> = [];
  let skipped = 0;
  for (const item of Array.isArray(report.vulnerabilities) ? report.vulnerabilities : []) {
    if (rows.length >= MAX_INDEXED_ITEMS || typeof item?.id !== 'string' || !item.id || typeof item.package !== 'string' || !item.package) {
      skipped++;
      continue;
    }
    const row = itemRow(reportId, item);
    const key = `${row.cve_id}\u0000${row.package}\u0000${row.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push(row);
  }
  for (let i = 0; i < rows.length; i += INSERT_ROWS)
    await trx
      .insertInto('scan_report_items')
      .values(rows.slice(i, i + INSERT_ROWS))
      .execute();
  return { indexed: rows.length, skipped };
}

export async function deleteReportItems(trx: Executor, reportId: number): Promise<void> {
  await trx.deleteFrom('scan_report_items').where('report_id', '=', reportId).execute();
}
