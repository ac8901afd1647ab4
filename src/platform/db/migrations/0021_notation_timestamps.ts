import type { Kysely } from 'kysely';

/**
 * Notation timestamps: when a trust policy checks a notation signature's RFC 3161 timestamp,
 * `always` or `afterCertExpiry` (notation's default). TSA roots are trust material of kind
 * `notation-tsa-root` in `trust_material`, which needs no change.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('trust_policies')
    .addColumn('notation_verify_timestamp', 'varchar(16)', (c) => c.notNull().defaultTo('afterCertExpiry'))
    .execute();
}
