import type { FastifyRequest } from 'fastify';
import { type AccessControl, type RepositoryAction, parseAuthorization, type Authenticator, type Identity, type TokenClaims } from '../auth/index.js';
import type { Database, Project } from '../platform/db/index.js';
import { OciError } from '../platform/errors/index.js';
import { isValidRepositoryName, splitRepositoryName } from '../platform/lib/index.js';
import { TtlCache } from '../platform/lib/index.js';
import type { Clock } from '../platform/clock.js';
import { findProjectByName, listProjects } from '../projects/index.js';

export interface Caller {
  identity: Identity;
  /** Present when the request carried a registry token: it bounds what the caller may do. */
  token?: TokenClaims;
  /** Where the token service lives, for challenges. */
  realm: string;
}

/** Tokens issued before a project was (re)created must not open the new project of the same name. */
const ISSUED_AT_LEEWAY_SECONDS = 60;

/** How long a project's row (its visibility, its creation time) is used without a database read. */
const PROJECT_CACHE_MS = 5_000;

/** Authentication and authorization of /v2/ requests. */
export class RegistryGuard {
  private readonly projects: TtlCache<Project>;

  constructor(
    private readonly database: Database,
    private readonly authenticator: Authenticator,
    private readonly access: AccessControl,
    private readonly service: string,
    private readonly externalUrl: string | undefined,
    clock: Clock,
  ) {
    this.projects = new TtlCache<Project>(PROJECT_CACHE_MS, 10_000, () => clock.now());
    access.onProjectsChanged(() => this.projects.clear());
  }

  private project(name: string): Promise<Project | undefined> {
    return this.projects.getOrLoad(name, () => findProjectByName(this.database.db, name));
  }

  async caller(request: FastifyRequest): Promise<Caller> {
    const realm = `${this.baseUrl(request)}/service/token`;
    const auth = await this.authenticator.authenticate(parseAuthorization(request.headers.authorization), request.ip);
    if (!auth.ok && auth.retryAfterSeconds !== undefined) {
      throw new OciError('TOOMANYREQUESTS', undefined, auth.reason, { 'retry-after': String(auth.retryAfterSeconds) });
    }
    if (!auth.ok) throw this.challenge(realm, undefined, auth.reason);
    return { identity: auth.identity, token: auth.token, realm };
  }

  /** `/v2/` itself: any authenticated caller; anonymous callers are told where to get a token. */
  requireAuthenticated(caller: Caller): void {
    if (caller.identity.kind === 'anonymous' && !caller.token) throw this.challenge(caller.realm, undefined);
  }

  /**
   * The project of `name` when the caller may perform `action` there; otherwise the right 4xx.
   * `mountFrom`, a mount's source repository: a challenge asks for pull there too, so the token
   * a client fetches for the challenge's scope lets the mount happen instead of an upload.
   */
  async authorize(caller: Caller, name: string, action: RepositoryAction, mountFrom?: string): Promise<Project> {
    if (!isValidRepositoryName(name)) throw new OciError('NAME_INVALID', { name }, `invalid repository name "${name}"`);
    const parts = splitRepositoryName(name);
    const anonymous = caller.identity.kind === 'anonymous';
    let scope = `repository:${name}:${action === 'push' ? 'pull,push' : action}`;
    if (mountFrom !== undefined && mountFrom !== name && isValidRepositoryName(mountFrom)) scope += ` repository:${mountFrom}:pull`;
    // Such a name can never exist, so telling anyone reveals nothing. 404 and not 400: a push
    // starts with a HEAD, whose answer has no body, and clients go on to the POST only after a
    // 404; that one's message is what `docker push` and `podman push` print.
    if (!parts) throw new OciError('NAME_UNKNOWN', { name }, `repository "${name}" names no project: use <project>/${name}, e.g. library/${name}`);
    const project = await this.project(parts.project);
    if (!project) {
      // Existence is only revealed to callers who signed in.
      if (anonymous) throw this.challenge(caller.realm, scope);
      throw new OciError(
        'NAME_UNKNOWN',
        { project: parts.project },
        `project "${parts.project}" does not exist: create it, or use a project that does, e.g. library/${parts.path}`,
      );
    }
    if ((await this.allowed(caller, name, project)).has(action)) {
      // A proxy cache project holds only what its upstream has (Harbor refuses pushes there too).
      if (action === 'push' && project.registry_id !== null) {
        throw new OciError('DENIED', { name, action }, `can not push artifact to a proxy project: ${project.name} is a proxy cache of another registry`);
      }
      return project;
    }
    // Signing in, or a token with this scope, would help: challenge. Otherwise the caller
    // may simply not do this, and is told so with DENIED.
    if (anonymous) throw this.challenge(caller.realm, scope, caller.token ? 'insufficient_scope' : undefined);
    if (caller.token && (await this.access.repositoryActions(caller.identity, project, name)).has(action)) {
      throw this.challenge(caller.realm, scope, 'insufficient_scope');
    }
    throw new OciError('DENIED', { name, action }, `not allowed to ${action} ${name}`);
  }

  /** Whether the caller may pull from the repository; used where refusal is not an error (mounts). */
  async canPull(caller: Caller, name: string): Promise<Project | undefined> {
    const parts = splitRepositoryName(name);
    if (!parts || !isValidRepositoryName(name)) return undefined;
    const project = await this.project(parts.project);
    return project && (await this.allowed(caller, name, project)).has('pull') ? project : undefined;
  }

  /** Of the given repository names, those the caller may pull (the catalog shows only these). */
  async pullable(caller: Caller, names: string[]): Promise<string[]> {
    if (caller.token && !caller.token.access.some((a) => a.type === 'registry' && a.name === 'catalog' && a.actions.includes('*'))) {
      throw this.challenge(caller.realm, 'registry:catalog:*', 'insufficient_scope');
    }
    const out: string[] = [];
    for (const name of names) {
      const project = await this.project(splitRepositoryName(name)?.project ?? '');
      if (project && (await this.access.repositoryActions(caller.identity, project, name)).has('pull')) out.push(name);
    }
    return out;
  }

  /** Projects in which the caller may pull at least something. */
  async readableProjects(caller: Caller): Promise<Project[]> {
    const projects = await listProjects(this.database.db);
    const readable: Project[] = [];
    for (const project of projects) {
      if ((await this.access.forProject(caller.identity, project)).can('repository', 'pull')) readable.push(project);
    }
    return readable;
  }

  /** Current permissions, narrowed to the token's grant when a token is used. */
  private async allowed(caller: Caller, name: string, project: Project): Promise<Set<RepositoryAction>> {
    const allowed = await this.access.repositoryActions(caller.identity, project, name);
    const token = caller.token;
    if (!token) return allowed;
    if (token.iat + ISSUED_AT_LEEWAY_SECONDS < Math.floor(project.created_at / 1000)) return new Set();
    const granted = new Set(token.access.filter((a) => a.type === 'repository' && a.name === name).flatMap((a) => a.actions));
    return new Set([...allowed].filter((a) => granted.has(a)));
  }

  private challenge(realm: string, scope: string | undefined, error?: string): OciError {
    let header = `Bearer realm="${realm}",service="${this.service}"`;
    if (scope) header += `,scope="${scope}"`;
    if (error === 'insufficient_scope') header += `,error="insufficient_scope"`;
    return new OciError('UNAUTHORIZED', scope ? { scope } : {}, undefined, { 'www-authenticate': header });
  }

  private baseUrl(request: FastifyRequest): string {
    if (this.externalUrl) return this.externalUrl.replace(/\/$/, '');
    return `${request.protocol}://${request.host}`;
  }
}
