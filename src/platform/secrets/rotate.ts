import type { Database } from '../db/index.js';
import { KEY_CHECK_PLAIN, opensKeyCheck, SecretKeyError, storedKeyCheck } from './keys.js';
import type { SecretBox } from './secret-box.js';
import { sealedValues, writeSealedValue, type SealedColumn } from './sealed-columns.js';

export interface RotatedColumn {
  label: string;
  table: string;
  column: string;
  /** Secrets re-encrypted. */
  count: number;
}

/**
 * Re-encrypts every sealed value of the columns, and the key check, from `current` to `next`,
 * in one transaction: either every secret is sealed with the new key, or none is. A value the
 * current key does not open stops the rotation, since sealing it again would lose it for good.
 */
export async function rotateSecrets(database: Database, current: SecretBox, next: SecretBox, columns: readonly SealedColumn[]): Promise<RotatedColumn[]> {
  return database.db.transaction().execute(async (trx) => {
    const check = await storedKeyCheck(trx);
    if (check !== undefined && !opensKeyCheck(current, check)) throw new SecretKeyError('the current key does not open the stored secrets; nothing was changed');
    const report: RotatedColumn[] = [];
    for (const column of columns) {
      let count = 0;
      for (const { key, value } of await sealedValues(trx, column)) {
        const plain = current.open(value);
        if (plain === undefined) throw new SecretKeyError(`${column.table}.${column.column} of row ${key} does not open with the current key; nothing was changed`);
        await writeSealedValue(trx, column, key, next.seal(plain));
        count++;
      }
      report.push({ label: column.label, table: column.table, column: column.column, count });
    }
    await trx
      .insertInto('secret_key_check')
      .values({ id: 1, check_value: next.seal(KEY_CHECK_PLAIN) })
      .onConflict((oc) => oc.column('id').doUpdateSet({ check_value: next.seal(KEY_CHECK_PLAIN) }))
      .execute();
    return report;
  });
}
