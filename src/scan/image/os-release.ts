import type { OperatingSystem } from '../inventory/types.js';

/** The files the OS is read from; the walker keeps their text, subject to whiteouts like any file. */
export const OS_FILES = new Set(['etc/os-release', 'usr/lib/os-release', 'etc/alpine-release', 'etc/debian_version', 'etc/apk/repositories', 'etc/redhat-release']);
export const MAX_OS_FILE_BYTES = 64 * 1024;

/** `KEY=value` lines of os-release(5), with shell quoting undone. */
function parseOsRelease(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z0-9_]+)=(.*?)\s*$/.exec(line);
    if (!match) continue;
    let value = match[2] as string;
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
      value = value.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    }
    fields.set(match[1] as string, value);
  }
  return fields;
}

/** The newest branch `etc/apk/repositories` names: `edge`, or `3.18` for `…/alpine/v3.18/main`. */
function apkBranch(text: string): string | undefined {
  let branch: string | undefined;
  for (const line of text.split('\n')) {
    const match = /\/alpine\/(edge|v\d+\.\d+)\//.exec(line.trim().startsWith('#') ? '' : line);
    if (!match) continue;
    const found = match[1] === 'edge' ? 'edge' : (match[1] as string).slice(1);
    if (branch === undefined || found === 'edge') branch = found;
  }
  return branch;
}

const REDHAT = /^(.*?) (?:Linux )?release (\d[\w.]*)/;
const REDHAT_FAMILIES: [RegExp, string][] = [
  [/^centos/i, 'centos'],
  [/^red hat/i, 'rhel'],
  [/^fedora/i, 'fedora'],
  [/^rocky/i, 'rocky'],
  [/^alma/i, 'almalinux'],
  [/^oracle/i, 'ol'],
];

/**
 * The image's OS as Trivy reads it: os-release first (`etc/` over `usr/lib/`), then the
 * distribution's own release files; on Alpine the repository branch wins over alpine-release
 * (an image upgraded to edge keeps its old alpine-release).
 */
export function detectOs(files: ReadonlyMap<string, string>): OperatingSystem | undefined {
  const release = files.get('etc/os-release') ?? files.get('usr/lib/os-release');
  const fields = release === undefined ? new Map<string, string>() : parseOsRelease(release);
  let family = fields.get('ID')?.toLowerCase();
  let version = fields.get('VERSION_ID');
  const prettyName = fields.get('PRETTY_NAME');

  const alpine = files.get('etc/alpine-release')?.trim();
  if (!family && alpine) family = 'alpine';
  if (family === 'alpine' && !version && alpine) version = alpine;
  const debian = files.get('etc/debian_version')?.trim();
  if (!family && debian) family = 'debian';
  if (family === 'debian' && !version && debian) version = debian;
  const redhat = REDHAT.exec(files.get('etc/redhat-release')?.trim() ?? '');
  if (!family && redhat) {
    family = REDHAT_FAMILIES.find(([pattern]) => pattern.test(redhat[1] as string))?.[1];
    version = redhat[2];
  }

  const repositories = files.get('etc/apk/repositories');
  if (family === 'alpine' && repositories !== undefined) {
    const branch = apkBranch(repositories);
    if (branch === 'edge') version = 'edge';
    else if (branch && !(version ?? '').startsWith(`${branch}.`) && version !== branch) version = branch;
  }
  if (!family || !version) return undefined;
  return { family, version, ...(prettyName ? { prettyName } : {}) };
}
