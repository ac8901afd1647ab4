import { randomUUID } from 'node:crypto';
import { isUniqueViolation, type Database, type ScannerRegistrationRow } from '../../platform/db/index.js';
import { ConflictError, DeniedError, InvalidInputError, NotFoundError } from '../../platform/errors/index.js';
import type { Clock } from '../../platform/clock.js';
import type { AdapterAuth } from '../adapter/client.js';
import type { ScannerAdapterMetadata } from '../engine.js';
import { adapterClient, engineFor, type EngineSettings } from './engines.js';
import * as repo from './repo.js';
import type { RegistrationReq } from './schema.js';

export interface RegistrationServiceDeps {
  database: Database;
  clock: Clock;
  engines: EngineSettings;
}

/** Scanner registrations: Harbor's /scanners rules, with the built-in "Berth" one that cannot go. */
export class RegistrationService {
  constructor(private readonly deps: RegistrationServiceDeps) {}

  private get db() {
    return this.deps.database.db;
  }

  list(filter: repo.RegistrationFilter, offset: number, limit: number) {
    return repo.listRegistrations(this.db, filter, offset, limit);
  }

  async get(uuid: string): Promise<ScannerRegistrationRow> {
    const row = await repo.findRegistration(this.db, uuid);
    if (!row) throw new NotFoundError('input', `scanner registration ${uuid} not found`);
    return row;
  }

  async create(body: RegistrationReq): Promise<ScannerRegistrationRow> {
    const auth = checkAuth(body.auth ?? '', body.access_credential);
    const now = this.deps.clock.now();
    try {
      return await this.db
        .insertInto('scanner_registrations')
        .values({
          uuid: randomUUID(),
          name: body.name,
          description: body.description ?? '',
          url: body.url,
          auth,
          access_credential: auth === '' ? '' : this.deps.engines.secrets.seal(body.access_credential ?? ''),
          skip_cert_verify: body.skip_certVerify ? 1 : 0,
          use_internal_addr: body.use_internal_addr ? 1 : 0,
          disabled: body.disabled ? 1 : 0,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('input', `a scanner registration named ${body.name} already exists`);
      throw err;
    }
  }

  /** PUT: an omitted or empty credential keeps the stored one while `auth` still needs one (Harbor's rule). */
  async update(uuid: string, body: RegistrationReq): Promise<void> {
    const row = await this.get(uuid);
    if (row.builtin === 1) throw new DeniedError('input', 'the built-in scanner registration cannot be changed');
    const authMode = body.auth ?? '';
    const keep = authMode !== '' && !body.access_credential && row.access_credential !== '';
    const auth = keep ? authMode : checkAuth(authMode, body.access_credential);
    try {
      await this.db
        .updateTable('scanner_registrations')
        .set({
          name: body.name,
          description: body.description ?? '',
          url: body.url,
          auth,
          access_credential: auth === '' ? '' : keep ? row.access_credential : this.deps.engines.secrets.seal(body.access_credential ?? ''),
          skip_cert_verify: body.skip_certVerify ? 1 : 0,
          use_internal_addr: body.use_internal_addr ? 1 : 0,
          disabled: body.disabled ? 1 : 0,
          // A new address may be another adapter: what was read of the old one no longer holds.
          ...(body.url !== row.url ? { metadata: '', adapter: '', vendor: '', version: '' } : {}),
          updated_at: this.deps.clock.now(),
        })
        .where('id', '=', row.id)
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('input', `a scanner registration named ${body.name} already exists`);
      throw err;
    }
  }

  async delete(uuid: string): Promise<ScannerRegistrationRow> {
    const row = await this.get(uuid);
    if (row.builtin === 1) throw new DeniedError('input', 'the built-in scanner registration cannot be deleted');
    if (row.is_default === 1) throw new DeniedError('input', 'the default scanner registration cannot be deleted; make another one the default first');
    await this.db.deleteFrom('scanner_registrations').where('id', '=', row.id).execute();
    return row;
  }

  /** PATCH `{is_default: true}`: this one becomes the only default. */
  async setDefault(uuid: string, isDefault: boolean): Promise<void> {
    const row = await this.get(uuid);
    if (!isDefault) {
      if (row.is_default === 1) throw new InvalidInputError('input', 'a default scanner is always set: make another registration the default instead');
      return;
    }
    if (row.disabled === 1) throw new InvalidInputError('input', 'a disabled scanner registration cannot be the default');
    const now = this.deps.clock.now();
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('scanner_registrations').set({ is_default: 0, updated_at: now }).where('is_default', '=', 1).where('id', '!=', row.id).execute();
      await trx.updateTable('scanner_registrations').set({ is_default: 1, updated_at: now }).where('id', '=', row.id).execute();
    });
  }

  /** The adapter's metadata, read now; the registration keeps what it read (adapter, vendor, version, capabilities). */
  async metadata(row: ScannerRegistrationRow): Promise<ScannerAdapterMetadata> {
    const metadata = await engineFor(row, this.deps.engines).metadata();
    await this.db
      .updateTable('scanner_registrations')
      .set({
        metadata: JSON.stringify(metadata),
        adapter: metadata.scanner.name.slice(0, 255),
        vendor: metadata.scanner.vendor.slice(0, 255),
        version: metadata.scanner.version.slice(0, 255),
      })
      .where('id', '=', row.id)
      .execute();
    return metadata;
  }

  /** "healthy" when the adapter answers its metadata, else "unhealthy" (Harbor's health field). */
  async health(row: ScannerRegistrationRow): Promise<string> {
    try {
      await this.metadata(row);
      return 'healthy';
    } catch {
      return 'unhealthy';
    }
  }

  /** POST /scanners/ping: reads the metadata of settings not yet saved. */
  ping(settings: { url: string; auth?: AdapterAuth | undefined; access_credential?: string | undefined }): Promise<ScannerAdapterMetadata> {
    const auth = checkAuth(settings.auth ?? '', settings.access_credential);
    return adapterClient(settings.url, auth, settings.access_credential ?? '', false, this.deps.engines).metadata();
  }

  /** GET /projects/{p}/scanner: the project's choice, else the default. */
  async ofProject(projectId: number): Promise<ScannerRegistrationRow | undefined> {
    return repo.projectRegistration(this.db, projectId);
  }

  async setForProject(projectId: number, uuid: string): Promise<void> {
    const row = await repo.findRegistration(this.db, uuid);
    if (!row) throw new InvalidInputError('input', `scanner registration ${uuid} not found`);
    if (row.disabled === 1) throw new InvalidInputError('input', `scanner registration ${row.name} is disabled`);
    await this.db
      .insertInto('project_scanners')
      .values({ project_id: projectId, registration_id: row.id })
      .onConflict((oc) => oc.column('project_id').doUpdateSet({ registration_id: row.id }))
      .execute();
  }
}

function checkAuth(auth: AdapterAuth, credential: string | undefined): AdapterAuth {
  if (auth !== '' && !credential) throw new InvalidInputError('input', `access_credential is required when auth is ${auth}`);
  if (auth === 'Basic' && credential && !credential.includes(':')) throw new InvalidInputError('input', 'access_credential of Basic auth is user:password');
  return auth;
}
