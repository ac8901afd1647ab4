import type { OperatingSystem, PackageType } from '../../inventory/types.js';

/** The purl types of the OS package databases, by the analyzer's package type. */
const PURL_TYPES: Partial<Record<PackageType, string>> = { dpkg: 'deb', apk: 'apk', rpm: 'rpm' };

export function isOsPackageType(type: PackageType): boolean {
  return PURL_TYPES[type] !== undefined;
}

/**
 * A package URL for an OS package (purl spec: `pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=debian-12`).
 * The namespace is the OS family, which only the whole image tells, so the analyzers leave it out
 * and the layer walker renders the purl again once the OS is known. An epoch (`1:2.0-3`) goes to the
 * `epoch` qualifier, as the purl spec's rpm examples and Trivy do; qualifiers are sorted by key.
 */
export function osPurl(type: PackageType, name: string, version: string, arch: string | undefined, os?: OperatingSystem): string {
  const purlType = PURL_TYPES[type] ?? type;
  const colon = version.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(version.slice(0, colon)) ? version.slice(0, colon) : undefined;
  const bare = epoch === undefined ? version : version.slice(colon + 1);
  const qualifiers: [string, string][] = [];
  if (arch) qualifiers.push(['arch', arch]);
  if (os) qualifiers.push(['distro', `${os.family}-${os.version}`]);
  if (epoch !== undefined && epoch !== '0') qualifiers.push(['epoch', epoch]);
  qualifiers.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const namespace = os ? `${encodeURIComponent(os.family.toLowerCase())}/` : '';
  const query = qualifiers.length > 0 ? `?${qualifiers.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : '';
  return `pkg:${purlType}/${namespace}${encodeURIComponent(name)}@${encodeURIComponent(bare)}${query}`;
}
