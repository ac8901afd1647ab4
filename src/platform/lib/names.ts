/**
 * Repository names per the distribution spec: path components of lowercase alphanumerics
 * joined by separators, at most 255 characters. Berth names are `<project>/<repo...>`.
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export const MAX_NAME_LENGTH = 255;

export function isValidRepositoryName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** `library/nginx/base` → project `library`, repository path `nginx/base`. */
export function splitRepositoryName(name: string): { project: string; path: string } | undefined {
  const slash = name.indexOf('/');
  if (slash <= 0) return undefined;
  return { project: name.slice(0, slash), path: name.slice(slash + 1) };
}
