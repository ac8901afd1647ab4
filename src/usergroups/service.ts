import { recordAudit, type AuditOperation } from '../audit/index.js';
import {
  countGroups,
  deleteGroup,
  findGroupById,
  findGroupByKey,
  findGroupsByName,
  GROUP_TYPES,
  groupKey,
  type GroupFilter,
  type GroupRef,
  type GroupType,
  identityName,
  type Identity,
  insertGroup,
  listGroups,
  renameGroup,
} from '../auth/index.js';
import type { Clock } from '../platform/clock.js';
import { type Database, type Executor, isUniqueViolation, type UserGroup } from '../platform/db/index.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../platform/errors/index.js';
import { parseGroupDn } from './names.js';
import type { UserGroupCreate, UserGroupJson, UserGroupSearchItemJson } from './schema.js';

/** Who asks, as the audit log records it. */
export interface Actor {
  identity: Identity;
  clientIp: string;
}

export interface UserGroupDeps {
  database: Database;
  clock: Clock;
  /** Called after group memberships in projects were removed, so cached permissions are read again. */
  membershipsChanged(): void;
  /** Whether the LDAP directory has a group at this DN; undefined when Berth does not sign in with LDAP (nothing to check). */
  directoryHasGroup?(dn: string): Promise<boolean | undefined>;
}

const TYPE_NAMES: Record<GroupType, string> = { 1: 'LDAP', 2: 'HTTP', 3: 'OIDC' };

export function isGroupType(value: number | undefined): value is GroupType {
  return value === GROUP_TYPES.ldap || value === GROUP_TYPES.http || value === GROUP_TYPES.oidc;
}

function requireGroupType(value: number | undefined): GroupType {
  if (!isGroupType(value)) throw new InvalidInputError('input', 'group_type must be 1 (LDAP), 2 (HTTP) or 3 (OIDC)');
  return value;
}

export function userGroupJson(group: UserGroup): UserGroupJson {
  return { id: group.id, group_name: group.group_name, group_type: group.group_type, ldap_group_dn: group.ldap_group_dn };
}

export function userGroupSearchItem(group: UserGroup): UserGroupSearchItemJson {
  return { id: group.id, group_name: group.group_name, group_type: group.group_type };
}

/** What names a new group: an LDAP group its DN (and a name, given or taken from the DN), the others their name. */
function groupRef(input: { group_type?: number | undefined; group_name?: string | undefined; ldap_group_dn?: string | undefined }): GroupRef {
  const type = requireGroupType(input.group_type);
  if (type === GROUP_TYPES.ldap) {
    if (!input.ldap_group_dn?.trim()) throw new InvalidInputError('input', 'ldap_group_dn is required for an LDAP group');
    const { dn, name } = parseGroupDn(input.ldap_group_dn);
    return { type, name: input.group_name || name, dn };
  }
  if (!input.group_name) throw new InvalidInputError('input', `group_name is required for an ${TYPE_NAMES[type]} group`);
  return { type, name: input.group_name };
}

function duplicate(ref: GroupRef): ConflictError {
  return ref.type === GROUP_TYPES.ldap
    ? new ConflictError('input', `an LDAP group with DN ${ref.dn ?? ''} already exists`)
    : new ConflictError('input', `an ${TYPE_NAMES[ref.type]} group named ${ref.name} already exists`);
}

/** Harbor's user groups: what administrators see and change of the groups identity providers name. */
export class UserGroupService {
  constructor(private readonly deps: UserGroupDeps) {}

  private get db() {
    return this.deps.database.db;
  }

  async list(filter: GroupFilter, page: { limit: number; offset: number }): Promise<{ total: number; groups: UserGroup[] }> {
    const total = await countGroups(this.db, filter);
    const groups = total > page.offset ? await listGroups(this.db, filter, page) : [];
    return { total, groups };
  }

  async get(id: number): Promise<UserGroup> {
    const group = await findGroupById(this.db, id);
    if (!group) throw new NotFoundError('input', `user group ${id} not found`);
    return group;
  }

  async create(actor: Actor, input: UserGroupCreate): Promise<UserGroup> {
    const ref = groupRef(input);
    if (ref.name === '') throw new InvalidInputError('input', 'group_name must not be empty');
    if (ref.type === GROUP_TYPES.ldap && (await this.deps.directoryHasGroup?.(ref.dn ?? '')) === false) {
      throw new InvalidInputError('input', `LDAP group DN ${ref.dn ?? ''} is not found in the directory`);
    }
    try {
      return await this.db.transaction().execute(async (trx) => {
        if (await findGroupByKey(trx, ref.type, groupKey(ref))) throw duplicate(ref);
        const group = await insertGroup(trx, ref, this.deps.clock.now());
        await this.audit(trx, actor, 'create', group.group_name);
        return group;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(ref);
      throw err;
    }
  }

  /** A new name; for an HTTP or OIDC group that is also what the provider must call it from now on. */
  async rename(actor: Actor, id: number, name: string): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        const group = await findGroupById(trx, id);
        if (!group) throw new NotFoundError('input', `user group ${id} not found`);
        if (group.group_name === name) return;
        const type = requireGroupType(group.group_type);
        if (type !== GROUP_TYPES.ldap && (await findGroupByKey(trx, type, name))) throw duplicate({ type, name });
        await renameGroup(trx, group, name, this.deps.clock.now());
        await this.audit(trx, actor, 'update', name);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('input', `a group named ${name} already exists`);
      throw err;
    }
  }

  /** Deletes the group and its project memberships: its users keep only what else gives them a role. */
  async delete(actor: Actor, id: number): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        const group = await findGroupById(trx, id);
        if (!group) throw new NotFoundError('input', `user group ${id} not found`);
        await deleteGroup(trx, group.id);
        await this.audit(trx, actor, 'delete', group.group_name);
      });
    } finally {
      this.deps.membershipsChanged();
    }
  }

  private async audit(db: Executor, actor: Actor, operation: AuditOperation, name: string): Promise<void> {
    await recordAudit(db, {
      projectId: null,
      operation,
      resourceType: 'user_group',
      resource: name,
      username: identityName(actor.identity),
      clientIp: actor.clientIp,
      at: this.deps.clock.now(),
    });
  }
}

/** What a project member request's `member_group` holds (Harbor's UserGroup). */
export interface MemberGroupRef {
  id?: number | undefined;
  group_name?: string | undefined;
  group_type?: number | undefined;
  ldap_group_dn?: string | undefined;
}

/**
 * The group a project member request names, as Harbor reads it: by id (which must exist), by
 * LDAP DN, or by name and type. A group named by DN, or by name as an HTTP or OIDC group, that
 * Berth has not seen yet is created, as Harbor onboards it; the provider's sign-in fills it.
 * Undefined when `member_group` names no group.
 */
export async function resolveMemberGroup(db: Executor, ref: MemberGroupRef, now: number): Promise<UserGroup | undefined> {
  if (ref.id !== undefined && ref.id > 0) {
    const group = await findGroupById(db, ref.id);
    if (!group) throw new InvalidInputError('input', `Group ${ref.id} not found`);
    return group;
  }
  if (ref.ldap_group_dn?.trim()) {
    const wanted = groupRef({ group_type: GROUP_TYPES.ldap, ldap_group_dn: ref.ldap_group_dn, group_name: ref.group_name });
    return (await findGroupByKey(db, GROUP_TYPES.ldap, groupKey(wanted))) ?? insertGroup(db, wanted, now);
  }
  if (!ref.group_name) return undefined;
  const type = ref.group_type === undefined || ref.group_type === 0 ? undefined : requireGroupType(ref.group_type);
  if (type === GROUP_TYPES.http || type === GROUP_TYPES.oidc) {
    const wanted: GroupRef = { type, name: ref.group_name };
    return (await findGroupByKey(db, type, groupKey(wanted))) ?? insertGroup(db, wanted, now);
  }
  const found = await findGroupsByName(db, ref.group_name, type);
  if (found.length === 1) return found[0];
  if (found.length > 1) throw new InvalidInputError('input', `several groups are named ${ref.group_name}: give its id or group_type`);
  throw new InvalidInputError(
    'input',
    type === GROUP_TYPES.ldap
      ? `no LDAP group is named ${ref.group_name}: add LDAP groups by ldap_group_dn`
      : `no group is named ${ref.group_name}: give group_type 2 (HTTP) or 3 (OIDC) to add it`,
  );
}
