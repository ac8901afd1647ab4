import { z } from 'zod';
import { SERVER_ROLES } from '../index.js';

/** A YAML boolean, or an environment string ("true"/"false", "1"/"0", "yes"/"no", "on"/"off"). */
const flag = () => z.union([z.boolean(), z.stringbool()]);

/**
 * The one configuration schema. Every key can be set in `berth.yaml` or through a
 * `BERTH_<SECTION>_<KEY>` environment variable (see load.ts). Defaults make
 * `berth serve` work on a fresh machine with nothing but a data directory.
 */
export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('0.0.0.0').describe('Address to listen on'),
        port: z.coerce.number().int().min(0).max(65535).default(5000).describe('TCP port to listen on'),
        externalUrl: z.string().url().optional().describe('Public base URL (for token realm and links); derived from the request when unset'),
        trustProxy: flag().default(false).describe('Trust X-Forwarded-* headers from a reverse proxy'),
        role: z
          .enum(SERVER_ROLES)
          .default('all')
          .describe('web: serve requests only; worker: run background tasks, schedules and the outbox, serving only /livez and /readyz; all: both'),
        headersTimeoutSeconds: z.coerce
          .number()
          .int()
          .min(1)
          .max(3600)
          .default(30)
          .describe('A client must send the whole request line and headers within this many seconds, or gets a 408 and its connection is closed'),
        idleTimeoutSeconds: z.coerce
          .number()
          .int()
          .min(1)
          .max(3600)
          .default(75)
          .describe(
            'A connection on which the client sends nothing for this many seconds (mid-body, or between keep-alive requests) is closed; time the server spends working on a request does not count. Longer than the 60 s idle timeout of common load balancers, so they close first',
          ),
        minBodyBytesPerSecond: z.coerce
          .number()
          .int()
          .min(0)
          .default(1024)
          .describe(
            'A request body must arrive at least this fast, averaged over each window of bodyRateWindowSeconds, or the request gets a 408 and its connection is closed (a slow-but-live upload at 100 KiB/s passes easily); time the server holds the body back does not count; 0 turns the rule off',
          ),
        bodyRateWindowSeconds: z.coerce
          .number()
          .int()
          .min(1)
          .max(3600)
          .default(60)
          .describe('The window over which minBodyBytesPerSecond is averaged: a body may pause within a window as long as the window as a whole is fast enough'),
        requestTimeoutMinutes: z.coerce
          .number()
          .int()
          .min(1)
          .default(6 * 60)
          .describe(
            'Upper bound on one request, from its headers to the last byte of its answer (a 10 GB layer at 1 MB/s takes under 3 hours); a request still receiving its body then gets a 408, and its connection is closed',
          ),
        maxConnections: z.coerce
          .number()
          .int()
          .min(1)
          .default(1024)
          .describe('Open client connections this instance accepts at once; connections beyond it are closed as soon as they are accepted'),
        tls: z
          .object({
            cert: z
              .string()
              .optional()
              .describe(
                'PEM file with the server certificate (and its intermediates) to serve HTTPS; read again on SIGHUP. Unset (with key unset) serves plain HTTP',
              ),
            key: z.string().optional().describe('PEM file with the private key of server.tls.cert; read again on SIGHUP'),
          })
          .strict()
          .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), { message: 'set both cert and key to serve HTTPS, or neither' })
          .default({}),
      })
      .strict()
      .default({
        host: '0.0.0.0',
        port: 5000,
        trustProxy: false,
        role: 'all',
        headersTimeoutSeconds: 30,
        idleTimeoutSeconds: 75,
        minBodyBytesPerSecond: 1024,
        bodyRateWindowSeconds: 60,
        requestTimeoutMinutes: 6 * 60,
        maxConnections: 1024,
        tls: {},
      }),
    dataDir: z.string().default('./data').describe('Directory for the embedded database, blobs and keys'),
    secretKey: z
      .string()
      .min(32)
      .optional()
      .describe(
        'Key (32 characters or more) that encrypts the secrets Berth stores (scanner and registry endpoint credentials); unset, scan.encryptionKey, else one generated at first start in <dataDir>/secret.key. Instances sharing one PostgreSQL must set the same key; an instance whose key does not open the stored secrets refuses to start. Change it with "berth secrets rotate"',
      ),
    database: z
      .object({
        url: z.string().optional().describe('postgres://… for PostgreSQL; unset means SQLite in the data directory'),
        poolSize: z.coerce.number().int().min(1).max(200).default(10).describe('PostgreSQL connection pool size'),
      })
      .strict()
      .default({ poolSize: 10 }),
    storage: z
      .object({
        driver: z
          .enum(['filesystem', 's3'])
          .default('filesystem')
          .describe('Blob storage driver: filesystem, or s3 (Amazon S3 and S3-compatible servers; see storage.s3)'),
        rootDirectory: z.string().optional().describe('Filesystem driver root; defaults to <dataDir>/blobs'),
        fsync: flag().default(true).describe('fsync blobs before acknowledging them, so a power loss loses nothing acknowledged'),
        digestThread: flag()
          .default(false)
          .describe('filesystem driver: hash uploads on a thread of their own instead of the event loop, for about 8 MiB more memory while uploads run'),
        sendfile: flag()
          .default(true)
          .describe(
            "filesystem driver: send blob downloads of 512 KiB and more with the kernel's sendfile (no copy through Berth's memory) over plain HTTP, where the native module was built at install; otherwise, and over TLS, Berth copies them",
          ),
        minFreeMegabytes: z.coerce
          .number()
          .int()
          .min(0)
          .default(256)
          .describe(
            'New content (blob uploads, manifests, mounts, copies) is refused with 507 and /readyz reports not ready while less than this many MiB are free for blobs or the SQLite database; what is kept free lets deletes and garbage collection run to reclaim space. 0 turns the guard off',
          ),
        redirect: flag()
          .default(false)
          .describe(
            "Answer blob downloads (GET /v2/<name>/blobs/<digest>) with 307 to a presigned URL of the storage, so the bytes go from S3 to the client without passing through Berth; HEAD, manifests and blobs not yet stored (proxy cache) are still served by Berth. Needs storage.driver s3 (refused otherwise) and cannot be combined with rateLimit.blobKibPerSecondPerClient, which it would bypass. The S3 endpoint clients are sent to must have a host name of its own (not Berth's, nor a subdomain of it): Go clients send their Authorization header again on a redirect to the same host name, and S3 refuses a presigned request that carries one",
          ),
        redirectExpirySeconds: z.coerce
          .number()
          .int()
          .min(10)
          .max(7 * 24 * 3600)
          .default(1200)
          .describe('How long a redirect URL of storage.redirect stays valid, in seconds (S3 allows at most 7 days)'),
        s3: z
          .object({
            bucket: z.string().min(1).optional().describe('S3 driver: the bucket blobs are kept in (must exist)'),
            region: z.string().min(1).default('us-east-1').describe("S3 driver: the bucket's region"),
            endpoint: z.string().url().optional().describe('S3 driver: endpoint URL of an S3-compatible server (MinIO, Ceph); AWS when unset'),
            forcePathStyle: flag()
              .default(false)
              .describe(
                'S3 driver: address the bucket in the path (https://host/bucket/key) instead of the host name (https://bucket.host/key); most S3-compatible servers need it',
              ),
            accessKeyId: z
              .string()
              .min(1)
              .optional()
              .describe("S3 driver: access key; when unset, the AWS SDK's standard chain (AWS_* environment, profile, instance or pod role)"),
            secretAccessKey: z.string().min(1).optional().describe('S3 driver: secret key belonging to accessKeyId'),
            sessionToken: z.string().min(1).optional().describe('S3 driver: session token of temporary credentials'),
            ca: z
              .string()
              .min(1)
              .optional()
              .describe('S3 driver: a CA certificate (PEM, or the path of a PEM file) to trust for the endpoint besides the system ones'),
            rootDirectory: z.string().default('').describe('S3 driver: key prefix every object is stored under, e.g. "berth/"; the bucket root when empty'),
            partSizeMegabytes: z.coerce
              .number()
              .int()
              .min(5)
              .max(512)
              .default(8)
              .describe('S3 driver: size in MiB of the multipart upload parts; each write holds at most one part in memory'),
            redirectEndpoint: z
              .string()
              .url()
              .optional()
              .describe(
                'S3 driver: base URL that redirect URLs (storage.redirect) name instead of endpoint, for when Berth reaches the server by a name clients cannot; used only to sign them',
              ),
          })
          .strict()
          .optional()
          .describe('S3 driver settings (storage.driver: s3)'),
      })
      .strict()
      .superRefine((storage, ctx) => {
        if (storage.driver === 's3' && !storage.s3?.bucket)
          ctx.addIssue({ code: 'custom', path: ['s3', 'bucket'], message: 'storage.s3.bucket is required with storage.driver s3' });
        if (storage.s3 && !storage.s3.accessKeyId !== !storage.s3.secretAccessKey)
          ctx.addIssue({ code: 'custom', path: ['s3', 'secretAccessKey'], message: 'storage.s3.accessKeyId and storage.s3.secretAccessKey go together' });
        if (storage.redirect && storage.driver !== 's3')
          ctx.addIssue({
            code: 'custom',
            path: ['redirect'],
            message: 'storage.redirect needs storage.driver s3: blobs on a filesystem can only be served by Berth',
          });
      })
      .default({ driver: 'filesystem', fsync: true, digestThread: false, sendfile: true, minFreeMegabytes: 256, redirect: false, redirectExpirySeconds: 1200 }),
    auth: z
      .object({
        adminPassword: z.string().min(8).optional().describe('Initial admin password (first start only); generated and printed once when unset'),
        tokenExpirationMinutes: z.coerce.number().int().min(1).max(1440).default(30).describe('Registry token lifetime'),
        tokenService: z.string().default('berth-registry').describe('The "service" named in registry tokens'),
        tokenIssuer: z.string().default('berth-token-issuer').describe('The "iss" claim of registry tokens'),
        sessionTimeoutMinutes: z.coerce
          .number()
          .int()
          .min(1)
          .max(60 * 24 * 30)
          .default(60)
          .describe('Lifetime of a portal session'),
        selfRegistration: flag().default(false).describe('Let anyone create an account (default for the runtime setting)'),
        projectCreationRestriction: z.enum(['everyone', 'adminonly']).default('everyone').describe('Who may create projects (default for the runtime setting)'),
        oidcCliSecretNeedsSession: flag()
          .default(false)
          .describe(
            "In oidc_auth mode, refuse an OIDC user's CLI secret once the provider no longer refreshes the user's session (Harbor's behaviour); off, the CLI secret works until it is changed or the user removed",
          ),
      })
      .strict()
      .default({
        tokenExpirationMinutes: 30,
        tokenService: 'berth-registry',
        tokenIssuer: 'berth-token-issuer',
        sessionTimeoutMinutes: 60,
        selfRegistration: false,
        projectCreationRestriction: 'everyone',
        oidcCliSecretNeedsSession: false,
      }),
    audit: z
      .object({
        retentionDays: z.coerce.number().int().min(1).default(90).describe('Audit log entries older than this are purged'),
      })
      .strict()
      .default({ retentionDays: 90 }),
    registry: z
      .object({
        maxManifestBytes: z.coerce
          .number()
          .int()
          .min(1024)
          .default(4 * 1024 * 1024)
          .describe('Largest manifest accepted, in bytes'),
        uploadTimeoutMinutes: z.coerce
          .number()
          .int()
          .min(1)
          .default(24 * 60)
          .describe('Uploads idle longer than this may be purged'),
        emptyUploadTimeoutMinutes: z.coerce
          .number()
          .int()
          .min(1)
          .default(5)
          .describe('Uploads that never received a byte and are idle longer than this may be purged (clients write right after opening one)'),
        maxUploadsPerAccount: z.coerce
          .number()
          .int()
          .min(1)
          .default(100)
          .describe('Upload sessions one user or robot may have in use at once (written to within the last hour); one more is refused with 429 TOOMANYREQUESTS'),
      })
      .strict()
      .default({ maxManifestBytes: 4 * 1024 * 1024, uploadTimeoutMinutes: 24 * 60, emptyUploadTimeoutMinutes: 5, maxUploadsPerAccount: 100 }),
    rateLimit: z
      .object({
        windowSeconds: z.coerce.number().int().min(1).max(3600).default(60).describe('The window every request rate limit counts over'),
        apiPerClient: z.coerce
          .number()
          .int()
          .min(0)
          .default(10_000)
          .describe(
            'Requests to the management API (/api/v2.0) one client address may make per window; more are answered 429 with Retry-After; 0 turns the limit off',
          ),
        apiPerAccount: z.coerce
          .number()
          .int()
          .min(0)
          .default(10_000)
          .describe('Requests to the management API one signed-in user or robot may make per window, from any address; 0 turns the limit off'),
        tokenPerClient: z.coerce
          .number()
          .int()
          .min(0)
          .default(3_000)
          .describe('Requests to the token service (/service/token) one client address may make per window; 0 turns the limit off'),
        tokenPerAccount: z.coerce
          .number()
          .int()
          .min(0)
          .default(3_000)
          .describe('Tokens one user or robot may be issued per window, from any address; 0 turns the limit off'),
        loginPerClient: z.coerce
          .number()
          .int()
          .min(0)
          .default(300)
          .describe('Portal sign-ins (POST /c/login), failed or not, one client address may attempt per window; 0 turns the limit off'),
        loginPerAccount: z.coerce
          .number()
          .int()
          .min(0)
          .default(100)
          .describe('Portal sign-ins naming one account, from any address, per window; 0 turns the limit off'),
        maxTrackedKeys: z.coerce
          .number()
          .int()
          .min(100)
          .max(10_000_000)
          .default(100_000)
          .describe('Client addresses (and, apart, accounts) each limit remembers at once; past it the oldest windows are forgotten, so memory stays bounded'),
        blobKibPerSecondPerClient: z.coerce
          .number()
          .int()
          .min(0)
          .default(0)
          .describe('Blob downloads from /v2/ to one client address, in KiB/s, shared by all its downloads at once; 0 turns the limit off'),
      })
      .strict()
      .default({
        windowSeconds: 60,
        apiPerClient: 10_000,
        apiPerAccount: 10_000,
        tokenPerClient: 3_000,
        tokenPerAccount: 3_000,
        loginPerClient: 300,
        loginPerAccount: 100,
        maxTrackedKeys: 100_000,
        blobKibPerSecondPerClient: 0,
      }),
    proxyCache: z
      .object({
        tagFreshnessSeconds: z.coerce
          .number()
          .int()
          .min(0)
          .max(7 * 24 * 3600)
          .default(300)
          .describe(
            'A proxy cache project serves a cached tag without asking the upstream for this long after it last compared it; older, a pull checks the upstream digest first (0: every pull checks)',
          ),
      })
      .strict()
      .default({ tagFreshnessSeconds: 300 }),
    awsEcr: z
      .object({
        apiEndpoint: z
          .string()
          .url()
          .max(2048)
          .optional()
          .describe(
            "Where registry endpoints of type aws-ecr get their tokens (ECR's GetAuthorizationToken), e.g. a VPC endpoint; unset: the region's public ECR API",
          ),
        region: z
          .string()
          .regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/, 'an AWS region such as us-east-1')
          .optional()
          .describe("The AWS region for aws-ecr endpoints whose URL does not name one (ECR's own URLs do: <account>.dkr.ecr.<region>.amazonaws.com)"),
      })
      .strict()
      .default({}),
    quota: z
      .object({
        storagePerProject: z.coerce
          .number()
          .int()
          .min(-1)
          .default(-1)
          .describe('Default storage limit of a new project in bytes; -1 is unlimited (default for the runtime setting)'),
      })
      .strict()
      .default({ storagePerProject: -1 }),
    jobs: z
      .object({
        workers: z.coerce
          .number()
          .int()
          .min(0)
          .max(64)
          .default(4)
          .describe('Background tasks (GC, retention, webhooks) run at once on this instance; 0 serves requests only'),
        pollIntervalMs: z.coerce.number().int().min(50).max(60_000).default(1000).describe('How often idle workers look for queued tasks and due schedules'),
        leaseSeconds: z.coerce
          .number()
          .int()
          .min(5)
          .max(3600)
          .default(30)
          .describe('A task whose instance stopped renewing its hold on it for this long (the instance crashed) is taken over by another worker'),
      })
      .strict()
      .default({ workers: 4, pollIntervalMs: 1000, leaseSeconds: 30 }),
    metrics: z
      .object({
        enabled: flag()
          .default(true)
          .describe(
            'Serve Prometheus metrics at /metrics, without authentication: labels carry route patterns, methods, status codes and task kinds, never project, repository or user names',
          ),
        port: z.coerce
          .number()
          .int()
          .min(0)
          .max(65535)
          .optional()
          .describe("Serve /metrics on this port (on server.host) instead of the main one, so only the scrapers' network need reach it; unset: on the main port"),
      })
      .strict()
      .default({ enabled: true }),
    housekeeping: z
      .object({
        eventsDays: z.coerce.number().int().min(1).default(7).describe('Outbox events already handed to their consumers are deleted after this many days'),
        executionsDays: z.coerce
          .number()
          .int()
          .min(1)
          .default(30)
          .describe('Finished job executions (GC, retention, webhook deliveries…) with their tasks and logs are deleted after this many days'),
      })
      .strict()
      .default({ eventsDays: 7, executionsDays: 30 }),
    gc: z
      .object({
        graceMinutes: z.coerce
          .number()
          .int()
          .min(0)
          .default(120)
          .describe('Garbage collection keeps unreferenced blobs uploaded or mounted within this many minutes (uploads in flight)'),
        batchSize: z.coerce.number().int().min(1).max(10_000).default(200).describe('Blobs or artifacts garbage collection deletes per transaction'),
        pauseFactor: z.coerce
          .number()
          .min(0)
          .max(100)
          .default(4)
          .describe('After each batch, garbage collection rests this many times as long as the batch took, leaving the rest to pushes and pulls; 0 runs flat out'),
      })
      .strict()
      .default({ graceMinutes: 120, batchSize: 200, pauseFactor: 4 }),
    outbound: z
      .object({
        allowPrivateNetworks: flag()
          .default(false)
          .describe(
            'Let webhook deliveries and tests reach loopback, private, link-local (cloud metadata) and other non-public addresses; off, a target that is or resolves to one is refused',
          ),
      })
      .strict()
      .default({ allowPrivateNetworks: false }),
    ldap: z
      .object({
        ca: z.string().min(1).optional().describe('A CA certificate (PEM, or the path of a PEM file) to trust for ldaps:// and StartTLS besides the system ones'),
        startTls: flag().default(false).describe('Upgrade ldap:// connections to the LDAP server with StartTLS before binding (ldaps:// is TLS from the start)'),
      })
      .strict()
      .default({ startTls: false }),
    scan: z
      .object({
        vulndb: z
          .object({
            sources: z
              .preprocess(
                (value) => (typeof value === 'string' ? value.split(/[\s,]+/).filter((url) => url !== '') : value),
                z.array(z.string().url().max(2048)).max(100),
              )
              .default([])
              .describe(
                'URLs of OSV data that "berth vulndb update" and the daily update task download and import: zips of OSV records (OSV\'s <ecosystem>/all.zip) or single OSV .json files; in the environment, separated by commas. Private addresses need outbound.allowPrivateNetworks',
              ),
            maxAgeDays: z.coerce
              .number()
              .int()
              .min(1)
              .default(7)
              .describe('A scan against vulnerability data last imported longer ago than this says in its report that the data is out of date'),
            maxDownloadBytes: z.coerce
              .number()
              .int()
              .min(1024)
              .default(2 * 1024 * 1024 * 1024)
              .describe('Largest download of one vulnerability data source; a larger one is abandoned and imports nothing'),
            downloadTimeoutMinutes: z.coerce
              .number()
              .int()
              .min(1)
              .default(30)
              .describe('One source must be downloaded, from connecting to its last byte, within this many minutes'),
          })
          .strict()
          .default({ sources: [], maxAgeDays: 7, maxDownloadBytes: 2 * 1024 * 1024 * 1024, downloadTimeoutMinutes: 30 }),
        encryptionKey: z.string().min(32).optional().describe('Older name of secretKey, still honoured when secretKey is unset'),
        adapterApiKey: z
          .string()
          .min(16)
          .optional()
          .describe(
            'Serve the built-in scanner as a Harbor scanner adapter under /scanner-adapter/api/v1 to callers sending this key (X-ScannerAdapter-API-Key, or Authorization: Bearer <key>); unset, the adapter API is off',
          ),
        pollSeconds: z.coerce
          .number()
          .int()
          .min(1)
          .max(127)
          .default(5)
          .describe('How long a scan waits between polls of an external adapter that did not answer Refresh-After'),
        timeoutMinutes: z.coerce
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .default(60)
          .describe('A scan of one artifact that takes longer than this fails'),
      })
      .strict()
      .default({ vulndb: { sources: [], maxAgeDays: 7, maxDownloadBytes: 2 * 1024 * 1024 * 1024, downloadTimeoutMinutes: 30 }, pollSeconds: 5, timeoutMinutes: 60 }),
    portal: z
      .object({
        directory: z.string().optional().describe("Directory of the built web portal served at /; defaults to the package's dist/web (built by npm ci)"),
      })
      .strict()
      .default({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .strict()
      .default({ level: 'info' }),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.storage.redirect && config.rateLimit.blobKibPerSecondPerClient > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['storage', 'redirect'],
        message: 'storage.redirect cannot be combined with rateLimit.blobKibPerSecondPerClient: downloads sent to S3 would not be limited',
      });
  });

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
