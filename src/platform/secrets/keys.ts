import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Executor } from '../db/index.js';
import { SecretBox } from './secret-box.js';
import { anySealedValue, type SealedColumn } from './sealed-columns.js';

/** The key generated at first start when none is configured. */
export const KEY_FILE = 'secret.key';

/** Sealed and stored once: whether a key opens it tells whether the key opens the stored secrets. */
export const KEY_CHECK_PLAIN = 'berth secret key check v1';

/** The shortest key accepted, in characters (the configuration's rule too). */
export const MIN_KEY_LENGTH = 32;

export interface KeyConfig {
  dataDir: string;
  secretKey?: string | undefined;
  scan: { encryptionKey?: string | undefined };
}

/** Where the key in use comes from, named the way an administrator would look for it. */
export type KeySource = { kind: 'config'; setting: 'secretKey' | 'scan.encryptionKey' } | { kind: 'file'; path: string };

export interface SecretKey {
  material: string;
  source: KeySource;
}

/** Refused start or rotation: the key is missing or is not the one the database's secrets were sealed with. */
export class SecretKeyError extends Error {}

export function keyFilePath(config: Pick<KeyConfig, 'dataDir'>): string {
  return join(resolve(config.dataDir), KEY_FILE);
}

export function describeSource(source: KeySource): string {
  return source.kind === 'config' ? `the setting ${source.setting}` : `the key file ${source.path}`;
}

/** The configured key (`secretKey`, else the older `scan.encryptionKey`), else the data directory's key file when present. */
export function availableKey(config: KeyConfig): SecretKey | undefined {
  if (config.secretKey) return { material: config.secretKey, source: { kind: 'config', setting: 'secretKey' } };
  if (config.scan.encryptionKey) return { material: config.scan.encryptionKey, source: { kind: 'config', setting: 'scan.encryptionKey' } };
  const path = keyFilePath(config);
  if (!existsSync(path)) return undefined;
  return { material: readKeyFile(path), source: { kind: 'file', path } };
}

/** A key file's content: one line of at least {@link MIN_KEY_LENGTH} characters. */
export function readKeyFile(path: string): string {
  const material = readFileSync(path, 'utf8').trim();
  if (material.length < MIN_KEY_LENGTH) throw new SecretKeyError(`the key in ${path} is shorter than ${MIN_KEY_LENGTH} characters`);
  return material;
}

export function writeKeyFile(path: string, material: string, flag: 'wx' | 'w'): void {
  writeFileSync(path, `${material}\n`, { mode: 0o600, flag });
  chmodSync(path, 0o600);
}

export async function storedKeyCheck(db: Executor): Promise<string | undefined> {
  const row = await db.selectFrom('secret_key_check').select('check_value').where('id', '=', 1).executeTakeFirst();
  return row?.check_value;
}

export function opensKeyCheck(box: SecretBox, check: string): boolean {
  return box.open(check) === KEY_CHECK_PLAIN;
}

function wrongKey(source: KeySource): SecretKeyError {
  return new SecretKeyError(
    `${describeSource(source)} does not open the stored secrets: they were encrypted with another key. ` +
      'Set secretKey (BERTH_SECRET_KEY) to the key they were encrypted with; to change keys, use "berth secrets rotate"',
  );
}

function missingKey(config: KeyConfig): SecretKeyError {
  return new SecretKeyError(
    'the database holds secrets encrypted with a key this instance does not have (no secretKey is configured and ' +
      `${keyFilePath(config)} does not exist). Set secretKey (BERTH_SECRET_KEY) to the key the other instances use, or restore the key file; ` +
      'refusing to start rather than generate a new key that cannot open them',
  );
}

/**
 * The SecretBox of this instance, checked against the database before anything uses it. The
 * database keeps a check value (a known constant sealed with the key): a key that does not open
 * it is the wrong one. Without a configured key or key file, a database that already holds
 * secrets (another instance's, or a lost data directory's) stops the start instead of getting
 * a new key that would open none of them; a fresh one gets a generated key in the data directory.
 * A database from before the check value is checked against one of its secrets instead.
 */
export async function openSecrets(config: KeyConfig, db: Executor, columns: readonly SealedColumn[]): Promise<SecretBox> {
  const check = await storedKeyCheck(db);
  let key = availableKey(config);
  if (key) {
    const box = new SecretBox(key.material);
    if (check !== undefined) {
      if (!opensKeyCheck(box, check)) throw wrongKey(key.source);
      return box;
    }
    const sample = await anySealedValue(db, columns);
    if (sample && box.open(sample.value) === undefined) throw wrongKey(key.source);
    return settle(db, box, key.source);
  }
  if (check !== undefined || (await anySealedValue(db, columns))) throw missingKey(config);
  const path = keyFilePath(config);
  mkdirSync(resolve(config.dataDir), { recursive: true });
  writeKeyFile(path, randomBytes(32).toString('base64'), 'wx');
  key = { material: readKeyFile(path), source: { kind: 'file', path } };
  return settle(db, new SecretBox(key.material), key.source);
}

/** Stores the check value unless another instance stored its own first; then this key must open that one. */
async function settle(db: Executor, box: SecretBox, source: KeySource): Promise<SecretBox> {
  await db
    .insertInto('secret_key_check')
    .values({ id: 1, check_value: box.seal(KEY_CHECK_PLAIN) })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const stored = await storedKeyCheck(db);
  if (stored === undefined || !opensKeyCheck(box, stored)) throw wrongKey(source);
  return box;
}
