import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './load.js';
import { hideUrlPassword, redactConfig } from './redact.js';

describe('berth config show hides secrets', () => {
  it('hides the password inside a database URL and keeps the rest readable', () => {
    assert.equal(
      hideUrlPassword('postgres://berth:S3cret@db.internal:5432/berth?sslmode=require'),
      'postgres://berth:********@db.internal:5432/berth?sslmode=require',
    );
    assert.equal(hideUrlPassword('postgres://berth@db/berth'), 'postgres://berth@db/berth');
    assert.equal(hideUrlPassword('./data'), './data');
  });

  it('hides the admin password and every URL password of the effective configuration', () => {
    const config = loadConfig({ env: { BERTH_DATABASE_URL: 'postgres://berth:S3cret@db/berth', BERTH_ADMIN_PASSWORD: 'Adm1n-password' } });
    const shown = JSON.stringify(redactConfig(config));
    assert.doesNotMatch(shown, /S3cret|Adm1n-password/);
    assert.match(shown, /postgres:\/\/berth:\*{8}@db\/berth/);
    assert.match(shown, /"adminPassword":"\*{8}"/);
  });
});
