import { Readable } from 'node:stream';
import type { Database } from '../../platform/db/index.js';
import type { Clock } from '../../platform/clock.js';
import { doublestarMatch } from '../../platform/lib/index.js';
import { FinalTaskError, type TaskHandler } from '../../platform/jobs/index.js';
import type { StorageDriver } from '../../platform/storage/index.js';
import { artifactVulnerabilities } from '../hub/scope.js';
import { CSV_HEADER, csvLine } from './csv.js';
import { exportCriteriaSchema, type ExportCriteria } from './schema.js';

export const CVE_EXPORT_VENDOR = 'SCAN_DATA_EXPORT';
export const CVE_EXPORT_TASK = 'cve-export';
/** Rows read per query while streaming the file. */
const BATCH = 500;

export function exportPath(executionId: number): string {
  return `exports/cve/${executionId}.csv`;
}

/** `{a,b}` or `a,b` as a list, as Harbor's request writes cveIds and tags. */
export function listOf(text: string | undefined): string[] {
  if (!text) return [];
  const inner = text.trim().replace(/^\{/, '').replace(/\}$/, '');
  return inner
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The export's rows, a batch at a time, keyed by (artifact, item) so nothing is read twice or held whole. */
async function* rows(database: Database, criteria: ExportCriteria, projectId: number, signal: AbortSignal, counted: { rows: number }): AsyncGenerator<string> {
  const db = database.db;
  const project = await db
    .selectFrom('projects as p')
    .leftJoin('users as u', 'u.id', 'p.owner_id')
    .select(['p.name', 'u.username'])
    .where('p.id', '=', projectId)
    .executeTakeFirst();
  if (!project) throw new FinalTaskError(`project ${projectId} was deleted`);
  const cves = listOf(criteria.cveIds);
  const tags = listOf(criteria.tags);
  const repositories = listOf(criteria.repositories);
  yield csvLine(CSV_HEADER);
  let after = { artifact: 0, item: 0 };
  for (;;) {
    if (signal.aborted) throw new Error('stopped');
    let query = artifactVulnerabilities(db)
      .innerJoin('scanner_registrations as s', 's.id', 'sr.registration_id')
      .where('r.project_id', '=', projectId)
      .where((eb) => eb.or([eb('a.id', '>', after.artifact), eb.and([eb('a.id', '=', after.artifact), eb('i.id', '>', after.item)])]));
    if (cves.length > 0) query = query.where('i.cve_id', 'in', cves);
    if (criteria.labels.length > 0)
      query = query.where((eb) =>
        eb.exists(eb.selectFrom('artifact_labels as l').select('l.label_id').whereRef('l.artifact_id', '=', 'a.id').where('l.label_id', 'in', criteria.labels)),
      );
    const batch = await query
      .select(['a.id as artifact_id', 'i.id as item_id', 'r.name as repository', 'a.digest', 's.name as scanner'])
      .select(['i.cve_id', 'i.package', 'i.severity', 'i.cvss_v3_score', 'i.cvss_v2_score', 'i.cvss_v3_vector', 'i.cvss_v2_vector', 'i.cwe_ids'])
      .orderBy('a.id')
      .orderBy('i.id')
      .limit(BATCH)
      .execute();
    if (batch.length === 0) return;
    const last = batch.at(-1);
    if (last) after = { artifact: last.artifact_id, item: last.item_id };
    const tagged = new Map<number, string[]>();
    if (tags.length > 0) {
      const ids = [...new Set(batch.map((r) => r.artifact_id))];
      for (const t of await db.selectFrom('tags').select(['artifact_id', 'name']).where('artifact_id', 'in', ids).execute())
        tagged.set(t.artifact_id, [...(tagged.get(t.artifact_id) ?? []), t.name]);
    }
    let out = '';
    for (const row of batch) {
      const path = row.repository.slice(project.name.length + 1);
      if (repositories.length > 0 && !repositories.some((p) => doublestarMatch(p, path))) continue;
      if (tags.length > 0 && !(tagged.get(row.artifact_id) ?? []).some((name) => tags.some((p) => doublestarMatch(p, name)))) continue;
      counted.rows++;
      out += csvLine([
        counted.rows,
        project.name,
        project.username ?? '',
        row.scanner,
        row.repository,
        row.digest,
        row.cve_id,
        row.package,
        row.severity,
        row.cvss_v3_score === null ? '' : Number(row.cvss_v3_score),
        row.cvss_v2_score === null ? '' : Number(row.cvss_v2_score),
        row.cvss_v3_vector,
        row.cvss_v2_vector,
        row.cwe_ids,
      ]);
    }
    if (out) yield out;
    if (batch.length < BATCH) return;
  }
}

/** Writes the CSV of an export into storage, streaming, then marks the file present. */
export function cveExportTasks(deps: { database: Database; storage: StorageDriver; clock: Clock }): Record<string, TaskHandler> {
  const run: TaskHandler = async ({ execution, params, signal, log }) => {
    const parsed = exportCriteriaSchema.safeParse(params.criteria);
    if (!parsed.success || typeof params.project_id !== 'number') throw new FinalTaskError('malformed export request');
    const path = exportPath(execution.id);
    const counted = { rows: 0 };
    const writer = await deps.storage.writer(path, { append: false });
    try {
      await writer.write(Readable.from(rows(deps.database, parsed.data, params.project_id, signal, counted)));
      await writer.commit();
    } catch (err) {
      await writer.close().catch(() => undefined);
      await deps.storage.delete(path).catch(() => undefined);
      throw err;
    }
    await deps.database.db.updateTable('scan_exports').set({ file_present: 1, rows: counted.rows }).where('execution_id', '=', execution.id).execute();
    await log(`exported ${counted.rows} rows`);
    return { rows: counted.rows };
  };
  return { [CVE_EXPORT_TASK]: run };
}
