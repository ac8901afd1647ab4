import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

function catalogue(name: string): Record<string, string> {
  return JSON.parse(readFileSync(new URL(`./${name}.json`, import.meta.url), 'utf8')) as Record<string, string>;
}

describe("the portal's string catalogues", () => {
  const en = catalogue('en');
  const zh = catalogue('zh-CN');

  it('have the same keys in English and Chinese', () => {
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  });

  it('have no empty strings and the same placeholders in each language', () => {
    for (const [key, text] of Object.entries(en)) {
      assert.ok(text.trim() && zh[key]?.trim(), `${key} is empty`);
      const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
      assert.deepEqual(placeholders(zh[key] ?? ''), placeholders(text), `${key} has other placeholders in zh-CN`);
    }
  });
});
