import { type Database, type Executor, isUniqueViolation, type User } from '../platform/db/index.js';
import { recordAudit, type AuditOperation } from '../audit/index.js';
import {
  type Authenticator,
  identityName,
  type Identity,
  hashPassword,
  verifyPassword,
  createUser,
  endSessions,
  findUserByEmail,
  findUserById,
  findUserByName,
  updateUserPassword,
} from '../auth/index.js';
import { ConflictError, DeniedError, InvalidInputError, NotFoundError } from '../platform/errors/index.js';
import type { Clock } from '../platform/clock.js';
import { findRobotByName } from '../robots/index.js';
import * as repo from './repo.js';
import { commentProblem, emailProblem, passwordProblem, realnameProblem, usernameProblem } from './rules.js';
import type { UserCreationReq, UserProfileReq } from './schema.js';

/** Who asks, as the audit log records it. */
export interface Actor {
  identity: Identity;
  clientIp: string;
}

export interface UserServiceDeps {
  database: Database;
  clock: Clock;
  authenticator: Authenticator;
  /** Called after memberships were removed, so cached permissions are read again. */
  membershipsChanged(): void;
}

/** Harbor never lets the first account (the built-in admin) be deleted. */
const BUILT_IN_ADMIN_ID = 1;

function check(problem: string | undefined): void {
  if (problem) throw new InvalidInputError('input', problem);
}

/** "" and null both mean "no email". */
function normaliseEmail(email: string | null | undefined): string | null | undefined {
  return email === '' ? null : email;
}

export class UserService {
  constructor(private readonly deps: UserServiceDeps) {}

  private get db() {
    return this.deps.database.db;
  }

  async get(id: number): Promise<User> {
    const user = await findUserById(this.db, id);
    if (!user) throw new NotFoundError('input', `user ${id} not found`);
    return user;
  }

  /** A local account; never a system administrator (that takes PUT /users/{id}/sysadmin). */
  async create(actor: Actor, req: UserCreationReq): Promise<User> {
    check(usernameProblem(req.username));
    check(passwordProblem(req.password));
    const email = normaliseEmail(req.email);
    if (email) check(emailProblem(email));
    if (req.realname) check(realnameProblem(req.realname));
    if (req.comment) check(commentProblem(req.comment));
    const passwordHash = await hashPassword(req.password);
    const now = this.deps.clock.now();
    try {
      return await this.db.transaction().execute(async (trx) => {
        await this.requireFreeName(trx, req.username);
        if (email) await this.requireFreeEmail(trx, email);
        const user = await createUser(trx, {
          username: req.username,
          passwordHash,
          sysadmin: false,
          realname: req.realname ?? '',
          email: email ?? null,
          comment: req.comment ?? '',
          now,
        });
        // A self-registered user is its own author.
        const author = actor.identity.kind === 'anonymous' ? user.username : identityName(actor.identity);
        await this.audit(trx, actor, 'create', user.username, author);
        return user;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('input', `user ${req.username} already exists`);
      throw err;
    }
  }

  async updateProfile(actor: Actor, id: number, req: UserProfileReq): Promise<void> {
    const changes: { email?: string | null; realname?: string; comment?: string } = {};
    const email = normaliseEmail(req.email);
    if (email !== undefined) {
      if (email !== null) check(emailProblem(email));
      changes.email = email;
    }
    if (req.realname !== undefined && req.realname !== null) {
      check(realnameProblem(req.realname));
      changes.realname = req.realname;
    }
    if (req.comment !== undefined && req.comment !== null) {
      check(commentProblem(req.comment));
      changes.comment = req.comment;
    }
    await this.db.transaction().execute(async (trx) => {
      const user = await findUserById(trx, id);
      if (!user) throw new NotFoundError('input', `user ${id} not found`);
      if (changes.email) await this.requireFreeEmail(trx, changes.email, id);
      await repo.updateProfile(trx, id, changes, this.deps.clock.now());
      await this.audit(trx, actor, 'update', user.username);
    });
  }

  /**
   * Harbor's rules: a user changing their own password proves the old one; an administrator
   * resetting someone else's need not. The new one must follow the rule and differ from the old.
   * Every session of the user ends, except the one a user changed their own password through
   * (`currentSession`): whoever held another session may be who the password was changed against.
   */
  async changePassword(actor: Actor, id: number, req: { old_password?: string; new_password: string }, currentSession?: string): Promise<void> {
    const user = await this.get(id);
    const self = actor.identity.kind === 'user' && actor.identity.id === id;
    if (self && !(await verifyPassword(req.old_password ?? '', user.password_hash))) {
      throw new DeniedError('input', 'current password is incorrect');
    }
    check(passwordProblem(req.new_password));
    if (await verifyPassword(req.new_password, user.password_hash)) {
      throw new InvalidInputError('input', 'new password is identical to the old password');
    }
    const hash = await hashPassword(req.new_password);
    await this.db.transaction().execute(async (trx) => {
      await updateUserPassword(trx, id, hash, this.deps.clock.now());
      await endSessions(trx, id, self ? currentSession : undefined);
      await this.audit(trx, actor, 'update', user.username);
    });
    this.deps.authenticator.forgetAccounts();
  }

  async setSysadmin(actor: Actor, id: number, sysadmin: boolean): Promise<void> {
    if (!sysadmin && actor.identity.kind === 'user' && actor.identity.id === id) {
      throw new DeniedError('input', 'you cannot remove your own system administrator role');
    }
    await this.db.transaction().execute(async (trx) => {
      const user = await findUserById(trx, id);
      if (!user) throw new NotFoundError('input', `user ${id} not found`);
      if (!sysadmin) {
        const admins = await repo.lockSysadmins(trx, this.deps.database.dialect);
        if (admins.length === 1 && admins[0] === id) throw new DeniedError('input', 'cannot remove the role of the last system administrator');
      }
      await repo.setSysadmin(trx, id, sysadmin, this.deps.clock.now());
      await this.audit(trx, actor, 'update', user.username);
    });
    this.deps.authenticator.forgetAccounts();
  }

  async delete(actor: Actor, id: number): Promise<void> {
    if ((actor.identity.kind === 'user' && actor.identity.id === id) || id === BUILT_IN_ADMIN_ID) {
      throw new DeniedError('input', `user with ID ${id} cannot be deleted`);
    }
    await this.db.transaction().execute(async (trx) => {
      const user = await findUserById(trx, id);
      if (!user) throw new NotFoundError('input', `user ${id} not found`);
      const admins = (await repo.lockSysadmins(trx, this.deps.database.dialect)).filter((a) => a !== id);
      if (user.sysadmin_flag === 1 && admins.length === 0) throw new DeniedError('input', 'cannot delete the last system administrator');
      const heir = actor.identity.kind === 'user' ? actor.identity.id : admins[0];
      if (heir === undefined && (await repo.ownedProjectCount(trx, id)) > 0) {
        throw new ConflictError('input', `user ${user.username} owns projects and no administrator is left to take them over`);
      }
      await repo.deleteUser(trx, id, heir ?? BUILT_IN_ADMIN_ID, this.deps.clock.now());
      await this.audit(trx, actor, 'delete', user.username);
    });
    this.deps.membershipsChanged();
    this.deps.authenticator.forgetAccounts();
  }

  private async requireFreeName(db: Executor, username: string): Promise<void> {
    if (await findUserByName(db, username)) throw new ConflictError('input', `user ${username} already exists`);
    // Robots may carry any prefix an administrator chose: a user never takes a robot's name.
    if (await findRobotByName(db, username)) throw new ConflictError('input', `the name ${username} is taken by a robot account`);
  }

  private async requireFreeEmail(db: Executor, email: string, exceptId?: number): Promise<void> {
    const holder = await findUserByEmail(db, email);
    if (holder && holder.id !== exceptId) throw new ConflictError('input', `email ${email} is already used by another user`);
  }

  private audit(db: Executor, actor: Actor, operation: AuditOperation, username: string, author = identityName(actor.identity)): Promise<void> {
    return recordAudit(db, {
      projectId: null,
      operation,
      resourceType: 'user',
      resource: username,
      username: author,
      clientIp: actor.clientIp,
      at: this.deps.clock.now(),
    });
  }
}
