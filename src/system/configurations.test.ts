import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { basic } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { assertMatchesHarbor, harborSchemaAvailable } from '../testing/harbor-schema.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { FIXED_KEYS, SECRET_KEYS, SETTING_KEYS, settingsSchema, type SettingKey } from '../platform/settings/index.js';

type Item = { value: unknown; editable: boolean };

/** A value of the key's type other than its default, for the round trip. */
function sample(key: SettingKey, current: unknown): unknown {
  const special: Partial<Record<SettingKey, unknown>> = {
    project_creation_restriction: 'adminonly',
    robot_name_prefix: 'bot-',
    storage_per_project: 1024 * 1024,
    disabled_audit_log_event_types: 'pull_artifact,create_tag',
    ldap_scope: 1,
    ldap_group_search_scope: 0,
    // Needs the forward endpoint, which the same request sets.
    skip_audit_log_database: true,
    read_only: false,
    // Changing the mode has rules of its own (tested below); sent back unchanged it is accepted.
    auth_mode: 'db_auth',
    // Harbor's format: a JSON object of strings.
    oidc_extra_redirect_parms: '{"prompt":"login"}',
  };
  if (key in special) return special[key];
  if (typeof current === 'boolean') return !current;
  if (typeof current === 'number') return current + 1;
  return `value of ${key}`;
}

async function expectError(res: Response, status: number, code: string, message?: RegExp): Promise<void> {
  const body = await expectJson<{ errors: Array<{ code: string; message: string }> }>(res, status);
  assert.equal(body.errors[0]?.code, code);
  if (message) assert.match(body.errors[0]?.message ?? '', message);
}

for (const dialect of testDialects()) {
  describe(`GET and PUT /configurations (${dialect.name})`, () => {
    let server: TestServer;
    const call = (method: string, path: string, options: { authorization?: string | null; body?: unknown } = {}) => api(server.url, method, path, options);
    const read = async () => expectJson<Record<string, Item>>(await call('GET', '/configurations'), 200);

    before(async () => {
      server = await startTestServer(dialect);
    });
    after(() => server.close());

    it("answers every key but the secrets in Harbor's ConfigurationsResponse shape", async (t) => {
      const config = await read();
      const check = assertMatchesHarbor('ConfigurationsResponse', config);
      if (!harborSchemaAvailable()) t.diagnostic('Harbor reference absent: shape not checked');
      // Berth's one addition; everything else is Harbor's.
      assert.deepEqual(check.unknownFields, harborSchemaAvailable() ? ['$.audit_log_retention_days'] : []);
      for (const key of SETTING_KEYS) {
        if (SECRET_KEYS.has(key)) assert.equal(config[key], undefined, `${key} is never shown`);
        else assert.deepEqual(Object.keys(config[key] ?? {}).sort(), ['editable', 'value'], key);
      }
      assert.deepEqual(config.self_registration, { value: false, editable: true });
      assert.deepEqual(config.read_only, { value: false, editable: true });
      assert.deepEqual(config.robot_name_prefix, { value: 'robot$', editable: true });
      assert.deepEqual(config.robot_token_duration, { value: 30, editable: true });
      assert.deepEqual(config.quota_per_project_enable, { value: true, editable: true });
      assert.deepEqual(config.storage_per_project, { value: -1, editable: true });
      assert.deepEqual(config.auth_mode, { value: 'db_auth', editable: true });
      assert.deepEqual(config.token_expiration, { value: 30, editable: false });
    });

    it("stores every editable key of Harbor's Configurations and answers it back; secrets are accepted, never stored in plain text and never shown", async () => {
      const before = await read();
      const body: Record<string, unknown> = { audit_log_forward_endpoint: 'syslog.example:514' };
      for (const key of SETTING_KEYS) {
        if (FIXED_KEYS.has(key) || key in body) continue;
        body[key] = SECRET_KEYS.has(key) ? 's3cret-value' : sample(key, before[key]?.value);
      }
      assert.equal(settingsSchema.partial().strict().safeParse(body).success, true, 'the samples are valid');
      await expectJson(await call('PUT', '/configurations', { body }), 200);
      const afterPut = await read();
      for (const key of SETTING_KEYS) {
        if (FIXED_KEYS.has(key)) continue;
        if (SECRET_KEYS.has(key)) assert.equal(afterPut[key], undefined, `${key} is never shown`);
        else assert.deepEqual(afterPut[key], { value: body[key], editable: true }, key);
      }
      assert.ok(!JSON.stringify(afterPut).includes('s3cret-value'), 'no secret anywhere in the answer');
      const stored = await server.database.db.selectFrom('settings').select(['name', 'value']).execute();
      assert.ok(!JSON.stringify(stored).includes('s3cret-value'), 'no secret stored in plain text');
      const sealed = await server.database.db.selectFrom('sealed_settings').select(['name', 'value']).orderBy('name').execute();
      assert.deepEqual(
        sealed.map((row) => row.name),
        [...SECRET_KEYS].sort(),
        'every secret is kept, sealed',
      );
      assert.ok(!JSON.stringify(sealed).includes('s3cret-value'), 'no secret stored in plain text');
      // Put back what later tests expect.
      const restore: Record<string, unknown> = {};
      for (const key of SETTING_KEYS) if (!FIXED_KEYS.has(key) && !SECRET_KEYS.has(key)) restore[key] = before[key]?.value;
      await expectJson(await call('PUT', '/configurations', { body: restore }), 200);
      assert.deepEqual(await read(), before);
    });

    it('refuses wrong types, unknown keys and changed fixed keys with 400, storing nothing', async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ project_creation_restriction: 'nobody' }, /project_creation_restriction/],
        [{ self_registration: 'yes' }, /self_registration/],
        [{ read_only: 1 }, /read_only/],
        [{ robot_token_duration: '30' }, /robot_token_duration/],
        [{ robot_token_duration: 0 }, /robot_token_duration/],
        [{ robot_name_prefix: 'bot:' }, /robot_name_prefix/],
        [{ robot_name_prefix: '' }, /robot_name_prefix/],
        [{ storage_per_project: 0 }, /storage_per_project/],
        [{ storage_per_project: 1.5 }, /storage_per_project/],
        [{ ldap_url: 42 }, /ldap_url/],
        [{ ldap_scope: 3 }, /ldap_scope/],
        [{ audit_log_retention_days: 0 }, /audit_log_retention_days/],
        [{ disabled_audit_log_event_types: 'pull artifact' }, /disabled_audit_log_event_types/],
        [{ self_registration: true, no_such_key: 'x' }, /unknown field: no_such_key/],
        [{ auth_mode: 'http_auth' }, /auth_mode http_auth is not supported/],
        [{ auth_mode: 'uaa_auth' }, /auth_mode uaa_auth is not supported/],
        [{ token_expiration: 31 }, /token_expiration cannot be changed/],
        [{ skip_audit_log_database: true }, /audit_log_forward_endpoint must be set/],
      ];
      for (const [body, message] of cases) await expectError(await call('PUT', '/configurations', { body }), 400, 'BAD_REQUEST', message);
      const config = await read();
      assert.equal(config.self_registration?.value, false);
      assert.equal(config.skip_audit_log_database?.value, false);
      assert.equal(config.robot_token_duration?.value, 30);
    });

    it('accepts fixed keys sent back unchanged and nulls as keys left out', async () => {
      await expectJson(await call('PUT', '/configurations', { body: { auth_mode: 'db_auth', token_expiration: 30, ldap_url: null, self_registration: null } }), 200);
      const config = await read();
      assert.equal(config.ldap_url?.value, '');
      assert.equal(config.self_registration?.value, false);
    });

    it('changes auth_mode while admin is the only user, and refuses once another user exists', async () => {
      await expectJson(await call('PUT', '/configurations', { body: { auth_mode: 'oidc_auth' } }), 200);
      assert.deepEqual((await read()).auth_mode, { value: 'oidc_auth', editable: true });
      await expectJson(await call('PUT', '/configurations', { body: { auth_mode: 'db_auth' } }), 200);
      await expectJson(
        await call('POST', '/users', { body: { username: 'mode-keeper', password: 'Keeper-Passw0rd', email: 'keeper@example.com', realname: 'K' } }),
        201,
      );
      await expectError(await call('PUT', '/configurations', { body: { auth_mode: 'ldap_auth' } }), 400, 'BAD_REQUEST', /auth_mode cannot be changed: 1 user/);
      assert.deepEqual((await read()).auth_mode, { value: 'db_auth', editable: true });
      // Sent back unchanged, it is no change.
      await expectJson(await call('PUT', '/configurations', { body: { auth_mode: 'db_auth' } }), 200);
    });

    it('is for system administrators only', async () => {
      await expectJson(
        await call('POST', '/users', { body: { username: 'config-peeker', password: 'Peeker-Passw0rd', email: 'peeker@example.com', realname: 'P' } }),
        201,
      );
      const auth = basic('config-peeker', 'Peeker-Passw0rd');
      await expectError(await call('GET', '/configurations', { authorization: null }), 401, 'UNAUTHORIZED');
      await expectError(await call('GET', '/configurations', { authorization: auth }), 403, 'FORBIDDEN');
      await expectError(await call('PUT', '/configurations', { authorization: auth, body: { read_only: true } }), 403, 'FORBIDDEN');
      await expectError(await call('PUT', '/configurations', { authorization: null, body: { read_only: true } }), 401, 'UNAUTHORIZED');
      assert.equal((await read()).read_only?.value, false);
    });
  });
}
