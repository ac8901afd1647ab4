// Inventories for the SBOM tests: the test machine's own Debian packages, read from its dpkg
// database the way an image's would be, and a hand-built one with a package of every type.
import { existsSync, readFileSync } from 'node:fs';
import type { ImageInventory, LayeredPackage, OperatingSystem } from '../inventory/types.js';

export const LAYER = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
export const LAYER2 = 'sha256:2222222222222222222222222222222222222222222222222222222222222222';
const DPKG_STATUS = '/var/lib/dpkg/status';
const MAX_STATUS_BYTES = 64 * 1024 * 1024;

/** This machine's installed dpkg packages as one layer's, or undefined when it has no dpkg database. */
export function machineInventory(): ImageInventory | undefined {
  if (!existsSync(DPKG_STATUS) || !existsSync('/etc/os-release')) return undefined;
  const text = readFileSync(DPKG_STATUS, 'utf8').slice(0, MAX_STATUS_BYTES);
  const osRelease = fields(readFileSync('/etc/os-release', 'utf8'), '=');
  const os: OperatingSystem = {
    family: unquote(osRelease.get('ID') ?? 'debian'),
    version: unquote(osRelease.get('VERSION_ID') ?? ''),
    prettyName: unquote(osRelease.get('PRETTY_NAME') ?? ''),
  };
  const packages: LayeredPackage[] = [];
  for (const stanza of text.split(/\n\n+/)) {
    const f = fields(stanza, ':');
    const name = f.get('Package');
    const version = f.get('Version');
    if (!name || !version || !(f.get('Status') ?? '').endsWith(' installed')) continue;
    const arch = f.get('Architecture') ?? 'all';
    const source = /^(\S+)(?: \((\S+)\))?$/.exec(f.get('Source') ?? '');
    packages.push({
      type: 'dpkg',
      name,
      version,
      arch,
      ...(source ? { sourceName: source[1]!, sourceVersion: source[2] ?? version } : {}),
      purl: `pkg:deb/${os.family}/${encodeURIComponent(name)}@${encodeURIComponent(version)}?arch=${arch}&distro=${os.family}-${os.version}`,
      path: 'var/lib/dpkg/status',
      layerDigest: LAYER,
    });
  }
  return { os, packages, layers: [{ digest: LAYER, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }] };
}

function fields(text: string, separator: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf(separator);
    if (at > 0 && !line.startsWith(' ')) out.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return out;
}

function unquote(value: string): string {
  return value.replace(/^"(.*)"$/, '$1');
}

/** Realistic packages of every package type, with licenses good and bad. */
export function everyTypeInventory(): ImageInventory {
  const pkg = (p: Omit<LayeredPackage, 'layerDigest'>, layer = LAYER2): LayeredPackage => ({ ...p, layerDigest: layer });
  return {
    os: { family: 'alpine', version: '3.19.1', prettyName: 'Alpine Linux v3.19' },
    layers: [
      { digest: LAYER, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
      { digest: LAYER2, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
    ],
    packages: [
      pkg(
        {
          type: 'apk',
          name: 'musl',
          version: '1.2.4_git20230717-r4',
          sourceName: 'musl',
          arch: 'x86_64',
          licenses: ['MIT'],
          purl: 'pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=3.19.1',
          path: 'lib/apk/db/installed',
        },
        LAYER,
      ),
      pkg(
        {
          type: 'apk',
          name: 'busybox',
          version: '1.36.1-r15',
          licenses: ['GPL-2.0-only'],
          purl: 'pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=3.19.1',
          path: 'lib/apk/db/installed',
        },
        LAYER,
      ),
      pkg({
        type: 'dpkg',
        name: 'libc6',
        version: '2.36-9+deb12u4',
        sourceName: 'glibc',
        licenses: ['GPL-2+', 'LGPL-2.1'],
        purl: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12',
        path: 'var/lib/dpkg/status',
      }),
      pkg({
        type: 'rpm',
        name: 'openssl-libs',
        version: '1:3.0.7-25.el9_3',
        licenses: ['ASL 2.0'],
        purl: 'pkg:rpm/redhat/openssl-libs@3.0.7-25.el9_3?arch=x86_64&epoch=1',
        path: 'var/lib/rpm/rpmdb.sqlite',
      }),
      pkg({
        type: 'npm',
        name: '@babel/core',
        version: '7.24.0',
        licenses: ['MIT'],
        purl: 'pkg:npm/%40babel/core@7.24.0',
        path: 'app/node_modules/@babel/core/package.json',
      }),
      pkg({
        type: 'pypi',
        name: 'requests',
        version: '2.31.0',
        licenses: ['Apache-2.0'],
        purl: 'pkg:pypi/requests@2.31.0',
        path: 'usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA',
      }),
      pkg({ type: 'gobinary', name: 'golang.org/x/net', version: 'v0.17.0', purl: 'pkg:golang/golang.org/x/net@v0.17.0', path: 'usr/local/bin/app' }),
      pkg({
        type: 'jar',
        name: 'org.apache.logging.log4j:log4j-core',
        version: '2.14.1',
        licenses: ['Apache-2.0 OR MIT', 'LicenseRef-Proprietary'],
        purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
        path: 'opt/app/lib/log4j-core-2.14.1.jar',
      }),
      pkg({
        type: 'cargo',
        name: 'serde',
        version: '1.0.197',
        licenses: ['MIT OR Apache-2.0'],
        purl: 'pkg:cargo/serde@1.0.197',
        path: 'usr/local/bin/rustapp',
      }),
      pkg({
        type: 'nuget',
        name: 'Newtonsoft.Json',
        version: '13.0.3',
        licenses: ['MIT'],
        purl: 'pkg:nuget/Newtonsoft.Json@13.0.3',
        path: 'app/app.deps.json',
      }),
      pkg({
        type: 'composer',
        name: 'monolog/monolog',
        version: '3.5.0',
        licenses: ['MIT'],
        purl: 'pkg:composer/monolog/monolog@3.5.0',
        path: 'var/www/vendor/composer/installed.json',
      }),
      pkg({
        type: 'gemspec',
        name: 'rack',
        version: '3.0.9',
        licenses: ['GPL-2.0 WITH Classpath-exception-2.0'],
        purl: 'pkg:gem/rack@3.0.9',
        path: 'usr/local/bundle/specifications/rack-3.0.9.gemspec',
      }),
    ],
  };
}
