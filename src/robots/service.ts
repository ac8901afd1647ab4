import { type Database, type Executor, isUniqueViolation, type Project, type Robot, type RobotPermissionRow } from '../platform/db/index.js';
import {
  type AccessControl,
  type Authenticator,
  identityName,
  isSysadmin,
  type Identity,
  projectPermissions,
  robotMayHoldProject,
  robotMayHoldSystem,
  ROLE_BY_ID,
  ROLE_IDS,
  subjectPermits,
  systemPermissions,
} from '../auth/index.js';
import { recordAudit, type AuditOperation } from '../audit/index.js';
import { ConflictError, DeniedError, InvalidInputError, NotFoundError } from '../platform/errors/index.js';
import { findProjectByName } from '../projects/index.js';
import type { Clock } from '../platform/clock.js';
import type { Settings } from '../platform/settings/index.js';
import { requireHeld, requireRobotAccess, type ResolvedPermission } from './policy.js';
import * as repo from './repo.js';
import type { PermissionsJson, RobotCreateBody, RobotCreatedJson, RobotJson, RobotUpdateBody } from './schema.js';
import type { RobotSecJson } from './shapes.js';
import { chooseSecret } from './secret.js';
import { checkPermissions, resolveProjects } from './validate.js';

export interface RobotServiceDeps {
  database: Database;
  access: AccessControl;
  authenticator: Authenticator;
  clock: Clock;
  /** `robot_name_prefix` and `robot_token_duration`, as the administrator set them. */
  settings: Pick<Settings, 'pick'>;
}

/** Who is acting, for permission checks and the audit log. */
export interface Actor {
  identity: Identity;
  clientIp: string;
}

export interface ListFilter {
  level?: 'system' | 'project';
  projectId?: number;
  /** Any of these names (with or without the robot$ prefix). */
  names?: readonly string[];
  nameContains?: string;
}

const DAY_MS = 86_400_000;
const MAX_NAME_LENGTH = 255;

export class RobotService {
  constructor(private readonly deps: RobotServiceDeps) {}

  async create(actor: Actor, body: RobotCreateBody): Promise<RobotCreatedJson> {
    const checked = checkPermissions(body.level, body.permissions);
    const findProject = (name: string) => findProjectByName(this.deps.database.db, name);
    let project: Project | undefined;
    if (body.level === 'project') {
      // The robot's project decides who may create it, so it is looked up before anything else.
      project = await findProject(checked[0]!.namespace);
      await requireRobotAccess(this.deps, actor.identity, { level: 'project', project }, 'create');
    } else {
      await requireRobotAccess(this.deps, actor.identity, { level: 'system', project: undefined }, 'create');
    }
    const permissions = await resolveProjects(checked, findProject);
    await requireHeld(this.deps, actor.identity, permissions);

    // New robots take the prefix set now; existing ones keep the name they were given.
    const { robot_name_prefix: prefix, robot_token_duration: defaultDays } = await this.deps.settings.pick(['robot_name_prefix', 'robot_token_duration']);
    const name = `${prefix}${project ? `${project.name}+` : ''}${body.name}`;
    if (name.length > MAX_NAME_LENGTH) throw new InvalidInputError('input', `name: the full robot name ${name} is longer than ${MAX_NAME_LENGTH} characters`);
    const { secret, hash } = await chooseSecret(body.secret);
    const now = this.deps.clock.now();
    const duration = normalizeDuration(body.duration, defaultDays);
    const robot = await this.write(async (trx) => {
      // A robot and a user never share a name: a login by that name must mean one account.
      if ((await repo.robotNameTaken(trx, name)) || (await repo.userNameTaken(trx, name))) throw conflict(name);
      const row = await repo.insertRobot(
        trx,
        {
          name,
          description: body.description ?? '',
          level: body.level,
          projectId: project?.id ?? null,
          secretHash: hash,
          duration,
          expiresAt: expiresAt(duration, now),
          disabled: body.disable ?? false,
          creator: creatorOf(actor.identity),
          now,
        },
        permissions.map(toStored),
      );
      await this.audit(trx, actor, 'create', row, now);
      return row;
    }, name);
    return { id: robot.id, name, secret, creation_time: iso(robot.created_at), expires_at: expiresAtSeconds(robot.expires_at) };
  }

  async get(actor: Actor, id: number): Promise<RobotJson> {
    const { robot } = await this.load(actor, id, 'read');
    const permissions = await repo.permissionsOf(this.deps.database.db, [robot.id]);
    return robotJson(robot, permissions.get(robot.id) ?? []);
  }

  async list(
    actor: Actor,
    filter: ListFilter,
    sort: readonly repo.RobotSort[],
    page: { offset: number; limit: number },
  ): Promise<{ total: number; robots: RobotJson[] }> {
    const db = this.deps.database.db;
    const query: repo.RobotFilter = { ...filter };
    if (!this.deps.access.systemCan(actor.identity, 'robot', 'list')) {
      if (filter.level === 'system') throw new DeniedError('input', 'not allowed to list system robot accounts');
      query.level = 'project';
      if (filter.projectId !== undefined) {
        const project = await projectById(db, filter.projectId);
        await requireRobotAccess(this.deps, actor.identity, { level: 'project', project }, 'list');
      } else {
        query.visibleProjects = await this.listableProjects(actor.identity);
      }
    }
    const { total, robots } = await repo.listRobots(db, query, sort, page);
    const permissions = await repo.permissionsOf(
      db,
      robots.map((r) => r.id),
    );
    return { total, robots: robots.map((r) => robotJson(r, permissions.get(r.id) ?? [])) };
  }

  async update(actor: Actor, id: number, body: RobotUpdateBody): Promise<void> {
    const { robot, project } = await this.load(actor, id, 'update');
    const db = this.deps.database.db;
    if (body.name != null && body.name !== robot.name) throw new InvalidInputError('input', 'name: the name of a robot cannot be changed');
    if (body.level != null && body.level !== robot.level) throw new InvalidInputError('input', 'level: the level of a robot cannot be changed');
    let permissions: ResolvedPermission[] | undefined;
    if (body.permissions) {
      const checked = checkPermissions(robot.level, body.permissions);
      if (project && checked[0]!.namespace !== project.name) {
        throw new InvalidInputError('input', `permissions.0.namespace: a project robot stays in its project ${project.name}`);
      }
      permissions = await resolveProjects(checked, (name) => findProjectByName(db, name));
      const current = ((await repo.permissionsOf(db, [robot.id])).get(robot.id) ?? []).map(fromStored);
      await requireHeld(this.deps, actor.identity, permissions, current);
    }
    const now = this.deps.clock.now();
    const duration =
      body.duration != null ? normalizeDuration(body.duration, (await this.deps.settings.pick(['robot_token_duration'])).robot_token_duration) : undefined;
    await this.write(async (trx) => {
      await repo.updateRobot(trx, robot.id, {
        description: body.description ?? undefined,
        disabled: body.disable ?? undefined,
        duration,
        expiresAt: duration !== undefined ? expiresAt(duration, now) : undefined,
        now,
      });
      if (permissions) await repo.replacePermissions(trx, robot.id, permissions.map(toStored));
      await this.audit(trx, actor, 'update', robot, now);
    });
  }

  /** PATCH: a new secret, the caller's or generated, shown this once. */
  async refreshSecret(actor: Actor, id: number, requested: string | null | undefined): Promise<RobotSecJson> {
    const { robot } = await this.load(actor, id, 'update');
    const { secret, hash } = await chooseSecret(requested);
    const now = this.deps.clock.now();
    await this.write(async (trx) => {
      await repo.updateRobot(trx, robot.id, { secretHash: hash, now });
      await this.audit(trx, actor, 'update', robot, now);
    });
    return { secret };
  }

  async delete(actor: Actor, id: number): Promise<void> {
    const { robot } = await this.load(actor, id, 'delete');
    const now = this.deps.clock.now();
    await this.write(async (trx) => {
      await repo.deleteRobot(trx, robot.id);
      await this.audit(trx, actor, 'delete', robot, now);
    });
  }

  /**
   * GET /permissions: what a robot may be granted. Harbor shows it to administrators only:
   * system administrators see both levels, project administrators the project level.
   */
  async catalogue(identity: Identity): Promise<PermissionsJson> {
    const project = projectPermissions().filter((p) => robotMayHoldProject(p.resource, p.action));
    if (isSysadmin(identity)) return { system: systemPermissions().filter((p) => robotMayHoldSystem(p.resource, p.action)), project };
    if (identity.kind === 'user') {
      const memberships = await repo.userMemberships(this.deps.database.db, identity.id);
      if (memberships.some((m) => m.role === ROLE_IDS.projectAdmin)) return { project };
    }
    throw new DeniedError('input', 'only system and project administrators may list the robot permission catalogue');
  }

  /** The robot, once the caller may `action` it; an id the caller cannot see answers 404. */
  private async load(actor: Actor, id: number, action: string): Promise<{ robot: Robot; project: Project | undefined }> {
    const db = this.deps.database.db;
    const robot = await repo.findRobotById(db, id);
    if (!robot) throw new NotFoundError('input', `robot ${id} not found`);
    const project = robot.project_id !== null ? await projectById(db, robot.project_id) : undefined;
    await requireRobotAccess(this.deps, actor.identity, { level: robot.level, project }, action);
    return { robot, project };
  }

  /** Project ids whose robots the caller may list (never the system robots). */
  private async listableProjects(identity: Identity): Promise<number[] | undefined> {
    const db = this.deps.database.db;
    if (identity.kind === 'user') {
      const memberships = await repo.userMemberships(db, identity.id);
      const ids = new Set<number>();
      for (const m of memberships) {
        const role = ROLE_BY_ID.get(m.role);
        if (role && subjectPermits(role, 'robot', 'list')) ids.add(m.project_id);
      }
      return [...ids];
    }
    if (identity.kind === 'robot') {
      const namespaces = identity.grants
        .filter((g) => g.access.some((a) => a.resource === 'robot' && (a.action === 'list' || a.action === '*')))
        .map((g) => g.namespace);
      if (namespaces.includes('*')) return undefined;
      return (
        await repo.projectIdsByName(
          db,
          namespaces.filter((n) => n !== '/'),
        )
      ).map((p) => p.id);
    }
    return [];
  }

  /** One transaction; the authenticator forgets what it cached once it commits. */
  private async write<T>(work: (trx: Executor) => Promise<T>, name?: string): Promise<T> {
    try {
      return await this.deps.database.db.transaction().execute(work);
    } catch (error) {
      if (name !== undefined && isUniqueViolation(error)) throw conflict(name);
      throw error;
    } finally {
      this.deps.authenticator.forgetAccounts();
    }
  }

  private audit(trx: Executor, actor: Actor, operation: AuditOperation, robot: Robot, at: number): Promise<void> {
    return recordAudit(trx, {
      projectId: robot.project_id,
      operation,
      resourceType: 'robot',
      resource: robot.name,
      username: identityName(actor.identity),
      clientIp: actor.clientIp,
      at,
    });
  }
}

function projectById(db: Executor, id: number): Promise<Project | undefined> {
  return db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
}

function conflict(name: string): ConflictError {
  return new ConflictError('input', `robot account ${name} already exists`);
}

/** Harbor: -1 never expires; 0 or nothing takes the default (`robot_token_duration`, 30 days unless set). */
function normalizeDuration(duration: number | null | undefined, defaultDays: number): number {
  return duration === undefined || duration === null || duration === 0 ? defaultDays : duration;
}

function expiresAt(duration: number, now: number): number {
  return duration === -1 ? -1 : now + duration * DAY_MS;
}

function expiresAtSeconds(expiresAtMs: number): number {
  return expiresAtMs === -1 ? -1 : Math.floor(expiresAtMs / 1000);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Stored as `local:<user id>` or `robot:<robot id>`: Harbor's creator_type and creator_ref. */
function creatorOf(identity: Identity): string {
  return identity.kind === 'robot' ? `robot:${identity.id}` : identity.kind === 'user' ? `local:${identity.id}` : 'local:0';
}

function toStored(permission: ResolvedPermission): repo.NewPermission {
  return { kind: permission.kind, namespace: permission.namespace, access: permission.access, repositoryPatterns: permission.repositoryPatterns };
}

function fromStored(row: RobotPermissionRow): ResolvedPermission {
  return {
    kind: row.kind === 'system' ? 'system' : 'project',
    namespace: row.namespace,
    access: (JSON.parse(row.access) as Array<{ resource: string; action: string; effect?: string }>).map((a) => ({
      resource: a.resource,
      action: a.action,
      effect: a.effect === 'deny' ? 'deny' : 'allow',
    })),
    repositoryPatterns: row.repository_patterns ? (JSON.parse(row.repository_patterns) as string[]) : null,
  };
}

export function robotJson(robot: Robot, rows: readonly RobotPermissionRow[]): RobotJson {
  const [creatorType, creatorRef] = robot.creator.split(':');
  return {
    id: robot.id,
    name: robot.name,
    description: robot.description,
    level: robot.level,
    duration: robot.duration,
    editable: true,
    disable: robot.disabled === 1,
    expires_at: expiresAtSeconds(robot.expires_at),
    permissions: rows.map(fromStored).map((p) => ({
      kind: p.kind,
      namespace: p.namespace,
      access: p.access,
      ...(p.repositoryPatterns ? { repository_patterns: p.repositoryPatterns } : {}),
    })),
    creator_type: creatorType || 'local',
    creator_ref: Number(creatorRef) || 0,
    creation_time: iso(robot.created_at),
    update_time: iso(robot.updated_at),
  };
}
