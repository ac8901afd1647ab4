import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../config/load.js';
import { redactConfig } from '../../config/redact.js';
import { createStorage } from '../index.js';

const s3Env = {
  BERTH_STORAGE_DRIVER: 's3',
  BERTH_STORAGE_S3_BUCKET: 'registry',
  BERTH_STORAGE_S3_REGION: 'eu-west-1',
  BERTH_STORAGE_S3_ENDPOINT: 'https://minio.internal:9000',
  BERTH_STORAGE_S3_FORCE_PATH_STYLE: 'true',
  BERTH_STORAGE_S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  BERTH_STORAGE_S3_SECRET_ACCESS_KEY: 'wJalr-secret-KEY',
  BERTH_STORAGE_S3_ROOT_DIRECTORY: 'berth/',
};

describe('storage on S3: configuration', () => {
  it('reads the S3 settings from BERTH_STORAGE_S3_* variables and builds the S3 driver', async () => {
    const config = loadConfig({ env: s3Env });
    assert.deepEqual(config.storage.s3, {
      bucket: 'registry',
      region: 'eu-west-1',
      endpoint: 'https://minio.internal:9000',
      forcePathStyle: true,
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalr-secret-KEY',
      rootDirectory: 'berth/',
      partSizeMegabytes: 8,
    });
    assert.equal((await createStorage(config)).name, 's3');
  });

  it('hides the secret key in berth config show', () => {
    const shown = JSON.stringify(redactConfig(loadConfig({ env: { ...s3Env, BERTH_STORAGE_S3_SESSION_TOKEN: 'sess-TOKEN' } })));
    assert.doesNotMatch(shown, /wJalr-secret-KEY|sess-TOKEN/);
    assert.match(shown, /"secretAccessKey":"\*{8}"/);
    assert.match(shown, /"accessKeyId":"AKIDEXAMPLE"/);
  });

  it('refuses the S3 driver without a bucket, and a key id without its secret', () => {
    assert.throws(() => loadConfig({ env: { BERTH_STORAGE_DRIVER: 's3' } }), /storage\.s3\.bucket is required/);
    assert.throws(
      () => loadConfig({ env: { BERTH_STORAGE_DRIVER: 's3', BERTH_STORAGE_S3_BUCKET: 'b', BERTH_STORAGE_S3_ACCESS_KEY_ID: 'AKID' } }),
      /accessKeyId and storage\.s3\.secretAccessKey go together/,
    );
    assert.throws(() => loadConfig({ env: { BERTH_STORAGE_DRIVER: 'gcs' } }), /storage\.driver/);
  });

  it('reads the redirect settings, off by default, and refuses what they cannot do', () => {
    const plain = loadConfig({ env: s3Env });
    assert.equal(plain.storage.redirect, false);
    assert.equal(plain.storage.redirectExpirySeconds, 1200);
    const on = loadConfig({
      env: {
        ...s3Env,
        BERTH_STORAGE_REDIRECT: 'true',
        BERTH_STORAGE_REDIRECT_EXPIRY_SECONDS: '300',
        BERTH_STORAGE_S3_REDIRECT_ENDPOINT: 'https://s3.example.com',
      },
    });
    assert.equal(on.storage.redirect, true);
    assert.equal(on.storage.redirectExpirySeconds, 300);
    assert.equal(on.storage.s3?.redirectEndpoint, 'https://s3.example.com');
    assert.throws(() => loadConfig({ env: { BERTH_STORAGE_REDIRECT: 'true' } }), /storage\.redirect needs storage\.driver s3/);
    assert.throws(
      () => loadConfig({ env: { ...s3Env, BERTH_STORAGE_REDIRECT: 'true', BERTH_RATELIMIT_BLOB_KIB_PER_SECOND_PER_CLIENT: '1024' } }),
      /cannot be combined with rateLimit\.blobKibPerSecondPerClient/,
    );
    for (const bad of ['0', '9', '604801', 'soon'])
      assert.throws(() => loadConfig({ env: { ...s3Env, BERTH_STORAGE_REDIRECT_EXPIRY_SECONDS: bad } }), /redirectExpirySeconds/, bad);
    assert.throws(() => loadConfig({ env: { ...s3Env, BERTH_STORAGE_S3_REDIRECT_ENDPOINT: 'not a url' } }), /redirectEndpoint/);
  });

  it('leaves the filesystem driver as the default', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.storage.driver, 'filesystem');
    assert.equal(config.storage.s3, undefined);
  });
});
