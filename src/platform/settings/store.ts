import { performance } from 'node:perf_hooks';
import type { Config } from '../config/index.js';
import type { Database, Executor } from '../db/index.js';
import type { SealedColumn, SecretBox } from '../secrets/index.js';
import { defaultSettings, FIXED_KEYS, SECRET_KEYS, SETTING_KEYS, settingsSchema, type RuntimeSettings, type SettingKey } from './keys.js';

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

/** Where the secret settings are kept, sealed: checked at start and re-encrypted by `berth secrets rotate` with the others. */
export const SEALED_SETTINGS: SealedColumn = { table: 'sealed_settings', key: 'name', column: 'value', label: 'LDAP and OIDC secrets' };

/** The secret keys, a type of their own so only they are asked of {@link Settings.secret}. */
export type SecretSettingKey = 'ldap_search_password' | 'uaa_client_secret' | 'oidc_client_secret';

/** Keys kept in the database; the fixed ones always come from the configuration file. */
const STORED_KEYS = SETTING_KEYS.filter((key) => !FIXED_KEYS.has(key));

/**
 * How long an instance answers from the settings it read last. Writes ask on every push (read-only
 * mode, the quota switch) and every audit row; one read a second serves them all. A change takes
 * effect at once on the instance that made it, and within this long on the others.
 */
export const SETTINGS_CACHE_MS = 1000;

/**
 * Settings an administrator changes at run time (Harbor's `/configurations`). The config file
 * and Harbor's defaults give the starting values; values set through the API are kept in the
 * database and win, on every instance within {@link SETTINGS_CACHE_MS}.
 */
export class Settings {
  private cached: { at: number; values: Partial<RuntimeSettings> } | undefined;
  /** The defaults follow from the configuration, which does not change while the process runs. */
  private defaultValues: Readonly<RuntimeSettings> | undefined;

  constructor(
    private readonly database: Database,
    private readonly config: Config,
    /** Seals the secret keys; without it (tools that never write them) setting one is a programming error. */
    private readonly secrets?: SecretBox,
  ) {}

  /**
   * A secret setting in clear ('' when none was set), for the feature that uses it; never part of
   * {@link get}, so nothing that shows settings can show it. A value the key cannot open reads as ''.
   */
  async secret(key: SecretSettingKey): Promise<string> {
    const row = await this.database.db.selectFrom('sealed_settings').select('value').where('name', '=', key).executeTakeFirst();
    if (!row || !this.secrets) return '';
    return this.secrets.open(row.value) ?? '';
  }

  async get(): Promise<RuntimeSettings> {
    return { ...this.defaults(), ...(await this.stored(this.database.db)) };
  }

  /**
   * A few settings, for paths that ask on every request. Inside a transaction pass it as `db`:
   * on SQLite a read beside an open transaction would wait for it.
   */
  async pick<K extends SettingKey>(keys: readonly K[], db: Executor = this.database.db): Promise<Pick<RuntimeSettings, K>> {
    const defaults = this.defaults();
    const stored = await this.stored(db);
    const picked = {} as Pick<RuntimeSettings, K>;
    for (const key of keys) picked[key] = (stored[key] as RuntimeSettings[K] | undefined) ?? defaults[key];
    return picked;
  }

  private defaults(): Readonly<RuntimeSettings> {
    return (this.defaultValues ??= Object.freeze(defaultSettings(this.config)));
  }

  private async stored(db: Executor): Promise<Partial<RuntimeSettings>> {
    // The cache's age is wall time between instances, not the registry's clock: a monotonic
    // reading keeps a clock step (NTP, a test's frozen clock) from keeping stale values forever.
    const now = performance.now();
    if (this.cached && now - this.cached.at < SETTINGS_CACHE_MS) return this.cached.values;
    const values = await storedSettings(db, STORED_KEYS);
    this.cached = { at: now, values };
    return values;
  }

  async set(values: Partial<RuntimeSettings>): Promise<void> {
    this.cached = undefined;
    await this.database.db.transaction().execute(async (trx) => {
      for (const [name, value] of Object.entries(values)) {
        if (value === undefined) continue;
        if (SECRET_KEYS.has(name as SettingKey)) {
          if (!this.secrets) throw new Error(`${name} cannot be stored without the secret key`);
          if (value === '') await trx.deleteFrom('sealed_settings').where('name', '=', name).execute();
          else {
            const sealed = this.secrets.seal(String(value));
            await trx
              .insertInto('sealed_settings')
              .values({ name, value: sealed })
              .onConflict((oc) => oc.column('name').doUpdateSet({ value: sealed }))
              .execute();
          }
          continue;
        }
        await trx
          .insertInto('settings')
          .values({ name, value: JSON.stringify(value) })
          .onConflict((oc) => oc.column('name').doUpdateSet({ value: JSON.stringify(value) }))
          .execute();
      }
    });
    this.cached = undefined;
  }
}
