import type { Account, RobotAccounts, RobotGrant } from '../auth/index.js';
import type { Database, Executor, Robot } from '../platform/db/index.js';

/**
 * Harbor's robot name prefix, the default of `robot_name_prefix`. Names with it are looked up as
 * robots only; users may not take it.
 */
export const ROBOT_PREFIX = 'robot$';

/** Whether the name can only be a robot's: it carries the default prefix. */
export function isRobotName(name: string): boolean {
  return name.startsWith(ROBOT_PREFIX);
}

export function findRobotByName(db: Executor, name: string): Promise<Robot | undefined> {
  return db.selectFrom('robots').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function robotGrants(db: Executor, robotId: number): Promise<RobotGrant[]> {
  const rows = await db.selectFrom('robot_permissions').selectAll().where('robot_id', '=', robotId).execute();
  return rows.map((row) => ({
    namespace: row.namespace,
    access: (JSON.parse(row.access) as Array<{ resource: string; action: string; effect?: string }>).filter((a) => (a.effect ?? 'allow') === 'allow'),
    repositoryPatterns: row.repository_patterns ? (JSON.parse(row.repository_patterns) as string[]) : null,
  }));
}

/** Disabled and expired robots authenticate as nobody. */
export function robotIsActive(robot: Robot, now: number): boolean {
  return robot.disabled === 0 && (robot.expires_at === -1 || robot.expires_at > now);
}

/** Robot accounts as the Authenticator looks them up (wired in app.ts). */
export function robotAccounts(database: Database): RobotAccounts {
  return {
    isRobotName,
    async find(name: string, now: number): Promise<Account | undefined> {
      const robot = await findRobotByName(database.db, name);
      if (!robot) return undefined;
      return {
        identity: {
          kind: 'robot',
          id: robot.id,
          name: robot.name,
          level: robot.level,
          projectId: robot.project_id,
          grants: await robotGrants(database.db, robot.id),
        },
        secretHash: robot.secret_hash,
        active: robotIsActive(robot, now),
      };
    },
  };
}
