import type { InstalledPackage } from '../../inventory/types.js';
import { cleanString, defineAnalyzer } from './define-analyzer.js';
import { headerValue, readHeaders } from './headers.js';
import { purl } from './purl.js';

/** METADATA carries the long description after the headers; a few MiB covers the largest seen, and only the headers are read. */
const MAX_METADATA_BYTES = 8 * 1024 * 1024;
const MAX_HEADER_LINES = 2000;
/** Some projects paste the whole licence text into `License:`; that is not a licence name. */
const MAX_LICENSE_LENGTH = 100;

/**
 * Installed Python distributions from their core metadata: wheels' `*.dist-info/METADATA`,
 * setuptools' `*.egg-info/PKG-INFO` (or a single-file `*.egg-info`), and `EGG-INFO/PKG-INFO`
 * inside an unpacked egg. Zipped `*.egg` files are not opened.
 */
export const pypiAnalyzer = defineAnalyzer({
  name: 'pypi',
  maxBytes: MAX_METADATA_BYTES,
  wants: (path) =>
    path.endsWith('.dist-info/METADATA') ||
    path.endsWith('.egg-info/PKG-INFO') ||
    path.endsWith('.egg-info') ||
    path === 'EGG-INFO/PKG-INFO' ||
    path.endsWith('/EGG-INFO/PKG-INFO'),
  parse(file) {
    const headers = readHeaders(file.content.toString('utf8'), { fold: 'newline', maxLines: MAX_HEADER_LINES });
    const rawName = cleanString(headerValue(headers, 'Name'));
    const version = cleanString(headerValue(headers, 'Version'));
    if (rawName === undefined || version === undefined) return [];
    const name = normalizePypiName(rawName);
    if (name === '') return [];
    const licenses = pypiLicenses(headers);
    const pkg: InstalledPackage = {
      type: 'pypi',
      name,
      version,
      purl: purl('pypi', undefined, name, version),
      path: file.path,
      ...(licenses.length > 0 ? { licenses } : {}),
    };
    return [pkg];
  },
});

/** PEP 503: lower case, every run of `-`, `_` and `.` becomes one `-` (the purl spec's pypi rule agrees). */
export function normalizePypiName(name: string): string {
  let out = '';
  let inRun = false;
  for (const char of name.toLowerCase()) {
    if (char === '-' || char === '_' || char === '.') {
      if (!inRun) out += '-';
      inRun = true;
    } else {
      out += char;
      inRun = false;
    }
  }
  return out;
}

/** Metadata 2.4's `License-Expression`, else a short `License:`, else the `License ::` trove classifiers' last part. */
function pypiLicenses(headers: readonly [string, string][]): string[] {
  const expression = cleanString(headerValue(headers, 'License-Expression'), MAX_LICENSE_LENGTH);
  if (expression !== undefined) return [expression];
  const license = cleanString(headerValue(headers, 'License'), MAX_LICENSE_LENGTH);
  if (license !== undefined && license.toUpperCase() !== 'UNKNOWN') return [license];
  const out: string[] = [];
  for (const [key, value] of headers) {
    if (key.toLowerCase() !== 'classifier' || !value.startsWith('License ::')) continue;
    const last = cleanString(value.slice(value.lastIndexOf('::') + 2), MAX_LICENSE_LENGTH);
    if (last !== undefined && last !== 'OSI Approved' && !out.includes(last)) out.push(last);
    if (out.length >= 8) break;
  }
  return out;
}
