import { Command } from 'commander';
import { systemClock } from '../../platform/clock.js';
import type { Config } from '../../platform/config/index.js';
import { openDatabase, type Database } from '../../platform/db/index.js';
import { describeSummary, importPaths } from './importer.js';
import { progressFor } from './progress.js';
import { describeStatus, vulnDbStatus } from './status.js';
import { updateFromSources } from './update.js';

export interface VulnDbCliOptions {
  config?: string;
  dataDir?: string;
}

/** What the CLI gives the commands: the configuration from the usual flags, and the database URL it names. */
export interface VulnDbCliContext {
  configFrom(options: VulnDbCliOptions): Config;
  databaseUrl(config: Config): string;
}

async function withDatabase<T>(context: VulnDbCliContext, options: VulnDbCliOptions, work: (database: Database, config: Config) => Promise<T>): Promise<T> {
  const config = context.configFrom(options);
  const database = await openDatabase({ url: context.databaseUrl(config), poolSize: 2 });
  try {
    return await work(database, config);
  } finally {
    await database.close();
  }
}

/** `berth vulndb import|status|update`. */
export function vulnDbCommand(context: VulnDbCliContext): Command {
  const command = new Command('vulndb').description('The vulnerability database the built-in scanner matches images against (OSV data)').addHelpText(
    'after',
    `
Berth cannot fetch advisories by itself unless told where: import OSV data you have, or set
scan.vulndb.sources to URLs of it (OSV publishes one zip per ecosystem, e.g.
https://osv-vulnerabilities.storage.googleapis.com/Debian/all.zip) and run "update" (a worker
also runs it daily). A record already imported is replaced only by a copy with a later
"modified" time; withdrawn records are kept but never matched. An interrupted import can be run
again: what it stored is skipped as unchanged.

Examples:
  berth vulndb import ./osv/Debian-all.zip ./osv/npm/ GHSA-c2qf-rxjj-qqgw.json --data-dir /var/lib/berth
  berth vulndb status --data-dir /var/lib/berth
  BERTH_SCAN_VULNDB_SOURCES=https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip berth vulndb update`,
  );
  const common = (sub: Command) =>
    sub.option('-c, --config <file>', 'YAML config file (also BERTH_CONFIG)').option('-d, --data-dir <dir>', 'data directory (for the embedded database)');

  common(command.command('import').description('Import OSV records: .json files, directories of them (recursively) and zips of them').argument('<paths...>')).action(
    async (paths: string[], options: VulnDbCliOptions) => {
      const summary = await withDatabase(context, options, async (database) =>
        importPaths(database, paths, { clock: systemClock, progress: await progressFor(process.stderr, 'vulndb import') }),
      );
      for (const line of describeSummary(summary)) console.log(line);
      if (summary.failedInputs.length > 0) process.exitCode = 1;
    },
  );

  common(command.command('status').description('Advisories per ecosystem and how old the data is')).action(async (options: VulnDbCliOptions) => {
    const status = await withDatabase(context, options, (database) => vulnDbStatus(database));
    for (const line of describeStatus(status, systemClock.now())) console.log(line);
  });

  common(command.command('update').description('Download and import every URL of scan.vulndb.sources')).action(async (options: VulnDbCliOptions) => {
    const outcomes = await withDatabase(context, options, (database, config) => {
      if (config.scan.vulndb.sources.length === 0) throw new Error('no scan.vulndb.sources configured (berth.yaml, or BERTH_SCAN_VULNDB_SOURCES)');
      return updateFromSources(
        { config, database, clock: systemClock },
        { progress: (url) => progressFor(process.stderr, url), log: (line) => void console.error(line) },
      );
    });
    for (const outcome of outcomes) {
      if (outcome.summary) for (const line of describeSummary(outcome.summary)) console.log(`${outcome.url}: ${line}`);
      else console.log(`${outcome.url}: not imported: ${outcome.error ?? 'unknown error'}`);
    }
    if (outcomes.some((outcome) => outcome.error !== undefined || (outcome.summary?.failedInputs.length ?? 0) > 0)) process.exitCode = 1;
  });
  return command;
}
