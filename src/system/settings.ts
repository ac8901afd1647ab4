import type { Config } from '../platform/config/index.js';
import type { Database } from '../platform/db/index.js';

/**
 * Settings an administrator changes at run time (Harbor's `/configurations`). The config
 * file gives the defaults; values set through the API are kept in the database and win.
 */
export interface RuntimeSettings {
  self_registration: boolean;
  project_creation_restriction: 'everyone' | 'adminonly';
  audit_log_retention_days: number;
  /** Bytes given to a new project's quota; -1 unlimited. */
  storage_per_project: number;
}

export const SETTING_KEYS = ['self_registration', 'project_creation_restriction', 'audit_log_retention_days', 'storage_per_project'] as const;

export class Settings {
  constructor(
    private readonly database: Database,
    private readonly config: Config,
  ) {}

  async get(): Promise<RuntimeSettings> {
    const rows = await this.database.db.selectFrom('settings').selectAll().execute();
    const stored = new Map(rows.map((r) => [r.name, JSON.parse(r.value) as unknown]));
    const defaults: RuntimeSettings = {
      self_registration: this.config.auth.selfRegistration,
      project_creation_restriction: this.config.auth.projectCreationRestriction,
      audit_log_retention_days: this.config.audit.retentionDays,
      storage_per_project: this.config.quota.storagePerProject,
    };
    const merged: Record<string, unknown> = { ...defaults };
    for (const key of SETTING_KEYS) if (stored.has(key)) merged[key] = stored.get(key);
    return merged as unknown as RuntimeSettings;
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
