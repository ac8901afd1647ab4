import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../config/load.js';
import { openDatabase } from '../db/index.js';
import { runBerth, type CliRun } from '../../testing/cli.js';
import { KEY_FILE, openSecrets, SecretBox, type SealedColumn } from './index.js';

const COLUMNS: SealedColumn[] = [{ table: 'registries', key: 'id', column: 'access_secret', label: 'registry endpoint secrets' }];

/** `berth serve` that must stop by itself; killed (and failing the test) if it keeps running. */
function serveExpectingExit(dataDir: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, BERTH_ADMIN_PASSWORD: 'Secrets-test-1', BERTH_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`berth serve kept running: ${stdout}${stderr}`));
    }, 60_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('berth serve and berth secrets rotate with stored secrets (embedded database)', { timeout: 180_000 }, () => {
  let dir: string;
  const secret = 'remote-registry-Passw0rd';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-secrets-cli-'));
    const database = await openDatabase({ url: join(dir, 'berth.db') });
    try {
      const box = await openSecrets(parseConfig({ dataDir: dir }), database.db, COLUMNS);
      await database.db
        .insertInto('registries')
        .values({
          name: 'remote',
          url: 'https://registry.example',
          type: 'docker-registry',
          access_key: 'bob',
          access_secret: box.seal(secret),
          created_at: 0,
          updated_at: 0,
        })
        .execute();
    } finally {
      await database.close();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start, with a clear message and a non-zero exit, when the key file is lost', async () => {
    const key = readFileSync(join(dir, KEY_FILE), 'utf8');
    rmSync(join(dir, KEY_FILE));
    try {
      const run = await serveExpectingExit(dir);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /berth: the database holds secrets encrypted with a key this instance does not have/);
      assert.equal(existsSync(join(dir, KEY_FILE)), false, 'no new key is generated');
    } finally {
      writeFileSync(join(dir, KEY_FILE), key, { mode: 0o600 });
    }
  });

  it('refuses to start with a key that does not open the stored secrets', async () => {
    const key = readFileSync(join(dir, KEY_FILE), 'utf8');
    writeFileSync(join(dir, KEY_FILE), 'w'.repeat(40));
    try {
      const run = await serveExpectingExit(dir);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /secret\.key does not open the stored secrets/);
    } finally {
      writeFileSync(join(dir, KEY_FILE), key, { mode: 0o600 });
    }
  });

  it('rotates the key: prints what it re-encrypted and leaves the new key in the data directory', async () => {
    const newKey = join(dir, 'new.key');
    writeFileSync(newKey, 'n'.repeat(20) + '-rotated-key-material\n');
    const run = await runBerth(['secrets', 'rotate', '--new-key-file', newKey, '--data-dir', dir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /re-encrypted 1 registry endpoint secrets \(registries\.access_secret\)/);
    assert.match(run.stdout, /secret\.key now holds the new key/);
    assert.equal(readFileSync(join(dir, KEY_FILE), 'utf8').trim(), readFileSync(newKey, 'utf8').trim());
    const database = await openDatabase({ url: join(dir, 'berth.db') });
    try {
      const row = await database.db.selectFrom('registries').select('access_secret').executeTakeFirstOrThrow();
      assert.equal(new SecretBox(readFileSync(newKey, 'utf8').trim()).open(row.access_secret), secret);
    } finally {
      await database.close();
    }
    const again = await runBerth(['secrets', 'rotate', '--new-key-file', newKey, '--data-dir', dir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /holds the key already in use/);
  });
});
