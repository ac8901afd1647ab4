import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Keyless cosign: which certificate identities a trust policy accepts, as a JSON array of
 * `{ "issuer": pattern, "subject": pattern }`. None by default: a Sigstore trust root alone
 * says a certificate is genuine, not that its holder may sign the project's images.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('trust_policies')
    .addColumn('keyless_identities', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}
