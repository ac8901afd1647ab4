import { recordAudit } from '../../audit/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/index.js';
import { ApiError } from '../../platform/errors/index.js';
import { loadVerifyLibraries } from '../verify/libraries.js';
import { fingerprintOfMaterial, MAX_MATERIAL, readPolicy, type MaterialInput, type PolicyInput } from './material.js';

type Deps = { database: Database; clock: Clock };

/** Where trust material is changed: a project's, or the system's (project 0), and who changes it. */
export interface TrustScope {
  projectId: number;
  /** What the audit log names: the project, or the system. */
  auditProjectId: number;
  operator: string;
  clientIp: string;
}

export async function addMaterial(deps: Deps, at: TrustScope, input: MaterialInput) {
  // A trusted root is checked with Sigstore's code.
  await loadVerifyLibraries();
  const fingerprint = fingerprintOfMaterial(input);
  const now = deps.clock.now();
  return deps.database.db.transaction().execute(async (trx) => {
    const count = await trx
      .selectFrom('trust_material')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', at.projectId)
      .executeTakeFirst();
    if (Number(count?.n ?? 0) >= MAX_MATERIAL) throw new ApiError('BAD_REQUEST', `at most ${MAX_MATERIAL} keys and certificates are kept per project`);
    const existing = await trx
      .selectFrom('trust_material')
      .select('id')
      .where('project_id', '=', at.projectId)
      .where('kind', '=', input.kind)
      .where('fingerprint', '=', fingerprint)
      .executeTakeFirst();
    if (existing) throw new ApiError('CONFLICT', `this ${input.kind} is trusted already (${fingerprint})`);
    const row = await trx
      .insertInto('trust_material')
      .values({ project_id: at.projectId, kind: input.kind, name: input.name, pem: input.pem, fingerprint, created_by: at.operator, created_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      projectId: at.auditProjectId,
      operation: 'create',
      resourceType: 'trust_material',
      resource: `${input.kind} ${fingerprint}`,
      username: at.operator,
      clientIp: at.clientIp,
      at: now,
    });
    return row;
  });
}

export async function deleteMaterial(deps: Deps, at: TrustScope, rawId: string): Promise<void> {
  const id = Number(rawId);
  if (!Number.isSafeInteger(id) || id <= 0) throw new ApiError('BAD_REQUEST', 'the id must be a positive integer');
  await deps.database.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('trust_material').selectAll().where('id', '=', id).where('project_id', '=', at.projectId).executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `trust material ${id} not found`);
    await trx.deleteFrom('trust_material').where('id', '=', id).execute();
    await recordAudit(trx, {
      projectId: at.auditProjectId,
      operation: 'delete',
      resourceType: 'trust_material',
      resource: `${row.kind} ${row.fingerprint}`,
      username: at.operator,
      clientIp: at.clientIp,
      at: deps.clock.now(),
    });
  });
}

export async function putPolicy(deps: Deps, at: TrustScope, input: PolicyInput): Promise<void> {
  const current = await readPolicy(deps.database.db, at.projectId);
  const next = {
    notation_level: input.notation_level ?? current.notation_level,
    trusted_identities: JSON.stringify(input.trusted_identities ?? current.trusted_identities),
    require_log_entry: (input.require_log_entry ?? current.require_log_entry) ? 1 : 0,
    keyless_identities: JSON.stringify(input.keyless_identities ?? current.keyless_identities),
    notation_verify_timestamp: input.notation_verify_timestamp ?? current.notation_verify_timestamp,
    updated_at: deps.clock.now(),
  };
  await deps.database.db
    .insertInto('trust_policies')
    .values({ project_id: at.projectId, ...next })
    .onConflict((oc) => oc.column('project_id').doUpdateSet(next))
    .execute();
}
