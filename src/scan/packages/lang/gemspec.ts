import type { InstalledPackage } from '../../inventory/types.js';
import { baseName, defineAnalyzer } from './define-analyzer.js';
import { purl } from './purl.js';

const MAX_GEMSPEC_BYTES = 1024 * 1024;
const MAX_LINES = 5000;
const MAX_LICENSES = 8;

/**
 * Installed Ruby gems from the specifications RubyGems writes on install
 * (`…/specifications/<gem>-<version>.gemspec`, default gems under `specifications/default/`):
 * Ruby source whose assignments are one per line, `s.name = "rake".freeze`,
 * `s.version = "13.0.6"`, `s.licenses = ["MIT".freeze]`. Only those literal forms are read; the
 * file is never evaluated.
 */
export const gemspecAnalyzer = defineAnalyzer({
  name: 'gemspec',
  maxBytes: MAX_GEMSPEC_BYTES,
  wants: (path) => path.endsWith('.gemspec') && (path.includes('/specifications/') || path.startsWith('specifications/')),
  parse(file) {
    let name: string | undefined;
    let version: string | undefined;
    let licenses: string[] = [];
    let start = 0;
    const text = file.content.toString('utf8');
    for (let lines = 0; start < text.length && lines < MAX_LINES; lines++) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      const line = text.slice(start, end).trim();
      start = end + 1;
      const assignment = attributeAssignment(line);
      if (assignment === undefined) continue;
      const [attribute, value] = assignment;
      if (attribute === 'name') name ??= quotedStrings(value, 1)[0];
      else if (attribute === 'version') version ??= quotedStrings(value, 1)[0];
      else if (attribute === 'licenses' || attribute === 'license') licenses = licenses.length > 0 ? licenses : quotedStrings(value, MAX_LICENSES);
    }
    if (name === undefined || version === undefined) return [];
    if (!baseName(file.path).startsWith(`${name}-`)) return [];
    const pkg: InstalledPackage = {
      type: 'gemspec',
      name,
      version,
      purl: purl('gem', undefined, name, version),
      path: file.path,
      ...(licenses.length > 0 ? { licenses } : {}),
    };
    return [pkg];
  },
});

/** `s.name = …` → ['name', '…']: an identifier, a dot, an attribute, `=` (not `==`). */
function attributeAssignment(line: string): [string, string] | undefined {
  const dot = line.indexOf('.');
  const equals = line.indexOf('=');
  if (dot <= 0 || equals <= dot + 1 || line[equals + 1] === '=') return undefined;
  const receiver = line.slice(0, dot);
  const attribute = line.slice(dot + 1, equals).trim();
  if (!isIdentifier(receiver) || !isIdentifier(attribute)) return undefined;
  return [attribute, line.slice(equals + 1).trim()];
}

function isIdentifier(text: string): boolean {
  if (text === '' || text.length > 64) return false;
  for (const char of text) {
    if (!((char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z') || (char >= '0' && char <= '9') || char === '_')) return false;
  }
  return true;
}

/** The first `max` double- or single-quoted literals of a Ruby expression (no escapes occur in names, versions or licence ids). */
function quotedStrings(expression: string, max: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < expression.length && out.length < max) {
    const quote = expression[i];
    if (quote !== '"' && quote !== "'") {
      i++;
      continue;
    }
    const close = expression.indexOf(quote, i + 1);
    if (close === -1) break;
    const value = expression.slice(i + 1, close).trim();
    if (value !== '' && value.length <= 128) out.push(value);
    i = close + 1;
  }
  return out;
}
