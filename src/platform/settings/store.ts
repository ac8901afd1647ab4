import type { Config } from '../config/index.js';
import type { Database, Executor } from '../db/index.js';
import { defaultSettings, FIXED_KEYS, SETTING_KEYS, settingsSchema, type RuntimeSettings, type SettingKey } from './keys.js';

/**
 * The values of these settings an administrator set through Harbor's `/configurations`, read in
 * the caller's transaction when one is given. A stored value that no longer fits its key's type
 * (written by an older version) is left out, so its default applies.
 */
export async function storedSettings<K extends SettingKey>(db: Executor, keys: readonly K[]): Promise<Partial<Pick<RuntimeSettings, K>>> {
  if (keys.length === 0) return {};
  const rows = await db
    .selectFrom('settings')
    .select(['name', 'value'])
    .where('name', 'in', [...keys])
    .execute();
  const stored: Partial<Record<K, unknown>> = {};
  for (const row of rows) {
    const key = row.name as K;
    const parsed = settingsSchema.shape[key].safeParse(JSON.parse(row.value));
    if (parsed.success) stored[key] = parsed.data;
  }
  return stored as Partial<Pick<RuntimeSettings, K>>;
}

/** Keys kept in the database; the fixed ones always come from the configuration file. */
const STORED_KEYS = SETTING_KEYS.filter((key) => !FIXED_KEYS.has(key));

/**
 * Settings an administrator changes at run time (Harbor's `/configurations`). The config file
 * and Harbor's defaults give the starting values; values set through the API are kept in the
 * database and win, on every instance at once (nothing is cached).
 */
export class Settings {
  constructor(
    private readonly database: Database,
    private readonly config: Config,
  ) {}

  async get(): Promise<RuntimeSettings> {
    return { ...defaultSettings(this.config), ...(await storedSettings(this.database.db, STORED_KEYS)) };
  }

  /** A few settings, with one small query: for paths that ask on every request. */
  async pick<K extends SettingKey>(keys: readonly K[], db: Executor = this.database.db): Promise<Pick<RuntimeSettings, K>> {
    const defaults = defaultSettings(this.config);
    const stored = await storedSettings(db, keys);
    const picked = {} as Pick<RuntimeSettings, K>;
    for (const key of keys) picked[key] = stored[key] ?? defaults[key];
    return picked;
  }

  async set(values: Partial<RuntimeSettings>): Promise<void> {
    await this.database.db.transaction().execute(async (trx) => {
      for (const [name, value] of Object.entries(values)) {
        if (value === undefined) continue;
        await trx
          .insertInto('settings')
          .values({ name, value: JSON.stringify(value) })
          .onConflict((oc) => oc.column('name').doUpdateSet({ value: JSON.stringify(value) }))
          .execute();
      }
    });
  }
}
