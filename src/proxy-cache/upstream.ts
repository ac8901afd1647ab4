import type { Config } from '../platform/config/index.js';
import type { Clock } from '../platform/clock.js';
import type { Database, RegistryRow } from '../platform/db/index.js';
import { OciError } from '../platform/errors/index.js';
import { TtlCache } from '../platform/lib/index.js';
import { RegistryClient, RegistryError } from '../platform/registry-client/index.js';
import type { SecretBox } from '../platform/secrets/index.js';
import { RegistryService } from '../replication/index.js';

/** How long an endpoint's row is trusted before it is read again (an edited endpoint is picked up after this). */
const ENDPOINT_CACHE_MS = 5_000;

export interface Upstream {
  client: RegistryClient;
  /** The upstream's name for a repository of the proxy project. */
  repository(name: string): string;
}

/**
 * One RegistryClient per endpoint, kept while the endpoint is unchanged: the client caches the
 * upstream's tokens until they expire, so a burst of pulls signs in once (Harbor signs in to
 * Docker Hub on every pull and runs into its limits, goharbor/harbor#23750).
 */
export class UpstreamClients {
  private readonly registries: RegistryService;
  private readonly rows: TtlCache<RegistryRow>;
  private readonly clients = new Map<number, { client: RegistryClient; updatedAt: number }>();

  constructor(private readonly deps: { database: Database; clock: Clock; secrets: SecretBox; config: Pick<Config, 'awsEcr'> }) {
    this.registries = new RegistryService({ database: deps.database, clock: deps.clock, secrets: deps.secrets, awsEcr: deps.config.awsEcr });
    this.rows = new TtlCache<RegistryRow>(ENDPOINT_CACHE_MS, 1_000, () => deps.clock.now());
  }

  async forEndpoint(registryId: number): Promise<Upstream> {
    const row = await this.rows.getOrLoad(String(registryId), () => this.registries.get(registryId));
    if (!row) throw new OciError('UNAVAILABLE', { registryId }, `the proxy cache's registry endpoint ${registryId} is gone`);
    let held = this.clients.get(registryId);
    if (!held || held.updatedAt !== row.updated_at) {
      held?.client.close();
      held = { client: new RegistryClient(await this.registries.connection(registryId), this.deps.clock), updatedAt: row.updated_at };
      this.clients.set(registryId, held);
    }
    return { client: held.client, repository: (name) => upstreamRepository(row.type, name) };
  }

  close(): void {
    for (const { client } of this.clients.values()) client.close();
    this.clients.clear();
  }
}

/** `<project>/a/b` is `a/b` upstream; Docker Hub keeps its official images under `library/`. */
export function upstreamRepository(endpointType: string, name: string): string {
  const path = name.slice(name.indexOf('/') + 1);
  return endpointType === 'docker-hub' && !path.includes('/') ? `library/${path}` : path;
}

/**
 * A failure the cached copy answers instead: any the upstream registry caused (429, 5xx, no
 * answer, but also a sign-in that fails, as Docker Hub's token service does under load,
 * goharbor/harbor#23750). What was cached was fetched with the endpoint's rights; a tag the
 * upstream says is gone (a clean "not found") is not a failure and is not served.
 */
export function isUpstreamUnavailable(error: unknown): boolean {
  return error instanceof RegistryError;
}

/** The upstream's failure as the client should see it, when nothing cached can answer instead. */
export function upstreamFailure(error: unknown, what: 'manifest' | 'blob'): unknown {
  if (!(error instanceof RegistryError)) return error;
  const detail = { upstream: error.message };
  if (error.status === 429) return new OciError('TOOMANYREQUESTS', detail, `the upstream registry is rate-limiting pulls and the ${what} is not cached yet`);
  if (error.status === 404) return new OciError(what === 'blob' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN', detail);
  if (error.status === 401 || error.status === 403)
    return new OciError('DENIED', detail, `the upstream registry refused the proxy cache's credentials: ${error.message}`);
  return new OciError('UNAVAILABLE', detail, `the upstream registry cannot be reached and the ${what} is not cached yet: ${error.message}`);
}
