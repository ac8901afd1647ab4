import { sql } from 'kysely';
import type { Executor } from '../../platform/db/index.js';
import { REPORT_MIME, SCANNABLE_MANIFESTS } from '../mime.js';

/** Image artifacts, a row per repository as Harbor counts them, with their repository (`r`). */
export function imageArtifacts(db: Executor) {
  return db
    .selectFrom('artifacts as a')
    .innerJoin('repositories as r', 'r.id', 'a.repository_id')
    .where('a.media_type', 'in', SCANNABLE_MANIFESTS)
    .where((eb) => eb.or([eb('a.type', 'is', null), eb('a.type', '=', 'IMAGE')]));
}

/**
 * Image artifacts joined to their successful report (`sr`) by the registration that counts for
 * the project: the one it chose, else the default; the artifact API's overview reads the same.
 */
export function scannedArtifacts(db: Executor) {
  return imageArtifacts(db).innerJoin('scan_reports as sr', (join) =>
    join
      .onRef('sr.digest', '=', 'a.digest')
      .on('sr.mime_type', '=', REPORT_MIME)
      .on('sr.status', '=', 'Success')
      .on(
        sql<boolean>`sr.registration_id = coalesce(
          (select ps.registration_id from project_scanners ps where ps.project_id = r.project_id),
          (select d.id from scanner_registrations d where d.is_default = 1 order by d.id limit 1))`,
      ),
  );
}

/** …and to each indexed vulnerability (`i`) of the report. */
export function artifactVulnerabilities(db: Executor) {
  return scannedArtifacts(db).innerJoin('scan_report_items as i', 'i.report_id', 'sr.id');
}
