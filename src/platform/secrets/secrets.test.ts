import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { redactConfig } from '../config/index.js';
import { envOverlay, parseConfig } from '../config/load.js';
import type { ConfigInput } from '../config/schema.js';
import type { Database } from '../db/index.js';
import { testDialects } from '../../testing/dialects.js';
import { KEY_FILE, openSecrets, rotateKey, SecretBox, SecretKeyError, type SealedColumn } from './index.js';

const COLUMNS: SealedColumn[] = [
  { table: 'scanner_registrations', key: 'id', column: 'access_credential', label: 'scanner registration credentials' },
  { table: 'registries', key: 'id', column: 'access_secret', label: 'registry endpoint secrets' },
];

const KEY_A = 'a'.repeat(24) + '-first-key-material';
const KEY_B = 'b'.repeat(24) + '-other-key-material';

function dataDir(): string {
  return mkdtempSync(join(tmpdir(), 'berth-secrets-'));
}

function config(dir: string, input: ConfigInput = {}) {
  return parseConfig({ ...input, dataDir: dir });
}

async function storeScanner(database: Database, name: string, sealed: string): Promise<void> {
  await database.db
    .insertInto('scanner_registrations')
    .values({ uuid: name, name, url: 'https://scanner.example', auth: 'Bearer', access_credential: sealed, created_at: 0, updated_at: 0 })
    .execute();
}

async function storeRegistry(database: Database, name: string, sealed: string): Promise<void> {
  await database.db
    .insertInto('registries')
    .values({ name, url: 'https://registry.example', type: 'docker-registry', access_key: 'bob', access_secret: sealed, created_at: 0, updated_at: 0 })
    .execute();
}

async function storedSecrets(database: Database): Promise<string[]> {
  const scanners = await database.db.selectFrom('scanner_registrations').select('access_credential as v').orderBy('id').execute();
  const registries = await database.db.selectFrom('registries').select('access_secret as v').orderBy('id').execute();
  return [...scanners, ...registries].map((row) => row.v);
}

for (const dialect of testDialects()) {
  describe(`secrets at rest (${dialect.name})`, () => {
    let opened: Awaited<ReturnType<typeof dialect.open>>;
    const dirs: string[] = [];
    const newDir = () => {
      const dir = dataDir();
      dirs.push(dir);
      return dir;
    };

    before(async () => {
      opened = await dialect.open();
    });
    after(async () => {
      await opened.cleanup();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    const reset = async () => {
      await opened.database.db.deleteFrom('secret_key_check').execute();
      await opened.database.db.deleteFrom('scanner_registrations').execute();
      await opened.database.db.deleteFrom('registries').execute();
    };

    it('generates a key file at first start and opens the same secrets with it later', async () => {
      await reset();
      const dir = newDir();
      const first = await openSecrets(config(dir), opened.database.db, COLUMNS);
      assert.ok(existsSync(join(dir, KEY_FILE)));
      const sealed = first.seal('p4ssword');
      await storeScanner(opened.database, 'first', sealed);
      const again = await openSecrets(config(dir), opened.database.db, COLUMNS);
      assert.equal(again.open(sealed), 'p4ssword');
      // The key file's content works as the configured key too (how a second instance shares it).
      const configured = await openSecrets(config(newDir(), { secretKey: readFileSync(join(dir, KEY_FILE), 'utf8').trim() }), opened.database.db, COLUMNS);
      assert.equal(configured.open(sealed), 'p4ssword');
    });

    it('refuses an instance without the key once the database holds secrets, without generating one', async () => {
      await reset();
      await openSecrets(config(newDir()), opened.database.db, COLUMNS);
      const lost = newDir();
      await assert.rejects(openSecrets(config(lost), opened.database.db, COLUMNS), (err: Error) => {
        assert.ok(err instanceof SecretKeyError);
        assert.match(err.message, /holds secrets encrypted with a key this instance does not have/);
        assert.match(err.message, /secretKey \(BERTH_SECRET_KEY\)/);
        return true;
      });
      assert.equal(existsSync(join(lost, KEY_FILE)), false);
    });

    it('tells a wrong key apart: it does not open the stored secrets', async () => {
      await reset();
      await openSecrets(config(newDir(), { secretKey: KEY_A }), opened.database.db, COLUMNS);
      await assert.rejects(
        openSecrets(config(newDir(), { secretKey: KEY_B }), opened.database.db, COLUMNS),
        /the setting secretKey does not open the stored secrets/,
      );
      const dir = newDir();
      writeFileSync(join(dir, KEY_FILE), `${KEY_B}\n`);
      await assert.rejects(openSecrets(config(dir), opened.database.db, COLUMNS), /the key file .*secret\.key does not open the stored secrets/);
    });

    it('keeps scan.encryptionKey working as the older name of secretKey; secretKey wins when both are set', async () => {
      await reset();
      const dir = newDir();
      const box = await openSecrets(config(dir, { scan: { encryptionKey: KEY_A } }), opened.database.db, COLUMNS);
      assert.equal(existsSync(join(dir, KEY_FILE)), false);
      assert.equal(new SecretBox(KEY_A).open(box.seal('x')), 'x');
      await openSecrets(config(newDir(), { secretKey: KEY_A }), opened.database.db, COLUMNS);
      await assert.rejects(
        openSecrets(config(newDir(), { secretKey: KEY_B, scan: { encryptionKey: KEY_A } }), opened.database.db, COLUMNS),
        /secretKey does not open/,
      );
    });

    it('checks a database from before the check value against its secrets, then records the check', async () => {
      await reset();
      await storeScanner(opened.database, 'old', new SecretBox(KEY_A).seal('old-secret'));
      await assert.rejects(openSecrets(config(newDir()), opened.database.db, COLUMNS), /does not have/);
      await assert.rejects(openSecrets(config(newDir(), { secretKey: KEY_B }), opened.database.db, COLUMNS), /does not open/);
      const box = await openSecrets(config(newDir(), { secretKey: KEY_A }), opened.database.db, COLUMNS);
      assert.equal(box.open((await storedSecrets(opened.database))[0] ?? ''), 'old-secret');
      const check = await opened.database.db.selectFrom('secret_key_check').selectAll().execute();
      assert.equal(check.length, 1);
    });

    it('rotates every sealed column in one transaction and replaces the key file', async () => {
      await reset();
      const dir = newDir();
      const old = await openSecrets(config(dir), opened.database.db, COLUMNS);
      const oldFile = readFileSync(join(dir, KEY_FILE), 'utf8');
      await storeScanner(opened.database, 's1', old.seal('scanner-secret'));
      await storeScanner(opened.database, 's2', '');
      await storeRegistry(opened.database, 'r1', old.seal('registry-secret'));
      const keyFile = join(newDir(), 'new.key');
      writeFileSync(keyFile, `${KEY_B}\n`);

      const lines = await rotateKey(config(dir), opened.database, keyFile, COLUMNS);
      assert.ok(lines.includes('re-encrypted 1 scanner registration credentials (scanner_registrations.access_credential)'), lines.join('\n'));
      assert.ok(lines.includes('re-encrypted 1 registry endpoint secrets (registries.access_secret)'), lines.join('\n'));
      assert.notEqual(readFileSync(join(dir, KEY_FILE), 'utf8'), oldFile);
      assert.equal(existsSync(join(dir, `${KEY_FILE}.new`)), false);

      const next = new SecretBox(KEY_B);
      assert.deepEqual(
        (await storedSecrets(opened.database)).map((v) => next.open(v)),
        ['scanner-secret', '', 'registry-secret'],
      );
      assert.equal(old.open((await storedSecrets(opened.database))[0] ?? ''), undefined);
      // The next start reads the new key file and passes the check.
      const reopened = await openSecrets(config(dir), opened.database.db, COLUMNS);
      assert.equal(reopened.open((await storedSecrets(opened.database))[2] ?? ''), 'registry-secret');
      await assert.rejects(
        openSecrets(config(newDir(), { secretKey: readFileSync(keyFile, 'utf8').trim().replace(/^b/, 'c') }), opened.database.db, COLUMNS),
        /does not open/,
      );
    });

    it('changes nothing when one secret does not open with the current key', async () => {
      await reset();
      const dir = newDir();
      const old = await openSecrets(config(dir), opened.database.db, COLUMNS);
      const keyBefore = readFileSync(join(dir, KEY_FILE), 'utf8');
      await storeScanner(opened.database, 'good', old.seal('good'));
      await storeRegistry(opened.database, 'foreign', new SecretBox(KEY_A).seal('foreign'));
      const before = await storedSecrets(opened.database);
      const keyFile = join(newDir(), 'new.key');
      writeFileSync(keyFile, KEY_B);
      await assert.rejects(
        rotateKey(config(dir), opened.database, keyFile, COLUMNS),
        /registries\.access_secret of row \d+ does not open with the current key; nothing was changed/,
      );
      assert.deepEqual(await storedSecrets(opened.database), before);
      assert.equal(readFileSync(join(dir, KEY_FILE), 'utf8'), keyBefore);
      assert.equal(existsSync(join(dir, `${KEY_FILE}.new`)), false);
      await openSecrets(config(dir), opened.database.db, COLUMNS);
    });

    it('refuses a new key file that is too short, or the key already in use', async () => {
      await reset();
      const dir = newDir();
      await openSecrets(config(dir, { secretKey: KEY_A }), opened.database.db, COLUMNS);
      const short = join(newDir(), 'short.key');
      writeFileSync(short, 'too-short');
      await assert.rejects(rotateKey(config(dir, { secretKey: KEY_A }), opened.database, short, COLUMNS), /shorter than 32 characters/);
      const same = join(newDir(), 'same.key');
      writeFileSync(same, KEY_A);
      await assert.rejects(rotateKey(config(dir, { secretKey: KEY_A }), opened.database, same, COLUMNS), /already in use/);
      const next = join(newDir(), 'next.key');
      writeFileSync(next, KEY_B);
      const lines = await rotateKey(config(dir, { secretKey: KEY_A }), opened.database, next, COLUMNS);
      assert.match(lines.at(-1) ?? '', /now set secretKey \(BERTH_SECRET_KEY\) to the new key/);
      await openSecrets(config(newDir(), { secretKey: KEY_B }), opened.database.db, COLUMNS);
    });
  });
}

describe('the secret key in the configuration', () => {
  it('is read from BERTH_SECRET_KEY-style input, refused when short, and hidden by berth config show', () => {
    assert.deepEqual(envOverlay({ BERTH_SECRET_KEY: KEY_A }), { secretKey: KEY_A });
    assert.throws(() => parseConfig({ secretKey: 'short' }), /secretKey/);
    const config = parseConfig({ secretKey: KEY_A, scan: { encryptionKey: KEY_B } });
    const shown = JSON.stringify(redactConfig(config));
    assert.ok(!shown.includes(KEY_A) && !shown.includes(KEY_B), shown);
  });
});
