import type { InstalledPackage } from '../../inventory/types.js';
import { defineAnalyzer, MAX_EXECUTABLE_BYTES } from './define-analyzer.js';
import { isExecutableFormat, readGoBuildInfo } from './go-buildinfo.js';
import { purl } from './purl.js';

const MAX_MODULES = 20_000;
const MAX_FIELD = 512;

/**
 * The modules compiled into a Go executable: the main module (unless its version is the
 * `(devel)` of a local build, which matches nothing), every `dep` (a `=>` line replaces the module
 * before it, as `go version -m` shows), and the toolchain as module `stdlib` at `v1.x.y`, the
 * name and version form the Go vulnerability database uses for the standard library.
 */
export const goBinaryAnalyzer = defineAnalyzer({
  name: 'gobinary',
  maxBytes: MAX_EXECUTABLE_BYTES,
  wants: (_path, _size, mode) => (mode & 0o111) !== 0,
  parse(file) {
    if (!isExecutableFormat(file.content)) return [];
    const info = readGoBuildInfo(file.content);
    if (info === undefined) return [];
    const packages = modulesOf(info.modInfo).map((m) => goPackage(m.path, m.version, file.path));
    const stdlib = stdlibVersion(info.goVersion);
    if (stdlib !== undefined) packages.push(goPackage('stdlib', stdlib, file.path));
    return packages;
  },
});

interface GoModule {
  path: string;
  version: string;
}

/** The `mod`, `dep` and `=>` lines of the module info, replacements applied. */
export function modulesOf(modInfo: string): GoModule[] {
  const modules: GoModule[] = [];
  let last: GoModule | undefined;
  let start = 0;
  while (start < modInfo.length && modules.length < MAX_MODULES) {
    let end = modInfo.indexOf('\n', start);
    if (end === -1) end = modInfo.length;
    const fields = modInfo.slice(start, Math.min(end, start + 4 * MAX_FIELD)).split('\t');
    start = end + 1;
    const [kind, path = '', version = ''] = fields;
    if (path.length > MAX_FIELD || version.length > MAX_FIELD) {
      last = undefined;
    } else if (kind === '=>') {
      // A replacement by a local directory (`=>\t../fork`) has no version: what it holds is unknown here, so the module is dropped.
      if (last !== undefined && path !== '' && version !== '') {
        last.path = path;
        last.version = version;
      } else if (last !== undefined && modules[modules.length - 1] === last) {
        modules.pop();
      }
      last = undefined;
    } else if ((kind === 'mod' || kind === 'dep') && path !== '' && version !== '') {
      last = { path, version };
      if (kind === 'dep' || version !== '(devel)') modules.push(last);
    } else {
      last = undefined;
    }
  }
  return modules;
}

/**
 * `go1.22.3` → `v1.22.3`; `go1.20` (a first release) → `v1.20.0`; `go1.21rc2` → `v1.21.0-rc.2`;
 * anything after a space (`go1.21.0 X:boringcrypto`) dropped. Development toolchains (`devel …`) give none.
 */
export function stdlibVersion(goVersion: string): string | undefined {
  const token = goVersion.split(' ')[0] ?? '';
  if (!token.startsWith('go1.')) return undefined;
  const rest = token.slice(2);
  let numbers = '';
  let i = 0;
  while (i < rest.length && ((rest[i] as string) === '.' || ((rest[i] as string) >= '0' && (rest[i] as string) <= '9'))) numbers += rest[i++];
  const parts = numbers.split('.');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '' || p.length > 6)) return undefined;
  while (parts.length < 3) parts.push('0');
  const suffix = rest.slice(i);
  if (suffix === '') return `v${parts.join('.')}`;
  for (const pre of ['rc', 'beta', 'alpha']) {
    const n = suffix.startsWith(pre) ? suffix.slice(pre.length) : undefined;
    if (n !== undefined && n !== '' && n.length <= 6 && [...n].every((c) => c >= '0' && c <= '9')) return `v${parts.join('.')}-${pre}.${n}`;
  }
  return undefined;
}

function goPackage(module: string, version: string, path: string): InstalledPackage {
  const slash = module.lastIndexOf('/');
  const namespace = slash > 0 ? module.slice(0, slash) : undefined;
  return { type: 'gobinary', name: module, version, purl: purl('golang', namespace, module.slice(slash + 1), version), path };
}
