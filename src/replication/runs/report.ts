import type { Executor } from '../../platform/db/index.js';
import { policyOf } from '../policies/schema.js';
import { REPLICATION_VENDOR } from '../policies/service.js';
import { harborStatus } from './shapes.js';
import { COPY_TASK, type CopyParams } from './start.js';

/** The endpoint on the far side of a run. */
export interface RemoteSide {
  readonly name: string;
  /** The adapter, as Harbor names registry types ('docker-registry', 'harbor'…). */
  readonly type: string;
  readonly url: string;
  /** 'basic', 'oauth', or '' for anonymous access. */
  readonly credentialType: string;
}

/** One artifact a run copied or failed to copy, as a project of this registry sees it. */
export interface ReportedArtifact {
  /** Succeed, Failed or Stopped. */
  readonly status: string;
  /** The repository within its namespace, with the tags or digest: `app:[v1,v2]`. */
  readonly nameTag: string;
  readonly failReason: string;
}

/** What a finished run did to the repositories of one project of this registry. */
export interface ProjectReport {
  readonly project: string;
  readonly srcNamespace: string;
  readonly destNamespace: string;
  readonly artifacts: readonly ReportedArtifact[];
}

/** A finished replication run, for the REPLICATION webhook. */
export interface RunReport {
  /** MANUAL, SCHEDULE or EVENT. */
  readonly trigger: string;
  readonly startTime: number;
  /** Succeed, Failed or Stopped. */
  readonly status: string;
  readonly policy: { readonly name: string; readonly description: string; readonly creator: string; readonly override: boolean };
  /** push: this registry is the source; pull: it is the destination. */
  readonly direction: 'push' | 'pull';
  readonly remote: RemoteSide | undefined;
  /**
   * The projects here the run touched, as Harbor chooses a replication event's project: the
   * source repository's project for a push, the destination repository's for a pull.
   */
  readonly projects: readonly ProjectReport[];
}

function namespaceOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash < 0 ? '' : repository.slice(0, slash);
}

function nameTagOf(repository: string, params: CopyParams): string {
  const name = repository.slice(repository.indexOf('/') + 1);
  return params.tags.length > 0 ? `${name}:[${params.tags.join(',')}]` : `${name}@${params.digest}`;
}

/** The report of a finished replication execution; undefined when it, or its policy, is gone. */
export async function reportRun(db: Executor, executionId: number): Promise<RunReport | undefined> {
  const execution = await db.selectFrom('executions').selectAll().where('id', '=', executionId).executeTakeFirst();
  if (!execution || execution.vendor_type !== REPLICATION_VENDOR) return undefined;
  const row = await db.selectFrom('replication_policies').selectAll().where('id', '=', Number(execution.vendor_id)).executeTakeFirst();
  if (!row) return undefined;
  const policy = policyOf(row);
  const direction = policy.srcRegistryId !== null ? 'pull' : 'push';
  const remoteId = policy.srcRegistryId ?? policy.destRegistryId;
  const registry =
    remoteId === null
      ? undefined
      : await db.selectFrom('registries').select(['name', 'type', 'url', 'credential_type', 'access_key']).where('id', '=', remoteId).executeTakeFirst();
  const copies = await db
    .selectFrom('tasks')
    .select(['params', 'status', 'status_message'])
    .where('execution_id', '=', executionId)
    .where('kind', '=', COPY_TASK)
    .orderBy('id')
    .execute();
  const projects = new Map<string, { srcNamespace: string; destNamespace: string; artifacts: ReportedArtifact[] }>();
  for (const copy of copies) {
    const params = JSON.parse(copy.params) as CopyParams;
    const local = direction === 'push' ? params.sourceRepository : params.destinationRepository;
    const project = namespaceOf(local);
    const entry = projects.get(project) ?? {
      srcNamespace: namespaceOf(params.sourceRepository),
      destNamespace: namespaceOf(params.destinationRepository),
      artifacts: [],
    };
    entry.artifacts.push({ status: harborStatus(copy.status), nameTag: nameTagOf(local, params), failReason: copy.status === 'Error' ? copy.status_message : '' });
    projects.set(project, entry);
  }
  return {
    trigger: execution.trigger,
    startTime: Number(execution.start_time),
    status: harborStatus(execution.status),
    policy: { name: policy.name, description: row.description, creator: row.created_by, override: policy.override },
    direction,
    // An endpoint without credentials is reached anonymously, whatever credential type it was saved with.
    remote: registry && { name: registry.name, type: registry.type, url: registry.url, credentialType: registry.access_key ? registry.credential_type : '' },
    projects: [...projects].map(([project, entry]) => ({ project, ...entry })),
  };
}
