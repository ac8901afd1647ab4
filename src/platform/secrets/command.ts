import { renameSync, rmSync } from 'node:fs';
import { Command } from 'commander';
import type { Config } from '../config/index.js';
import { openDatabase, type Database } from '../db/index.js';
import { availableKey, describeSource, keyFilePath, readKeyFile, SecretKeyError, writeKeyFile, type KeyConfig } from './keys.js';
import { rotateSecrets } from './rotate.js';
import { SecretBox } from './secret-box.js';
import type { SealedColumn } from './sealed-columns.js';

/**
 * Re-encrypts the database's secrets with the key in `newKeyFile`. When the current key is the
 * data directory's key file, the file is replaced by the new key once the database has committed
 * (written beside it first, then renamed, so a failure leaves the old key with the old secrets);
 * a configured key must be changed by the administrator. Answers what it did, line by line.
 */
export async function rotateKey(config: KeyConfig, database: Database, newKeyFile: string, columns: readonly SealedColumn[]): Promise<string[]> {
  const current = availableKey(config);
  if (!current) throw new SecretKeyError(`no current key: neither secretKey nor scan.encryptionKey is set, and ${keyFilePath(config)} does not exist`);
  const material = readKeyFile(newKeyFile);
  if (material === current.material) throw new SecretKeyError(`${newKeyFile} holds the key already in use`);
  const staged = current.source.kind === 'file' ? `${current.source.path}.new` : undefined;
  if (staged) writeKeyFile(staged, material, 'w');
  let report;
  try {
    report = await rotateSecrets(database, new SecretBox(current.material), new SecretBox(material), columns);
  } catch (err) {
    if (staged) rmSync(staged, { force: true });
    throw err;
  }
  const lines = report.map((column) => `re-encrypted ${column.count} ${column.label} (${column.table}.${column.column})`);
  lines.push(`the stored secrets are now encrypted with the key in ${newKeyFile}; before, with ${describeSource(current.source)}`);
  if (staged && current.source.kind === 'file') {
    renameSync(staged, current.source.path);
    lines.push(`${current.source.path} now holds the new key; restart the server to use it`);
  } else {
    lines.push(`now set secretKey (BERTH_SECRET_KEY) to the new key on every instance and restart them: the old key no longer opens the stored secrets`);
  }
  return lines;
}

export interface SecretsCliOptions {
  config?: string;
  dataDir?: string;
  newKeyFile: string;
}

export interface SecretsCliContext {
  configFrom(options: { config?: string; dataDir?: string }): Config;
  databaseUrl(config: Config): string;
  sealedColumns: readonly SealedColumn[];
}

/** `berth secrets rotate`. */
export function secretsCommand(context: SecretsCliContext): Command {
  const command = new Command('secrets').description('The key that encrypts the secrets Berth stores (scanner and registry endpoint credentials)').addHelpText(
    'after',
    `
rotate re-encrypts every stored secret with a new key, in one transaction: all of them or none.
Stop the servers first (a running one keeps using the old key). The new key file holds one line
of 32 characters or more (e.g. "openssl rand -base64 32 > new.key"). When the current key is
<dataDir>/secret.key, that file is replaced by the new key; when it is configured (secretKey,
BERTH_SECRET_KEY, or the older scan.encryptionKey), set secretKey to the new key before starting.

Examples:
  berth secrets rotate --new-key-file new.key --data-dir /var/lib/berth
  BERTH_SECRET_KEY="$(cat old.key)" berth secrets rotate --new-key-file new.key --config berth.yaml`,
  );
  command
    .command('rotate')
    .description('Re-encrypt every stored secret with the key in --new-key-file')
    .option('-c, --config <file>', 'YAML config file (also BERTH_CONFIG)')
    .option('-d, --data-dir <dir>', 'data directory (for the embedded database and its key file)')
    .requiredOption('--new-key-file <file>', 'file holding the new key (one line, 32 characters or more)')
    .action(async (options: SecretsCliOptions) => {
      const config = context.configFrom(options);
      const database = await openDatabase({ url: context.databaseUrl(config), poolSize: 1 });
      try {
        for (const line of await rotateKey(config, database, options.newKeyFile, context.sealedColumns)) console.log(line);
      } finally {
        await database.close();
      }
    });
  return command;
}
