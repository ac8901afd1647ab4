import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { apiTypesSource } from '../testing/api-types.js';

describe("the portal's API types", () => {
  it('are the ones generated from the current OpenAPI document (npm run api-types)', async () => {
    const committed = readFileSync(new URL('../../web/src/api/schema.d.ts', import.meta.url), 'utf8');
    assert.equal(committed, await apiTypesSource(), 'web/src/api/schema.d.ts is stale: run npm run api-types');
  });
});
