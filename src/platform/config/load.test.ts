import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configJsonSchema, ConfigError, loadConfig } from './load.js';

describe('configuration', () => {
  it('has defaults that run on a fresh machine', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.server.port, 5000);
    assert.equal(config.dataDir, './data');
    assert.equal(config.database.url, undefined);
    assert.equal(config.registry.maxManifestBytes, 4 * 1024 * 1024);
    assert.ok(Object.isFrozen(config.server));
  });

  it('layers file, then BERTH_* environment, then flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
    const file = join(dir, 'berth.yaml');
    writeFileSync(file, 'server:\n  port: 7000\n  host: 127.0.0.1\nlog:\n  level: warn\n');
    const env = { BERTH_SERVER_PORT: '8000', BERTH_AUTH_TOKEN_EXPIRATION_MINUTES: '5', BERTH_DATA_DIR: '/srv/berth' };
    const config = loadConfig({ file, env, overrides: { server: { port: 9000 } } });
    assert.equal(config.server.port, 9000);
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.auth.tokenExpirationMinutes, 5);
    assert.equal(config.dataDir, '/srv/berth');
    assert.equal(config.log.level, 'warn');
    assert.equal(loadConfig({ file, env }).server.port, 8000);
  });

  it('runs every role unless told otherwise, and knows only web, worker and all', () => {
    assert.equal(loadConfig({ env: {} }).server.role, 'all');
    assert.equal(loadConfig({ env: { BERTH_SERVER_ROLE: 'worker' } }).server.role, 'worker');
    assert.throws(() => loadConfig({ env: { BERTH_SERVER_ROLE: 'scheduler' } }), /server\.role/);
  });

  it('reads "false" in the environment as false', () => {
    assert.equal(loadConfig({ env: { BERTH_STORAGE_FSYNC: 'false' } }).storage.fsync, false);
    assert.equal(loadConfig({ env: { BERTH_STORAGE_FSYNC: '0' } }).storage.fsync, false);
    assert.equal(loadConfig({ env: { BERTH_SERVER_TRUST_PROXY: 'true' } }).server.trustProxy, true);
    assert.throws(() => loadConfig({ env: { BERTH_STORAGE_FSYNC: 'maybe' } }), /storage\.fsync/);
    assert.equal(loadConfig({ env: {} }).storage.minFreeMegabytes, 256);
    assert.equal(loadConfig({ env: { BERTH_STORAGE_MIN_FREE_MEGABYTES: '1024' } }).storage.minFreeMegabytes, 1024);
    assert.throws(() => loadConfig({ env: { BERTH_STORAGE_MINFREEMEGABYTES: '-1' } }), /storage\.minFreeMegabytes/);
  });

  it('takes BERTH_ADMIN_PASSWORD as the initial admin password', () => {
    assert.equal(loadConfig({ env: { BERTH_ADMIN_PASSWORD: 'S3cret-password' } }).auth.adminPassword, 'S3cret-password');
  });

  it('rejects unknown keys, unknown variables and bad values with the key named', () => {
    assert.throws(() => loadConfig({ env: { BERTH_SERVER_PROT: '1' } }), /BERTH_SERVER_PROT/);
    assert.throws(
      () => loadConfig({ env: { BERTH_SERVER_PORT: 'abc' } }),
      (err: Error) => err instanceof ConfigError && /server\.port/.test(err.message),
    );
    assert.throws(() => loadConfig({ env: {}, overrides: { nonsense: true } }), ConfigError);
  });

  it('serves plain HTTP by default and takes the TLS files from server.tls or BERTH_SERVER_TLS_CERT/KEY', () => {
    assert.deepEqual(loadConfig({ env: {} }).server.tls, {});
    const config = loadConfig({ env: { BERTH_SERVER_TLS_CERT: '/etc/berth/tls.crt', BERTH_SERVER_TLS_KEY: '/etc/berth/tls.key' } });
    assert.deepEqual(config.server.tls, { cert: '/etc/berth/tls.crt', key: '/etc/berth/tls.key' });
    assert.throws(() => loadConfig({ env: { BERTH_SERVER_TLS_CERT: '/etc/berth/tls.crt' } }), /server\.tls.*both cert and key/);
  });

  it('describes itself as a JSON schema', () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown> };
    assert.ok(schema.properties.server);
    assert.ok(schema.properties.storage);
  });
});
