import { recordAudit, type AuditOperation } from '../audit/index.js';
import type { Clock } from '../platform/clock.js';
import { isForeignKeyViolation, isUniqueViolation, type Database, type Executor, type RegistryRow } from '../platform/db/index.js';
import { ConflictError, InvalidInputError, NotFoundError, PreconditionFailedError, UnprocessableError } from '../platform/errors/index.js';
import type { QueryCondition, SortField } from '../platform/http/index.js';
import type { SecretBox } from '../platform/secrets/index.js';
import { ecrCredential, EcrTokens, type EcrSettings } from './adapters/aws-ecr.js';
import { adapterInfo, isAdapterType, registryApiUrl, type AdapterInfo, type AdapterType } from './adapters/index.js';
import { pingRegistry, RegistryPingError, type RegistryConnection } from './ping.js';
import * as repo from './repo.js';
import { SECRET_MASK, type RegistryCreate, type RegistryPing, type RegistryUpdate } from './schema.js';

export interface RegistryServiceDeps {
  database: Database;
  clock: Clock;
  secrets: SecretBox;
  /** Where aws-ecr endpoints get their tokens (the `awsEcr` settings). */
  awsEcr?: EcrSettings;
  /** The aws-ecr tokens fetched so far; a service given none keeps its own. */
  ecrTokens?: EcrTokens;
  /** The check behind `status` and `/registries/ping`; the real one unless a test gives another. */
  ping?: (connection: RegistryConnection) => Promise<void>;
}

/** Who acts, for the audit log. */
export interface Actor {
  username: string;
  clientIp: string;
}

/** How long the check after a create or an update may take before the endpoint is called unhealthy. */
const STATUS_CHECK_TIMEOUT_MS = 5_000;

/** The settings of an endpoint that decide how it is reached. */
interface Endpoint {
  type: AdapterType;
  url: string;
  credentialType: string;
  accessKey: string;
  /** In clear. */
  accessSecret: string;
  insecure: boolean;
  caCertificate: string;
}

/** Registry endpoints: Harbor's /registries rules; the credential's secret is stored sealed and never shown. */
export class RegistryService {
  private readonly ecrTokens: EcrTokens;

  constructor(private readonly deps: RegistryServiceDeps) {
    this.ecrTokens = deps.ecrTokens ?? new EcrTokens();
  }

  private get db() {
    return this.deps.database.db;
  }

  list(conditions: readonly QueryCondition[], sort: readonly SortField<repo.RegistryColumn>[], offset: number, limit: number) {
    return repo.listRegistries(this.db, conditions, sort, offset, limit);
  }

  async get(id: number): Promise<RegistryRow> {
    const row = await repo.findRegistry(this.db, id);
    if (!row) throw new NotFoundError('input', `registry ${id} not found`);
    return row;
  }

  async create(body: RegistryCreate, actor: Actor): Promise<RegistryRow> {
    const credentialType = body.credential?.type ?? 'basic';
    const accessKey = body.credential?.access_key ?? '';
    const accessSecret = body.credential?.access_secret ?? '';
    checkCredential(credentialType, accessKey, accessSecret);
    const now = this.deps.clock.now();
    const row = await this.conflictAsName(body.name, () =>
      this.db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('registries')
          .values({
            name: body.name,
            description: body.description ?? '',
            url: body.url,
            type: body.type,
            credential_type: credentialType,
            access_key: accessKey,
            access_secret: this.deps.secrets.seal(accessSecret),
            insecure: body.insecure ? 1 : 0,
            ca_certificate: body.ca_certificate?.trim() ?? '',
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit(trx, actor, 'create', inserted.name);
        return inserted;
      }),
    );
    return this.refreshStatus(row);
  }

  /** PUT: what the body leaves out stays; a left-out (or masked) secret keeps the stored one. */
  async update(id: number, body: RegistryUpdate, actor: Actor): Promise<RegistryRow> {
    const row = await this.get(id);
    const keepSecret = body.access_secret == null || body.access_secret === SECRET_MASK;
    const credentialType = body.credential_type ?? (row.credential_type || 'basic');
    const accessKey = body.access_key ?? row.access_key;
    const accessSecret = keepSecret ? this.open(row) : (body.access_secret ?? '');
    checkCredential(credentialType, accessKey, accessSecret);
    const name = body.name ?? row.name;
    const updated = await this.conflictAsName(name, () =>
      this.db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('registries')
          .set({
            name,
            description: body.description ?? row.description,
            url: body.url ?? row.url,
            credential_type: credentialType,
            access_key: accessKey,
            access_secret: keepSecret ? row.access_secret : this.deps.secrets.seal(accessSecret),
            insecure: body.insecure == null ? row.insecure : body.insecure ? 1 : 0,
            ca_certificate: body.ca_certificate == null ? row.ca_certificate : body.ca_certificate.trim(),
            updated_at: this.deps.clock.now(),
          })
          .where('id', '=', row.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit(trx, actor, 'update', result.name);
        return result;
      }),
    );
    return this.refreshStatus(updated);
  }

  /** An endpoint a proxy cache project uses stays (Harbor answers 412 then); replication policies will do the same. */
  async delete(id: number, actor: Actor): Promise<void> {
    const row = await this.get(id);
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('registries').where('id', '=', row.id).execute();
        await this.audit(trx, actor, 'delete', row.name);
      });
    } catch (err) {
      if (isForeignKeyViolation(err))
        throw new PreconditionFailedError('input', `registry ${row.name} is used by a proxy cache project or a replication policy; delete those first`);
      throw err;
    }
  }

  /**
   * POST /registries/ping: a stored endpoint (body fields override its settings; its secret
   * is used unless the body gives one), or a whole one. Unhealthy is a 400, as in Harbor; a
   * stored endpoint pinged as it is keeps the result as its status.
   */
  async ping(body: RegistryPing): Promise<void> {
    const stored = body.id == null ? undefined : await this.get(body.id);
    const base = stored ? this.endpointOf(stored) : undefined;
    const type = body.type ?? base?.type;
    const url = body.url ?? base?.url;
    if (!type || !url) throw new InvalidInputError('input', 'give the id of a registry, or its type and url');
    const secretGiven = body.access_secret != null && body.access_secret !== SECRET_MASK;
    const endpoint: Endpoint = {
      type,
      url,
      credentialType: body.credential_type ?? base?.credentialType ?? 'basic',
      accessKey: body.access_key ?? base?.accessKey ?? '',
      accessSecret: secretGiven ? (body.access_secret ?? '') : (base?.accessSecret ?? ''),
      insecure: body.insecure ?? base?.insecure ?? false,
      caCertificate: body.ca_certificate ?? base?.caCertificate ?? '',
    };
    checkCredential(endpoint.credentialType, endpoint.accessKey, endpoint.accessSecret);
    const asStored =
      stored !== undefined &&
      [body.type, body.url, body.credential_type, body.access_key, body.insecure, body.ca_certificate].every((v) => v == null) &&
      !secretGiven;
    try {
      await this.check(endpoint);
    } catch (err) {
      if (!(err instanceof RegistryPingError)) throw err;
      if (asStored) await repo.setStatus(this.db, stored.id, 'unhealthy');
      throw new InvalidInputError('input', `the registry is unhealthy: ${err.message}`);
    }
    if (asStored) await repo.setStatus(this.db, stored.id, 'healthy');
  }

  /** Harbor's RegistryInfo: what the endpoint's adapter supports. */
  async info(id: number): Promise<AdapterInfo> {
    const row = await this.get(id);
    if (!isAdapterType(row.type)) throw new UnprocessableError('input', `registry ${row.name} has the type ${row.type}, which this version of Berth does not offer`);
    return adapterInfo(row.type);
  }

  /** How the registry client reaches a stored endpoint, its secret opened: for replication and the proxy cache. */
  async connection(id: number): Promise<RegistryConnection> {
    return this.connectionOf(this.endpointOf(await this.get(id)), undefined);
  }

  /** Checks the endpoint now and keeps the result as its status. */
  async refreshStatus(row: RegistryRow): Promise<RegistryRow> {
    let status: 'healthy' | 'unhealthy' = 'healthy';
    try {
      await this.check(this.endpointOf(row), STATUS_CHECK_TIMEOUT_MS);
    } catch (err) {
      if (!(err instanceof RegistryPingError) && !(err instanceof UnprocessableError)) throw err;
      status = 'unhealthy';
    }
    await repo.setStatus(this.db, row.id, status);
    return { ...row, status };
  }

  private check(endpoint: Endpoint, timeoutMs?: number): Promise<void> {
    return (this.deps.ping ?? pingRegistry)(this.connectionOf(endpoint, timeoutMs));
  }

  private connectionOf(endpoint: Endpoint, timeoutMs: number | undefined): RegistryConnection {
    return connectionOf(endpoint, timeoutMs, this.deps.awsEcr ?? {}, this.ecrTokens, () => this.deps.clock.now());
  }

  private endpointOf(row: RegistryRow): Endpoint {
    if (!isAdapterType(row.type)) throw new UnprocessableError('input', `registry ${row.name} has the type ${row.type}, which this version of Berth does not offer`);
    return {
      type: row.type,
      url: row.url,
      credentialType: row.credential_type || 'basic',
      accessKey: row.access_key,
      accessSecret: this.open(row),
      insecure: row.insecure === 1,
      caCertificate: row.ca_certificate,
    };
  }

  private open(row: RegistryRow): string {
    const secret = this.deps.secrets.open(row.access_secret);
    if (secret === undefined) throw new UnprocessableError('input', `the stored secret of registry ${row.name} cannot be decrypted`);
    return secret;
  }

  private async conflictAsName<T>(name: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('input', `a registry named ${name} already exists`);
      throw err;
    }
  }

  private audit(db: Executor, actor: Actor, operation: AuditOperation, name: string): Promise<void> {
    return recordAudit(db, {
      projectId: null,
      operation,
      resourceType: 'registry',
      resource: name,
      username: actor.username,
      clientIp: actor.clientIp,
      at: this.deps.clock.now(),
    });
  }
}

function checkCredential(type: string, accessKey: string, accessSecret: string): void {
  if (type === 'oauth' && accessSecret === '') throw new InvalidInputError('input', 'a credential of type oauth needs its token as access_secret');
  if (type === 'basic' && accessSecret !== '' && accessKey === '')
    throw new InvalidInputError('input', 'a basic credential needs access_key (the user name) with its access_secret');
}

/**
 * How the endpoint is reached. Registry endpoints are made by system administrators, who may
 * point them at private networks (outbound.ts's rule): the private-address guard is off for them.
 */
function connectionOf(endpoint: Endpoint, timeoutMs: number | undefined, awsEcr: EcrSettings, ecrTokens: EcrTokens, now: () => number): RegistryConnection {
  const credential: RegistryConnection['credential'] =
    endpoint.credentialType === 'oauth'
      ? { type: 'bearer', token: endpoint.accessSecret }
      : endpoint.accessKey === ''
        ? undefined
        : endpoint.type === 'aws-ecr'
          ? ecrCredential(endpoint.url, endpoint.accessKey, endpoint.accessSecret, awsEcr, ecrTokens, now)
          : { type: 'basic', username: endpoint.accessKey, password: endpoint.accessSecret };
  return {
    url: registryApiUrl(endpoint.type, endpoint.url),
    insecure: endpoint.insecure,
    ...(endpoint.caCertificate ? { caCertPem: endpoint.caCertificate } : {}),
    ...(credential ? { credential } : {}),
    allowPrivateNetworks: true,
    ...(timeoutMs ? { timeoutMs } : {}),
  };
}
