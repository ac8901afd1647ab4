/** One entry of a robot's permission list: what it may do, and where. */
export interface RobotGrant {
  /** A project name, `*` for every project, or `/` for the system itself. */
  namespace: string;
  access: ReadonlyArray<{ resource: string; action: string }>;
  /** Repository name patterns (inside the project) the grant is narrowed to; null for all. */
  repositoryPatterns: readonly string[] | null;
}

/** Who is making a request. */
export type Identity =
  | { kind: 'anonymous' }
  | { kind: 'user'; id: number; username: string; sysadmin: boolean }
  | { kind: 'robot'; id: number; name: string; level: 'system' | 'project'; projectId: number | null; grants: readonly RobotGrant[] };

export const ANONYMOUS: Identity = Object.freeze({ kind: 'anonymous' });

/** The name audit logs and tokens carry: username, robot name, or '' for anonymous. */
export function identityName(identity: Identity): string {
  switch (identity.kind) {
    case 'user':
      return identity.username;
    case 'robot':
      return identity.name;
    case 'anonymous':
      return '';
  }
}

/**
 * Which account, by id: `user:5`, `robot:3`; undefined for anonymous. Tokens carry it, so a
 * token names the account it was issued to, not merely a name a later account may reuse.
 */
export function accountRef(identity: Identity): string | undefined {
  return identity.kind === 'anonymous' ? undefined : `${identity.kind}:${identity.id}`;
}

export function isSysadmin(identity: Identity): boolean {
  return identity.kind === 'user' && identity.sysadmin;
}
