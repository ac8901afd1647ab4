import type { SecretBox } from '../../platform/secrets/index.js';

/**
 * Short-lived state of a sign-in kept in the browser rather than on one instance: sealed by the
 * SecretBox (encrypted and authenticated), so any instance can read it and nobody can forge or
 * read it, with its own expiry inside.
 */
export function sealState(secrets: SecretBox, value: object, expiresAt: number): string {
  return encodeURIComponent(secrets.seal(JSON.stringify({ value, expiresAt })));
}

export function openState<T>(secrets: SecretBox, cookie: string | undefined, now: number): T | undefined {
  if (!cookie) return undefined;
  let opened: string | undefined;
  try {
    opened = secrets.open(decodeURIComponent(cookie));
  } catch {
    return undefined;
  }
  if (!opened) return undefined;
  try {
    const parsed = JSON.parse(opened) as { value: T; expiresAt: number };
    return typeof parsed.expiresAt === 'number' && parsed.expiresAt > now ? parsed.value : undefined;
  } catch {
    return undefined;
  }
}
