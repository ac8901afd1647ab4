import { type AccessControl, type Authenticator, identityName, type Identity, ROLE_IDS } from '../auth/index.js';
import { recordAudit } from '../audit/index.js';
import { type Database, type Executor, isForeignKeyViolation, isUniqueViolation, type Project } from '../platform/db/index.js';
import { ConflictError, DeniedError, InvalidInputError, PreconditionFailedError } from '../platform/errors/index.js';
import { uploadDir, type StorageDriver } from '../platform/storage/index.js';
import type { Clock } from '../platform/clock.js';
import type { Settings } from '../platform/settings/index.js';
import { deleteAllowlist, saveAllowlist, validateAllowlist } from './allowlist/index.js';
import { insertMember } from './members-repo.js';
import { normalizeMetadata } from './metadata.js';
import * as repo from './repo.js';
import type { ProjectReq } from './schema.js';

export interface ProjectsDeps {
  database: Database;
  clock: Clock;
  access: AccessControl;
  authenticator: Authenticator;
  settings: Settings;
  storage: StorageDriver;
}

/** Who performs a change, as the audit log records it. */
export interface Actor {
  identity: Identity;
  clientIp: string;
}

const PROJECT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const MAX_PROJECT_NAME = 255;

export function validateProjectName(name: string | undefined): string {
  if (name === undefined || name === '') throw new InvalidInputError('project', 'project_name is required');
  if (name.length > MAX_PROJECT_NAME || !PROJECT_NAME.test(name)) {
    throw new InvalidInputError('project', `invalid project_name: use 1 to ${MAX_PROJECT_NAME} lowercase letters and digits, separated by single ".", "_" or "-"`);
  }
  return name;
}

async function audit(db: Executor, deps: ProjectsDeps, actor: Actor, project: Project, operation: 'create' | 'update' | 'delete'): Promise<void> {
  await recordAudit(db, {
    projectId: project.id,
    operation,
    resourceType: 'project',
    resource: project.name,
    username: identityName(actor.identity),
    clientIp: actor.clientIp,
    at: deps.clock.now(),
  });
}

/** Harbor's rule: users unless creation is admin-only; system robots holding project:create; project robots never. */
async function requireMayCreate(deps: ProjectsDeps, identity: Identity): Promise<void> {
  // The route authenticates first; an anonymous identity that got here anyway is refused.
  if (identity.kind === 'anonymous') throw new DeniedError('project', 'authentication required');
  if (identity.kind === 'robot') {
    if (identity.level !== 'system' || !deps.access.systemCan(identity, 'project', 'create')) {
      throw new DeniedError('project', 'this robot account may not create projects');
    }
    return;
  }
  if (identity.sysadmin) return;
  const settings = await deps.settings.get();
  if (settings.project_creation_restriction === 'adminonly') {
    throw new DeniedError('project', 'only system administrators may create projects');
  }
}

/** Projects a robot creates belong to the first system administrator, as in Harbor. */
async function ownerOf(db: Executor, identity: Identity): Promise<number> {
  if (identity.kind === 'user') return identity.id;
  const admin = await db.selectFrom('users').select('id').where('sysadmin_flag', '=', 1).orderBy('id').limit(1).executeTakeFirst();
  if (!admin) throw new PreconditionFailedError('project', 'no system administrator exists to own the project');
  return admin.id;
}

function publicFlag(req: ProjectReq, metadata: ReadonlyMap<string, string>): boolean | undefined {
  const fromMetadata = metadata.get('public');
  if (fromMetadata !== undefined) return fromMetadata === 'true';
  return req.public ?? undefined;
}

/** Only system administrators choose a project's quota; everyone else gets the default. */
async function storageLimitFor(deps: ProjectsDeps, identity: Identity, req: ProjectReq): Promise<number> {
  const isAdmin = identity.kind === 'user' && identity.sysadmin;
  if (isAdmin && req.storage_limit !== undefined && req.storage_limit !== null) {
    if (req.storage_limit === 0 || req.storage_limit < -1)
      throw new InvalidInputError('project', 'storage_limit must be -1 (unlimited) or a positive number of bytes');
    return req.storage_limit;
  }
  return (await deps.settings.get()).storage_per_project;
}

export async function createProject(deps: ProjectsDeps, actor: Actor, req: ProjectReq): Promise<Project> {
  await requireMayCreate(deps, actor.identity);
  const name = validateProjectName(req.project_name);
  const registryId = req.registry_id ?? null;
  if (registryId !== null && !(actor.identity.kind === 'user' && actor.identity.sysadmin)) {
    // Harbor's rule: a proxy cache spends the endpoint's credentials and pull quota for everyone.
    throw new DeniedError('project', 'only system administrators may create proxy cache projects');
  }
  const metadata = normalizeMetadata(req.metadata ?? {});
  const allowlist = req.cve_allowlist ? validateAllowlist(req.cve_allowlist) : undefined;
  const isPublic = publicFlag(req, metadata) ?? false;
  metadata.set('public', isPublic ? 'true' : 'false');
  const storageLimit = await storageLimitFor(deps, actor.identity, req);
  const conflict = () => new ConflictError('project', `project ${name} already exists`);
  try {
    const project = await deps.database.db.transaction().execute(async (trx) => {
      if (await repo.findProjectByName(trx, name)) throw conflict();
      const now = deps.clock.now();
      const ownerId = await ownerOf(trx, actor.identity);
      const created = await repo.createProject(trx, { name, ownerId, public: isPublic, storageLimit, now, registryId });
      await repo.upsertMetadata(trx, created.id, metadata);
      if (allowlist) await saveAllowlist(trx, created.id, allowlist, now);
      await insertMember(trx, { projectId: created.id, entity: { type: 'u', id: ownerId }, role: ROLE_IDS.projectAdmin, repositoryPatterns: null, now });
      await audit(trx, deps, actor, created, 'create');
      return created;
    });
    deps.access.membershipsChanged();
    return project;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict();
    // The endpoint is checked by its reference, in the same statement that stores it.
    if (registryId !== null && isForeignKeyViolation(err)) throw new InvalidInputError('project', `registry ${registryId} not found`);
    throw err;
  }
}

/** Harbor's PUT: metadata given is merged into the project's; the name cannot change. */
export async function updateProject(deps: ProjectsDeps, actor: Actor, project: Project, req: ProjectReq): Promise<void> {
  if (req.project_name !== undefined && req.project_name !== '' && req.project_name !== project.name) {
    throw new InvalidInputError('project', 'a project cannot be renamed');
  }
  const metadata = normalizeMetadata(req.metadata ?? {});
  // Harbor's PUT replaces the project's allowlist when the request carries one.
  const allowlist = req.cve_allowlist ? validateAllowlist(req.cve_allowlist) : undefined;
  const isPublic = publicFlag(req, metadata);
  if (isPublic !== undefined) metadata.set('public', isPublic ? 'true' : 'false');
  await deps.database.db.transaction().execute(async (trx) => {
    await repo.upsertMetadata(trx, project.id, metadata);
    if (allowlist) await saveAllowlist(trx, project.id, allowlist, deps.clock.now());
    await repo.touchProject(trx, project.id, deps.clock.now(), isPublic);
    await audit(trx, deps, actor, project, 'update');
  });
  deps.access.projectsChanged();
}

function holdsRepositories(project: Project): PreconditionFailedError {
  return new PreconditionFailedError('project', `project ${project.name} holds repositories; delete them first`);
}

export async function deletableStatus(db: Executor, project: Project): Promise<{ deletable: boolean; message: string }> {
  const count = (await repo.repositoryCounts(db, [project.id])).get(project.id) ?? 0;
  return count > 0 ? { deletable: false, message: holdsRepositories(project).message } : { deletable: true, message: '' };
}

export async function deleteProject(deps: ProjectsDeps, actor: Actor, project: Project): Promise<void> {
  let uploadIds: string[];
  try {
    uploadIds = await deps.database.db.transaction().execute(async (trx) => {
      const removed = await repo.deleteProjectRows(trx, project);
      // Throwing rolls the transaction back: nothing of the project is removed.
      if (!removed) throw holdsRepositories(project);
      await deleteAllowlist(trx, project.id);
      await audit(trx, deps, actor, project, 'delete');
      return removed.uploadIds;
    });
  } catch (err) {
    // A push that created a repository meanwhile keeps the project.
    if (isForeignKeyViolation(err)) throw holdsRepositories(project);
    throw err;
  }
  deps.access.membershipsChanged();
  deps.access.projectsChanged();
  // Its robots are gone, and system robots lost their grants in it.
  deps.authenticator.forgetAccounts();
  for (const id of uploadIds) await deps.storage.delete(uploadDir(id)).catch(() => undefined);
}

export async function updateMetadata(
  deps: ProjectsDeps,
  actor: Actor,
  project: Project,
  change: { set?: ReadonlyMap<string, string>; remove?: string },
): Promise<void> {
  await deps.database.db.transaction().execute(async (trx) => {
    if (change.set) await repo.upsertMetadata(trx, project.id, change.set);
    if (change.remove !== undefined) await repo.deleteMetadata(trx, project.id, change.remove);
    const isPublic = change.set?.get('public');
    await repo.touchProject(trx, project.id, deps.clock.now(), isPublic === undefined ? undefined : isPublic === 'true');
    await audit(trx, deps, actor, project, 'update');
  });
  deps.access.projectsChanged();
}

/**
 * What a listing may show the caller: exactly the projects it may read. Members see their
 * projects, robots those their grants open, everyone the public ones; administrators all.
 */
export async function visibilityFor(deps: ProjectsDeps, identity: Identity): Promise<repo.Visibility | undefined> {
  switch (identity.kind) {
    case 'anonymous':
      return {};
    case 'user':
      return identity.sysadmin ? undefined : { memberUserId: identity.id };
    case 'robot': {
      const wildcard = identity.grants.some((g) => g.namespace === '*');
      const names = [...new Set(identity.grants.map((g) => g.namespace))];
      const candidates = wildcard
        ? await repo.listProjects(deps.database.db)
        : names.length === 0
          ? []
          : await deps.database.db.selectFrom('projects').selectAll().where('name', 'in', names).execute();
      const readable: number[] = [];
      for (const project of candidates) {
        if ((await deps.access.forProject(identity, project)).can('', 'read')) readable.push(project.id);
      }
      if (wildcard && readable.length === candidates.length) return undefined;
      return { projectIds: readable };
    }
  }
}
