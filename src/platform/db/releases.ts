/**
 * The last migration of the previous release of Berth. Instances of that release keep serving
 * while a newer one migrates the database they share (a rolling upgrade), and serve again
 * after a rollback, only if every migration after it adds and never takes away: new tables,
 * new columns that are nullable or have a default, new indexes. upgrade.test.ts checks that,
 * and that the previous release's data reads back after migrating. Move it forward to the last
 * migration of each release when the release is cut.
 */
export const PREVIOUS_RELEASE_MIGRATION = '0025_replication_policies';
