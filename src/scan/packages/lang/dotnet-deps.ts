import type { InstalledPackage } from '../../inventory/types.js';
import { cleanString, defineAnalyzer, isRecord, parseJsonObject } from './define-analyzer.js';
import { purl } from './purl.js';

const MAX_DEPS_JSON_BYTES = 16 * 1024 * 1024;
const MAX_LIBRARIES = 50_000;

/**
 * NuGet packages of a published .NET application, from its `<app>.deps.json`: the `libraries`
 * object keyed `Name/Version`, where entries of `type: "package"` came from NuGet (`project`
 * entries are the application's own projects, `reference` entries plain assemblies).
 */
export const dotnetDepsAnalyzer = defineAnalyzer({
  name: 'dotnet-deps',
  maxBytes: MAX_DEPS_JSON_BYTES,
  wants: (path) => path.endsWith('.deps.json'),
  parse(file) {
    const json = parseJsonObject(file.content);
    if (json === undefined || !isRecord(json.libraries)) return [];
    const out: InstalledPackage[] = [];
    for (const [key, library] of Object.entries(json.libraries).slice(0, MAX_LIBRARIES)) {
      if (!isRecord(library) || library.type !== 'package') continue;
      const slash = key.indexOf('/');
      const name = cleanString(key.slice(0, slash));
      const version = cleanString(key.slice(slash + 1));
      if (slash <= 0 || name === undefined || version === undefined) continue;
      out.push({ type: 'nuget', name, version, purl: purl('nuget', undefined, name, version), path: file.path });
    }
    return out;
  },
});
