/** Who is making a request. Later kinds (robots, OIDC) join this union. */
export type Identity =
  | { kind: 'anonymous' }
  | { kind: 'user'; id: number; username: string; sysadmin: boolean };

export const ANONYMOUS: Identity = Object.freeze({ kind: 'anonymous' });

export function identityName(identity: Identity): string {
  return identity.kind === 'user' ? identity.username : '';
}
