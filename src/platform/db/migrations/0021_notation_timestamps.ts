import type { Kysely } from 'kysely';

/**
 * Notation timestamps: when a trust policy checks a notation signature's RFC 3161 timestamp,
 * `always` or `afterCertExpiry` (notation's default). TSA roots are trust material of kind
 * `notation-tsa-root` in `trust_material`, which needs no change. A verdict can change by time
 * alone (the signing certificate expires: now the timestamp must carry it), so a stored verdict
 * keeps `recheck_at`, the next date of its certificates, after which it is checked again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('trust_policies')
    .addColumn('notation_verify_timestamp', 'varchar(16)', (c) => c.notNull().defaultTo('afterCertExpiry'))
    .execute();
  await db.schema.alterTable('signature_verdicts').addColumn('recheck_at', 'bigint').execute();
}
