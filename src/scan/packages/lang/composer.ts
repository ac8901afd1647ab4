import type { InstalledPackage } from '../../inventory/types.js';
import { cleanString, defineAnalyzer, isRecord } from './define-analyzer.js';
import { purl } from './purl.js';

const MAX_INSTALLED_JSON_BYTES = 32 * 1024 * 1024;
const MAX_PACKAGES = 20_000;
const MAX_LICENSES = 8;

/**
 * PHP packages Composer installed, from `vendor/composer/installed.json`: Composer 1 writes an
 * array of packages, Composer 2 `{"packages": [...], "dev": …, "dev-package-names": […]}`.
 * Each package has `name` (`vendor/project`), `version` as the user sees it, and `license`.
 */
export const composerAnalyzer = defineAnalyzer({
  name: 'composer',
  maxBytes: MAX_INSTALLED_JSON_BYTES,
  wants: (path) => path === 'vendor/composer/installed.json' || path.endsWith('/vendor/composer/installed.json'),
  parse(file) {
    let text = file.content.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const json: unknown = JSON.parse(text);
    const list: unknown = Array.isArray(json) ? json : isRecord(json) ? json.packages : undefined;
    if (!Array.isArray(list)) return [];
    const out: InstalledPackage[] = [];
    for (const entry of list.slice(0, MAX_PACKAGES)) {
      if (!isRecord(entry)) continue;
      const name = cleanString(entry.name, 214);
      const version = cleanString(entry.version, 128);
      const slash = name?.indexOf('/') ?? -1;
      if (name === undefined || version === undefined || slash <= 0 || slash === name.length - 1) continue;
      const licenses = Array.isArray(entry.license)
        ? entry.license.slice(0, MAX_LICENSES).flatMap((l) => cleanString(l) ?? [])
        : [cleanString(entry.license)].flatMap((l) => l ?? []);
      out.push({
        type: 'composer',
        name,
        version,
        purl: purl('composer', name.slice(0, slash), name.slice(slash + 1), version),
        path: file.path,
        ...(licenses.length > 0 ? { licenses } : {}),
      });
    }
    return out;
  },
});
