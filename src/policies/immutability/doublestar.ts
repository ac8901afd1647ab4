/**
 * Doublestar patterns as Harbor's rules use them: `**` spans path segments, `*` and `?` stay
 * within one, `{a,b}` offers alternatives.
 */
export function doublestarMatch(pattern: string, text: string): boolean {
  return compile(pattern).test(text);
}

const cache = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let regex = cache.get(pattern);
  if (regex) return regex;
  let out = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '{') {
      out += '(?:';
      depth++;
    } else if (ch === '}' && depth > 0) {
      out += ')';
      depth--;
    } else if (ch === ',' && depth > 0) out += '|';
    else out += ch.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  regex = new RegExp(`^${out}${')'.repeat(depth)}$`);
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, regex);
  return regex;
}
