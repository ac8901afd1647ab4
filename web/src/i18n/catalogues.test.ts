import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogueAreas, portalCatalogue } from '../../../src/testing/portal-catalogues.js';

describe("the portal's string catalogues", () => {
  const en = portalCatalogue('en');
  const zh = portalCatalogue('zh-CN');

  it('come in pairs: every area has English and Chinese', () => {
    for (const { area, languages } of catalogueAreas()) assert.deepEqual(languages, ['en', 'zh-CN'], `area ${area}`);
  });

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
