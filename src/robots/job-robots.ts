import { randomUUID } from 'node:crypto';
import type { Authenticator } from '../auth/index.js';
import type { Database } from '../platform/db/index.js';
import type { Settings } from '../platform/settings/index.js';
import * as repo from './repo.js';
import { chooseSecret } from './secret.js';

/** A robot a job makes for itself (a scan's registry credentials): its name and clear secret, once. */
export interface JobRobot {
  id: number;
  name: string;
  secret: string;
}

/**
 * Creates a project robot for one job, as Harbor's scan job does: named
 * `<prefix><project>+<purpose>-<uuid>`, allowed `actions` on the project's repositories, never
 * expiring (the job deletes it when done; housekeeping need not know of it).
 */
export async function createJobRobot(
  deps: { database: Database; settings: Pick<Settings, 'pick'>; authenticator: Authenticator; now: number },
  project: { id: number; name: string },
  purpose: string,
  actions: readonly string[],
): Promise<JobRobot> {
  const { robot_name_prefix: prefix } = await deps.settings.pick(['robot_name_prefix']);
  const name = `${prefix}${project.name}+${purpose.slice(0, 100)}-${randomUUID()}`;
  const { secret, hash } = await chooseSecret(undefined);
  const robot = await deps.database.db.transaction().execute((trx) =>
    repo.insertRobot(
      trx,
      {
        name,
        description: `made for one ${purpose} job; deleted when it ends`,
        level: 'project',
        projectId: project.id,
        secretHash: hash,
        duration: -1,
        expiresAt: -1,
        disabled: false,
        creator: 'local:0',
        now: deps.now,
      },
      [
        {
          kind: 'project',
          namespace: project.name,
          access: actions.map((action) => ({ resource: 'repository', action, effect: 'allow' })),
          repositoryPatterns: null,
        },
      ],
    ),
  );
  deps.authenticator.forgetAccounts();
  return { id: robot.id, name, secret };
}

export async function deleteJobRobot(deps: { database: Database; authenticator: Authenticator }, id: number): Promise<void> {
  await deps.database.db.transaction().execute((trx) => repo.deleteRobot(trx, id));
  deps.authenticator.forgetAccounts();
}
