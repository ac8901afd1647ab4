import { join, resolve } from 'node:path';
import { Command } from 'commander';
import type { Config } from '../config/index.js';
import { keyFilePath } from '../secrets/index.js';
import { createStorage } from '../storage/index.js';
import { runBackup } from './backup.js';
import type { BlobTally } from './blobs.js';
import { progressFor } from './progress.js';
import { runRestore } from './restore.js';

export interface BackupCliContext {
  configFrom(options: { config?: string; dataDir?: string }): Config;
  databaseUrl(config: Config): string;
  version: string;
}

interface CliOptions {
  config?: string;
  dataDir?: string;
  secretKey?: boolean;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** The line scripts and tests read: what was copied and what an earlier backup already held. */
export function blobSummary(tally: BlobTally): string {
  return `copied ${tally.copied} blobs (${tally.copiedBytes} bytes, ${mib(tally.copiedBytes)}), ${tally.present} already in the backup (${tally.presentBytes} bytes)`;
}

const keyConfigured = (config: Config) => Boolean(config.secretKey ?? config.scan.encryptionKey);

/** `berth backup DEST`. */
export function backupCommand(context: BackupCliContext): Command {
  return new Command('backup')
    .description('Back up the database, the blobs and the secret key into a directory, while Berth runs')
    .argument('<dest>', 'directory for the backup: empty, new, or holding an earlier backup (then only new blobs are copied)')
    .option('-c, --config <file>', 'YAML config file (also BERTH_CONFIG); BERTH_* variables override it')
    .option('-d, --data-dir <dir>', 'data directory of the server to back up (default ./data)')
    .option('--no-secret-key', 'leave <dataDir>/secret.key out of the backup (then keep a copy of it elsewhere)')
    .addHelpText(
      'after',
      `
The servers keep running and taking pushes: the database is read as one consistent snapshot
(SQLite's online backup API; for PostgreSQL one REPEATABLE READ transaction, no pg_dump needed),
then every blob and manifest the snapshot names is copied, its digest checked as it is read.
Pushes that land after the snapshot are in the next backup.

DEST holds berth-backup.json (the manifest: version, database kind, time, row and blob counts,
schema level), database/ (berth.db, or one NDJSON file per table), blobs/ (by digest) and
secret.key. A DEST with an earlier backup gets only the blobs it lacks; its earlier backup stays
valid until the new one is complete. Blobs no longer used stay in DEST. One backup at a time
writes into a DEST.

The secret key: when it is <dataDir>/secret.key (the default) the backup INCLUDES it, so the
backup can open the stored registry and scanner credentials: keep the backup as secret as the
key. --no-secret-key leaves it out. A key set through secretKey (BERTH_SECRET_KEY) is never
written to the backup: keep it yourself.

Not included: uploads in progress, CSV exports of scan results, the config file, TLS files.
With garbage collection running, keep gc.graceMinutes longer than a backup takes.

Examples:
  berth backup /backups/berth --data-dir /var/lib/berth
  BERTH_DATABASE_URL=postgres://berth@db/berth berth backup /backups/berth --data-dir /var/lib/berth`,
    )
    .action(async (dest: string, options: CliOptions) => {
      const config = context.configFrom(options);
      const configured = keyConfigured(config);
      const includeKey = options.secretKey !== false;
      const progress = await progressFor(process.stderr, 'backup');
      let summary;
      try {
        summary = await runBackup(
          {
            database: { url: context.databaseUrl(config) },
            storage: await createStorage(config),
            keyFile: keyFilePath(config),
            keyConfigured: configured,
            includeKey,
            berthVersion: context.version,
          },
          resolve(dest),
          progress,
        );
      } finally {
        progress.stop();
      }
      const { manifest } = summary;
      const rows = Object.values(manifest.tables).reduce((sum, n) => sum + n, 0);
      if (manifest.secretKey === 'included')
        console.error(`warning: the backup includes the secret key (${join(resolve(dest), 'secret.key')}): store it as securely as the key itself`);
      console.log(
        `backup of ${manifest.dialect} (${rows} rows in ${Object.keys(manifest.tables).length} tables, migration ${manifest.migration}) to ${resolve(dest)}: ` +
          `${manifest.blobs.count} blobs; ${blobSummary(summary.blobs)}; secret key ${describeKey(manifest.secretKey)}`,
      );
    });
}

function describeKey(key: string): string {
  switch (key) {
    case 'included':
      return 'included';
    case 'left-out':
      return 'left out (--no-secret-key)';
    case 'configured':
      return 'not included (configured through secretKey)';
    default:
      return 'none';
  }
}

/** `berth restore SRC`. */
export function restoreCommand(context: BackupCliContext): Command {
  return new Command('restore')
    .description('Recreate a data directory (and a PostgreSQL database) from a backup made by "berth backup"')
    .argument('<src>', 'directory holding the backup')
    .option('-c, --config <file>', 'YAML config file (also BERTH_CONFIG); BERTH_* variables override it')
    .option('-d, --data-dir <dir>', 'data directory to restore into: empty or new (default ./data)')
    .addHelpText(
      'after',
      `
The data directory must be empty (or not exist), and so must the storage directory when
storage.rootDirectory puts it elsewhere. A SQLite backup becomes <dataDir>/berth.db; a
PostgreSQL backup needs database.url (BERTH_DATABASE_URL) naming an empty database, made by
the same Berth version (tables are created by migrating, then the rows are loaded in one
transaction). Every blob's digest is checked as it is restored. Berth must not be running on
the target.

When the backup includes the secret key it is restored to <dataDir>/secret.key. When it does
not, the stored credentials open only with the backed-up server's key: copy its secret.key or
set secretKey (BERTH_SECRET_KEY) before starting Berth; the restore says which.

Examples:
  berth restore /backups/berth --data-dir /var/lib/berth
  BERTH_DATABASE_URL=postgres://berth@db/berth_new berth restore /backups/berth --data-dir /var/lib/berth`,
    )
    .action(async (src: string, options: CliOptions) => {
      const config = context.configFrom(options);
      const progress = await progressFor(process.stderr, 'restore');
      let summary;
      try {
        summary = await runRestore(
          resolve(src),
          {
            database: { url: context.databaseUrl(config) },
            storage: await createStorage(config),
            dataDir: resolve(config.dataDir),
            storageDir: config.storage.rootDirectory,
            keyConfigured: keyConfigured(config),
          },
          progress,
        );
      } finally {
        progress.stop();
      }
      const rows = Object.values(summary.manifest.tables).reduce((sum, n) => sum + n, 0);
      console.log(
        `restored ${summary.manifest.dialect} backup of ${summary.manifest.snapshotAt} into ${resolve(config.dataDir)}: ${rows} rows, ${summary.blobs} blobs (${summary.bytes} bytes)`,
      );
      for (const note of summary.notes) console.log(note);
    });
}
