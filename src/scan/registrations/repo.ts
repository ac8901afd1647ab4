import { sql } from 'kysely';
import { containsIgnoringCase, type Executor, type ScannerRegistrationRow } from '../../platform/db/index.js';

export function findRegistration(db: Executor, uuid: string): Promise<ScannerRegistrationRow | undefined> {
  return db.selectFrom('scanner_registrations').selectAll().where('uuid', '=', uuid).executeTakeFirst();
}

export function findRegistrationById(db: Executor, id: number): Promise<ScannerRegistrationRow | undefined> {
  return db.selectFrom('scanner_registrations').selectAll().where('id', '=', id).executeTakeFirst();
}

export function defaultRegistration(db: Executor): Promise<ScannerRegistrationRow | undefined> {
  return db.selectFrom('scanner_registrations').selectAll().where('is_default', '=', 1).orderBy('id').executeTakeFirst();
}

/** The project's scanner: the one it chose, else the system default. */
export async function projectRegistration(db: Executor, projectId: number): Promise<ScannerRegistrationRow | undefined> {
  const chosen = await db
    .selectFrom('project_scanners as p')
    .innerJoin('scanner_registrations as r', 'r.id', 'p.registration_id')
    .selectAll('r')
    .where('p.project_id', '=', projectId)
    .executeTakeFirst();
  return chosen ?? defaultRegistration(db);
}

export interface RegistrationFilter {
  name?: { exact?: string; contains?: string };
  url?: string;
  description?: string;
}

export async function listRegistrations(
  db: Executor,
  filter: RegistrationFilter,
  offset: number,
  limit: number,
): Promise<{ total: number; rows: ScannerRegistrationRow[] }> {
  let query = db.selectFrom('scanner_registrations');
  if (filter.name?.exact !== undefined) query = query.where('name', '=', filter.name.exact);
  if (filter.name?.contains !== undefined) query = query.where(containsIgnoringCase(sql.ref('name'), filter.name.contains));
  if (filter.url !== undefined) query = query.where('url', '=', filter.url);
  if (filter.description !== undefined) query = query.where('description', '=', filter.description);
  const [count, rows] = await Promise.all([
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    query.selectAll().orderBy('id').offset(offset).limit(limit).execute(),
  ]);
  return { total: Number(count.n), rows };
}
