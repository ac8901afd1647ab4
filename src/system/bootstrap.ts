import type { Config } from '../platform/config/index.js';
import type { Database } from '../platform/db/index.js';
import { generatePassword, hashPassword, createUser, findUserByName, verifyPassword } from '../auth/index.js';
import { createProject, findProjectByName } from '../projects/index.js';

export interface BootstrapResult {
  /** Set only when the admin account was created now with a generated password. */
  generatedAdminPassword?: string;
  /**
   * Set when a configured admin password (auth.adminPassword, BERTH_ADMIN_PASSWORD) was not
   * applied because the admin existed already with another password: people set it on a
   * later start expecting a change, and would otherwise wonder why they cannot sign in.
   */
  adminPasswordNotApplied?: true;
}

/**
 * First start: an `admin` system administrator and a public `library` project. Later
 * starts find both and change nothing, so a configured password is never reapplied.
 */
export async function bootstrap(config: Config, database: Database, now: number): Promise<BootstrapResult> {
  const result: BootstrapResult = {};
  let admin = await findUserByName(database.db, 'admin');
  if (admin && config.auth.adminPassword !== undefined && !(await verifyPassword(config.auth.adminPassword, admin.password_hash))) {
    result.adminPasswordNotApplied = true;
  }
  if (!admin) {
    const password = config.auth.adminPassword ?? generatePassword();
    try {
      admin = await createUser(database.db, { username: 'admin', passwordHash: await hashPassword(password), sysadmin: true, realname: 'system admin', now });
      if (!config.auth.adminPassword) result.generatedAdminPassword = password;
    } catch (err) {
      // Another instance created it first.
      admin = await findUserByName(database.db, 'admin');
      if (!admin) throw err;
    }
  }
  if (!(await findProjectByName(database.db, 'library'))) {
    try {
      const ownerId = admin.id;
      await database.db
        .transaction()
        .execute((trx) => createProject(trx, { name: 'library', ownerId, public: true, storageLimit: config.quota.storagePerProject, now }));
    } catch (err) {
      if (!(await findProjectByName(database.db, 'library'))) throw err;
    }
  }
  return result;
}
