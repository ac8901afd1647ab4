import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { assertMatchesHarbor, checkHarbor, describeSkipReason, harborSchemaAvailable } from '../testing/harbor-schema.js';

const project = {
  project_id: 1,
  name: 'library',
  owner_id: 1,
  creation_time: '2026-01-01T00:00:00.000Z',
  metadata: { public: 'true' },
  current_user_role_ids: [1],
  cve_allowlist: { items: [{ cve_id: 'CVE-2020-1' }], expires_at: null },
};

if (!harborSchemaAvailable()) {
  test.skip(describeSkipReason());
} else {
  describe('the Harbor response validator', () => {
    it('accepts a value of the right shape and lists the fields Harbor does not have', () => {
      assert.deepEqual(assertMatchesHarbor('Project', { ...project, berth_extra: 1 }), { unknownFields: ['$.berth_extra'] });
      assert.deepEqual(assertMatchesHarbor('Project', [project, { ...project, chart_count: 0 }], { array: true }), { unknownFields: ['$[].chart_count'] });
    });

    it('fails on a wrong type anywhere, naming the path', () => {
      assert.throws(() => assertMatchesHarbor('Project', { ...project, project_id: '1' }), /\$\.project_id: expected integer, got string/);
      assert.throws(() => assertMatchesHarbor('Project', { ...project, metadata: { public: true } }), /\$\.metadata\.public: expected string, got boolean/);
      assert.throws(() => assertMatchesHarbor('Project', { ...project, current_user_role_ids: [1.5] }), /current_user_role_ids\[0\]: expected integer/);
      assert.throws(() => assertMatchesHarbor('Project', { ...project, cve_allowlist: { items: [{ cve_id: 7 }] } }), /cve_allowlist\.items\[0\]\.cve_id/);
      assert.throws(() => assertMatchesHarbor('Project', { ...project, creation_time: 'yesterday' }), /date-time/);
      assert.throws(() => assertMatchesHarbor('Project', project, { array: true }), /expected array, got object/);
    });

    it('allows null only where Harbor marks a field nullable', () => {
      assert.deepEqual(checkHarbor('GeneralInfo', { harbor_version: null }).errors, []);
      assert.deepEqual(checkHarbor('Project', { ...project, registry_id: null }).errors, ['$.registry_id: expected integer, got null']);
    });

    it('refuses a definition Harbor does not have', () => {
      assert.throws(() => assertMatchesHarbor('NoSuchThing', {}), /no definition named NoSuchThing/);
    });
  });
}
