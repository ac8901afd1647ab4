import { Command, InvalidArgumentError, Option } from 'commander';
import { configJsonSchema, ConfigError, loadConfig, redactConfig } from './platform/config/index.js';
import { openDatabase } from './platform/db/index.js';
import { SERVER_ROLES, type ServerRole } from './platform/index.js';
import { databaseUrl, startServer } from './server.js';
import { MODULES } from './app.js';
import { backupCommand, restoreCommand } from './platform/backup/index.js';
import { secretsCommand } from './platform/secrets/index.js';
import { vulnDbCommand } from './scan/index.js';
import { trustCommands } from './trust/index.js';
import { newPasswordFromUser, resetPassword } from './users/index.js';
import { VERSION } from './system/index.js';
import { tuneHeapForServer } from './platform/lib/index.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

interface ServeOptions {
  config?: string;
  port?: number;
  dataDir?: string;
  host?: string;
  role?: ServerRole;
}

function configFrom(options: ServeOptions) {
  const server: Record<string, unknown> = {};
  if (options.port !== undefined) server.port = options.port;
  if (options.host !== undefined) server.host = options.host;
  if (options.role !== undefined) server.role = options.role;
  return loadConfig({
    file: options.config ?? process.env.BERTH_CONFIG,
    overrides: { ...(Object.keys(server).length ? { server } : {}), ...(options.dataDir ? { dataDir: options.dataDir } : {}) },
  });
}

const program = new Command()
  .name('berth')
  .description('Berth: an OCI artifact registry — stores, signs and scans images, charts and artifacts.')
  .version(VERSION)
  .showHelpAfterError();

program
  .command('serve')
  .description('Run the registry (OCI API under /v2/, token service, health endpoints)')
  .option('-c, --config <file>', 'YAML config file (also BERTH_CONFIG); BERTH_* variables override it')
  .option('-p, --port <n>', 'port to listen on (default 5000)', port)
  .option('--host <address>', 'address to listen on (default 0.0.0.0)')
  .option('-d, --data-dir <dir>', 'directory for the database, blobs and keys (default ./data)')
  .addOption(new Option('--role <role>', 'what this instance runs (default all; also server.role, BERTH_SERVER_ROLE)').choices(SERVER_ROLES))
  .addHelpText(
    'after',
    `
On first start an "admin" user is created; its password comes from BERTH_ADMIN_PASSWORD or is
generated and printed once; on later starts BERTH_ADMIN_PASSWORD is not applied (a warning
says so; use "berth admin reset-password"). A public project "library" is created too.

HTTPS: set server.tls.cert and server.tls.key (PEM files; BERTH_SERVER_TLS_CERT/_KEY). After
renewing them, send SIGHUP: new connections get the new certificate, no restart needed.

One server per embedded (SQLite) data directory: a second one on the same directory refuses
to start. "berth admin" commands work while the server runs.

Roles, for several instances on one PostgreSQL database:
  all     serves every route and runs background work (the default)
  web     serves every route (/v2/, /api/v2.0, /service/token, /c/login, health); runs no background tasks,
          no schedules and no outbox dispatch
  worker  runs background tasks (GC, retention, webhook deliveries, purges), fires schedules and
          dispatches the outbox; serves only /livez and /readyz

Examples:
  berth serve
  BERTH_ADMIN_PASSWORD='S3cret-pass' berth serve --port 5000 --data-dir /var/lib/berth
  berth serve --config berth.yaml
  BERTH_SERVER_TLS_CERT=/etc/berth/tls.crt BERTH_SERVER_TLS_KEY=/etc/berth/tls.key berth serve --port 443
  BERTH_DATABASE_URL=postgres://berth@db/berth berth serve --role worker`,
  )
  .action(async (options: ServeOptions) => {
    tuneHeapForServer();
    const server = await startServer(configFrom(options), (line) => console.log(line));
    // SIGHUP: a renewed certificate is served to new connections without a restart.
    process.on('SIGHUP', () => {
      try {
        const served = server.reloadTls();
        if (served) server.app.log.info(`SIGHUP: now serving the certificate ${served}`);
        else server.app.log.info('SIGHUP: serving plain HTTP, no certificate to read again');
      } catch (err) {
        server.app.log.error(`SIGHUP: the certificate was not reloaded, the previous one is still served: ${(err as Error).message}`);
      }
    });
    const stop = async (signal: string) => {
      console.log(`${signal} received, shutting down`);
      try {
        await server.close();
      } catch (err) {
        // Nothing acknowledged is lost by stopping now: every acknowledged write is committed.
        console.error(`shutting down: ${(err as Error).message}`);
        process.exit(1);
      }
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });

program
  .command('migrate')
  .description('Bring the database schema up to date and exit (a schema newer than this version is left as it is)')
  .option('-c, --config <file>', 'YAML config file')
  .option('-d, --data-dir <dir>', 'data directory (for the embedded database)')
  .action(async (options: ServeOptions) => {
    const config = configFrom(options);
    const database = await openDatabase({ url: databaseUrl(config), poolSize: 1 });
    await database.close();
    const { applied, newer } = database.migrations;
    if (newer.length > 0) {
      console.log(
        `the database schema is newer than this Berth: it has migrations this version does not know (${newer.join(', ')}); nothing was changed. ` +
          'This version can still serve it; migrate with the newer Berth.',
      );
    } else if (applied.length > 0) {
      console.log(`applied ${applied.length} migration${applied.length === 1 ? '' : 's'} (${applied.join(', ')}); database is up to date (${database.dialect})`);
    } else console.log(`database is up to date (${database.dialect})`);
  });

const adminCommand = program
  .command('admin')
  .description('Administrative tasks run against the database directly (for when the API is out of reach)')
  .addHelpText(
    'after',
    `
reset-password sets a user's password (default: the "admin" user) when nobody can sign in
to change it. The new password comes from BERTH_NEW_PASSWORD or is asked for twice on the
terminal (not echoed). It must be 8 to 128 characters long with at least one lowercase
letter, one uppercase letter and one digit. The user's browser sessions end; a running
server picks the change up within seconds, so there is no need to stop it first.

Examples:
  berth admin reset-password --data-dir /var/lib/berth
  BERTH_NEW_PASSWORD='N3w-secret-pass' berth admin reset-password --config berth.yaml --username alice`,
  );
adminCommand
  .command('reset-password')
  .description("Set a user's password in the database (BERTH_NEW_PASSWORD or a terminal prompt)")
  .option('-c, --config <file>', 'YAML config file (also BERTH_CONFIG)')
  .option('-d, --data-dir <dir>', 'data directory (for the embedded database)')
  .option('-u, --username <name>', 'whose password to set', 'admin')
  .action(async (options: ServeOptions & { username: string }) => {
    const env = { ...process.env };
    // Not a configuration key: keep it away from the config loader, and from anything spawned later.
    delete process.env.BERTH_NEW_PASSWORD;
    const config = configFrom(options);
    const password = await newPasswordFromUser(env);
    const database = await openDatabase({ url: databaseUrl(config), poolSize: 1 });
    try {
      await resetPassword(database, options.username, password, Date.now());
    } finally {
      await database.close();
    }
    console.log(`password of user "${options.username}" changed; their browser sessions were signed out`);
  });

program.addCommand(backupCommand({ configFrom, databaseUrl, version: VERSION }));
program.addCommand(restoreCommand({ configFrom, databaseUrl, version: VERSION }));
program.addCommand(vulnDbCommand({ configFrom, databaseUrl }));
for (const command of trustCommands()) program.addCommand(command);
program.addCommand(secretsCommand({ configFrom, databaseUrl, sealedColumns: MODULES.flatMap((module) => module.sealedColumns ?? []) }));

const configCommand = program.command('config').description('Inspect configuration');
configCommand
  .command('schema')
  .description('Print the JSON schema of the configuration (berth.yaml keys; BERTH_<SECTION>_<KEY> env)')
  .action(() => {
    console.log(JSON.stringify(configJsonSchema(), null, 2));
  });
configCommand
  .command('show')
  .description('Print the effective configuration (file + environment + defaults); passwords, also those inside URLs, hidden')
  .option('-c, --config <file>', 'YAML config file')
  .action((options: ServeOptions) => {
    const config = configFrom(options);
    console.log(JSON.stringify(redactConfig(config), null, 2));
  });

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`berth: ${err.message}`);
    process.exit(2);
  }
  console.error(err instanceof Error ? `berth: ${err.message}` : err);
  process.exit(1);
});
