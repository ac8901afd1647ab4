import type { Insertable } from 'kysely';
import type { ChartVersionsTable, Executor } from '../platform/db/index.js';

/** One chart version of a project as index.yaml lists it: its row, its artifact's push time and Chart.yaml. */
export interface ChartRow {
  artifact_id: number;
  repository_id: number;
  repository: string;
  digest: string;
  name: string;
  version: string;
  chart_digest: string;
  chart_size: number;
  prov_digest: string | null;
  push_time: number;
  extra_attrs: string | null;
}

/** Chart artifacts of a project: a chart's digest never changes, so a new id or a lost row is every change the index can see. */
export async function chartStamp(db: Executor, projectId: number): Promise<string> {
  const row = await db
    .selectFrom('artifacts as a')
    .innerJoin('repositories as r', 'r.id', 'a.repository_id')
    .where('r.project_id', '=', projectId)
    .where('a.type', '=', 'CHART')
    .select((eb) => [eb.fn.countAll<number | string>().as('count'), eb.fn.max('a.id').as('last')])
    .executeTakeFirstOrThrow();
  return `${Number(row.count)}:${Number(row.last ?? 0)}`;
}

/** Chart artifacts of the project that have no index row yet (pushed over /v2/, or before the index existed). */
export function unindexedCharts(db: Executor, projectId: number, after: number, limit: number) {
  return db
    .selectFrom('artifacts as a')
    .innerJoin('repositories as r', 'r.id', 'a.repository_id')
    .leftJoin('chart_versions as cv', 'cv.artifact_id', 'a.id')
    .where('r.project_id', '=', projectId)
    .where('a.type', '=', 'CHART')
    .where('cv.artifact_id', 'is', null)
    .where('a.id', '>', after)
    .selectAll('a')
    .orderBy('a.id')
    .limit(limit)
    .execute();
}

export async function insertChartVersion(db: Executor, row: Insertable<ChartVersionsTable>): Promise<void> {
  await db
    .insertInto('chart_versions')
    .values(row)
    .onConflict((oc) => oc.column('artifact_id').doNothing())
    .execute();
}

function chartRows(db: Executor, projectId: number) {
  return db
    .selectFrom('chart_versions as cv')
    .innerJoin('artifacts as a', 'a.id', 'cv.artifact_id')
    .innerJoin('repositories as r', 'r.id', 'a.repository_id')
    .where('cv.project_id', '=', projectId)
    .select([
      'cv.artifact_id',
      'a.repository_id',
      'r.name as repository',
      'a.digest',
      'cv.name',
      'cv.version',
      'cv.chart_digest',
      'cv.chart_size',
      'cv.prov_digest',
      'a.push_time',
      'a.extra_attrs',
    ]);
}

/** Every chart version of the project, newest artifact first (the one a name and version resolve to). */
export function listChartRows(db: Executor, projectId: number, name?: string): Promise<ChartRow[]> {
  let query = chartRows(db, projectId);
  if (name !== undefined) query = query.where('cv.name', '=', name);
  return query.orderBy('cv.artifact_id', 'desc').execute();
}

/** The chart versions a `{name}-{version}` file name may mean; a name or a version may hold dashes. */
export function findChartByFileBase(db: Executor, projectId: number, candidates: ReadonlyArray<{ name: string; version: string }>): Promise<ChartRow[]> {
  if (candidates.length === 0) return Promise.resolve([]);
  return chartRows(db, projectId)
    .where((eb) => eb.or(candidates.map((c) => eb.and([eb('cv.name', '=', c.name), eb('cv.version', '=', c.version)]))))
    .orderBy('cv.artifact_id', 'desc')
    .execute();
}

/** Per chart name of the project: how many index rows and the newest, which change whenever a version of it does. */
export async function chartNameStamps(db: Executor, projectId: number): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('chart_versions')
    .where('project_id', '=', projectId)
    .groupBy('name')
    .select((eb) => ['name', eb.fn.countAll<number | string>().as('count'), eb.fn.max('artifact_id').as('last')])
    .execute();
  return new Map(rows.map((r) => [r.name, `${Number(r.count)}:${Number(r.last)}`]));
}

/** The chart versions of some chart names of the project, newest artifact first. */
export function chartRowsOfNames(db: Executor, projectId: number, names: readonly string[]): Promise<ChartRow[]> {
  return chartRows(db, projectId).where('cv.name', 'in', names).orderBy('cv.artifact_id', 'desc').execute();
}
