import { recordAudit, type AuditOperation } from '../audit/index.js';
import { identityName, type Identity } from '../auth/index.js';
import { type Executor, isUniqueViolation, type Label } from '../platform/db/index.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../platform/errors/index.js';
import type { ApiDeps } from '../api/index.js';
import * as repo from './repo.js';
import type { LabelCreate, LabelJson, LabelUpdate } from './schema.js';

export interface Actor {
  identity: Identity;
  clientIp: string;
}

/** Label rules: names unique per scope and project, project labels only on their project's artifacts. */
export class LabelService {
  constructor(private readonly deps: Pick<ApiDeps, 'database' | 'clock'>) {}

  /** `projectId` is 0 for global labels; the caller has checked the permission. */
  async create(actor: Actor, input: LabelCreate, projectId: number): Promise<LabelJson> {
    const now = this.deps.clock.now();
    const label = await this.write(input.name, async (trx) => {
      const created = await repo.insertLabel(trx, {
        name: input.name,
        description: input.description ?? '',
        color: input.color ?? '',
        scope: input.scope,
        projectId,
        now,
      });
      await this.audit(actor, 'create', created, trx);
      return created;
    });
    return repo.labelJson(label);
  }

  async find(id: number): Promise<Label> {
    const label = await repo.findLabel(this.deps.database.db, id);
    if (!label) throw notFound(id);
    return label;
  }

  async list(filter: repo.LabelFilter, page: { offset: number; limit: number }): Promise<{ total: number; labels: LabelJson[] }> {
    const { total, labels } = await repo.listLabels(this.deps.database.db, filter, page);
    return { total, labels: labels.map(repo.labelJson) };
  }

  async update(actor: Actor, label: Label, changes: LabelUpdate): Promise<void> {
    const name = changes.name ?? label.name;
    const updated: Label = {
      ...label,
      name,
      description: changes.description ?? label.description,
      color: changes.color ?? label.color,
      updated_at: this.deps.clock.now(),
    };
    await this.write(name, async (trx) => {
      await repo.updateLabel(trx, label.id, { name, description: updated.description, color: updated.color, now: updated.updated_at });
      await this.audit(actor, 'update', updated, trx);
    });
  }

  async delete(actor: Actor, label: Label): Promise<void> {
    await this.deps.database.db.transaction().execute(async (trx) => {
      await repo.deleteLabel(trx, label.id);
      await this.audit(actor, 'delete', label, trx);
    });
  }

  async attach(artifact: { id: number; projectId: number }, labelId: number): Promise<void> {
    const db = this.deps.database.db;
    const label = await repo.findLabel(db, labelId);
    if (!label) throw notFound(labelId);
    if (label.scope === 'p' && label.project_id !== artifact.projectId) {
      throw new InvalidInputError('input', `label ${labelId} belongs to another project; only global labels and labels of the artifact's project can be added`);
    }
    const conflict = new ConflictError('input', `label ${labelId} is already added to the artifact`);
    if (await repo.isAttached(db, artifact.id, labelId)) throw conflict;
    try {
      await repo.attach(db, artifact.id, labelId, this.deps.clock.now());
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict;
      throw err;
    }
  }

  async detach(artifactId: number, labelId: number): Promise<void> {
    if (!(await repo.detach(this.deps.database.db, artifactId, labelId))) {
      throw new NotFoundError('input', `label ${labelId} is not added to the artifact`);
    }
  }

  /** One transaction; a name taken in the same scope and project is a 409, however the race went. */
  private async write<T>(name: string, work: (trx: Executor) => Promise<T>): Promise<T> {
    try {
      return await this.deps.database.db.transaction().execute(work);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('input', `a label named ${name} already exists in this scope`);
      throw err;
    }
  }

  private audit(actor: Actor, operation: AuditOperation, label: Label, db: Executor): Promise<void> {
    return recordAudit(db, {
      projectId: label.scope === 'p' ? label.project_id : null,
      operation,
      resourceType: 'label',
      resource: label.name,
      username: identityName(actor.identity),
      clientIp: actor.clientIp,
      at: this.deps.clock.now(),
    });
  }
}

function notFound(id: number): NotFoundError {
  return new NotFoundError('input', `label ${id} not found`);
}
