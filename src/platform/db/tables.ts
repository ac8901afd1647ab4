import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Epoch milliseconds. Stored as BIGINT on both dialects. */
export type Millis = number;

export interface UsersTable {
  id: Generated<number>;
  username: string;
  email: string | null;
  realname: string;
  password_hash: string;
  comment: ColumnType<string, string | undefined, string>;
  sysadmin_flag: ColumnType<number, number | undefined, number>;
  /** 1 when the identity provider put the user in its admin group at the last sign-in. */
  group_admin: ColumnType<number, number | undefined, number>;
  created_at: Millis;
  updated_at: Millis;
}

export interface UserGroupsTable {
  id: Generated<number>;
  group_name: string;
  /** 1 LDAP, 2 HTTP, 3 OIDC. */
  group_type: number;
  ldap_group_dn: ColumnType<string, string | undefined, string>;
  /** The DN, lowercased, for LDAP groups; the name for the others. Unique with the type. */
  group_key: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface UserGroupMembersTable {
  user_id: number;
  group_id: number;
}

export interface ProjectsTable {
  id: Generated<number>;
  name: string;
  owner_id: number;
  public: ColumnType<number, number | undefined, number>;
  created_at: Millis;
  updated_at: Millis;
  /** A proxy cache project's registry endpoint; null for ordinary projects. */
  registry_id: ColumnType<number | null, number | null | undefined, number | null>;
}

/** A proxy cache project's tags: what each named upstream when last compared (src/proxy-cache/). */
export interface ProxyCacheTagsTable {
  repository: string;
  tag: string;
  digest: string;
  media_type: string;
  checked_at: Millis;
}

/** A fetch from a proxy cache's upstream under way on some instance (0031_proxy_fetches). */
export interface ProxyFetchesTable {
  key: string;
  /** The fetch holding it (a random token). */
  holder: string;
  held_until: Millis;
}

export interface RepositoriesTable {
  id: Generated<number>;
  project_id: number;
  /** Full name including the project: `library/nginx`. */
  name: string;
  pull_count: ColumnType<number, number | undefined, number>;
  description: ColumnType<string, string | undefined, string>;
  created_at: Millis;
  updated_at: Millis;
}

/** Content known to storage, verified. Shared across repositories. */
export interface BlobsTable {
  digest: string;
  size: number;
  created_at: Millis;
}

/** A blob is visible in a repository only through a link (uploaded, mounted or referenced there). */
export interface RepositoryBlobsTable {
  repository_id: number;
  digest: string;
  created_at: Millis;
}

export interface ArtifactsTable {
  id: Generated<number>;
  repository_id: number;
  digest: string;
  media_type: string;
  artifact_type: string | null;
  /** Manifest bytes plus every referenced blob. */
  size: number;
  manifest_size: number;
  subject_digest: string | null;
  /** The manifest's own `annotations`, as JSON text, for referrers responses. */
  annotations: string | null;
  push_time: Millis;
  pull_time: Millis | null;
  /**
   * What listings show, from the manifest and config at push (src/content/facts.ts); NULL
   * on rows pushed before they were kept, until the startup backfill fills them.
   * Harbor's kind: IMAGE, CHART, CNAB, WASM, SBOM, SIGNATURE or UNKNOWN.
   */
  type: ColumnType<string | null, string | null | undefined, string | null>;
  /** The config's media type; NULL for indexes. */
  config_media_type: ColumnType<string | null, string | null | undefined, string | null>;
  /** JSON object: what the API shows of the config (bounded). */
  extra_attrs: ColumnType<string | null, string | null | undefined, string | null>;
  /** Harbor's accessory type, for artifacts with a subject. */
  accessory_type: ColumnType<string | null, string | null | undefined, string | null>;
  /** JSON array: an index's children with their platform, urls and annotations, in order. */
  index_references: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A chart artifact as the classic Helm repository lists it (src/charts owns it). */
export interface ChartVersionsTable {
  artifact_id: number;
  project_id: number;
  /** Chart.yaml's name and version. */
  name: string;
  version: string;
  /** sha256:… of the .tgz layer. */
  chart_digest: string;
  chart_size: number;
  /** sha256:… of the provenance layer, when the chart has one. */
  prov_digest: string | null;
}

/** What a manifest points at: blobs (config, layers) and manifests (index children). */
export interface ArtifactReferencesTable {
  artifact_id: number;
  child_digest: string;
  child_kind: 'blob' | 'manifest';
}

export interface TagsTable {
  id: Generated<number>;
  repository_id: number;
  artifact_id: number;
  name: string;
  push_time: Millis;
  pull_time: Millis | null;
}

export interface UploadsTable {
  id: string;
  repository_id: number;
  /** The account that opened the upload (`user:5`, `robot:3`); NULL for anonymous, system and older uploads. */
  account: string | null;
  size: number;
  created_at: Millis;
  updated_at: Millis;
  /** The request writing the upload now (a random token), or NULL; it holds the upload until writer_until. */
  writer: string | null;
  writer_until: Millis | null;
}

export interface SystemKeysTable {
  name: string;
  value: string;
  created_at: Millis;
}

/** The outbox: every change writes a row here in the same transaction. */
export interface EventsTable {
  id: Generated<number>;
  type: string;
  project_id: number | null;
  repository: string | null;
  digest: string | null;
  tag: string | null;
  operator: string | null;
  created_at: Millis;
  /** 1 once the outbox dispatcher handed the event to its consumers. */
  dispatched: ColumnType<number, number | undefined, number>;
  /** The execution an execution's end event is about (0028). */
  execution_id: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface ProjectMetadataTable {
  project_id: number;
  name: string;
  value: string;
}

/** Role ids as Harbor numbers them: 1 projectAdmin, 2 developer, 3 guest, 4 maintainer, 5 limitedGuest. */
export interface ProjectMembersTable {
  id: Generated<number>;
  project_id: number;
  /** 'u' user, 'g' group. */
  entity_type: string;
  entity_id: number;
  role: number;
  repository_patterns: string | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface RobotsTable {
  id: Generated<number>;
  /** Full name including the prefix: `robot$ci` or `robot$project+ci`. */
  name: string;
  description: ColumnType<string, string | undefined, string>;
  level: 'system' | 'project';
  project_id: number | null;
  secret_hash: string;
  /** Days; -1 never expires. */
  duration: number;
  /** Epoch ms, or -1 for never. */
  expires_at: number;
  disabled: ColumnType<number, number | undefined, number>;
  creator: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface RobotPermissionsTable {
  id: Generated<number>;
  robot_id: number;
  kind: string;
  /** A project name, `*` for every project, or `/` for the system. */
  namespace: string;
  access: string;
  repository_patterns: string | null;
}

export interface SessionsTable {
  /** SHA-256 of the cookie value: a leaked table does not hand out sessions. */
  id: string;
  user_id: number;
  csrf_token: string;
  expires_at: Millis;
  created_at: Millis;
}

export interface AuditLogsTable {
  id: Generated<number>;
  project_id: number | null;
  operation: string;
  resource_type: string;
  resource: string;
  username: string;
  client_ip: string | null;
  success: ColumnType<number, number | undefined, number>;
  op_time: Millis;
}

export interface SettingsTable {
  name: string;
  value: string;
}

export interface LabelsTable {
  id: Generated<number>;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  color: ColumnType<string, string | undefined, string>;
  /** 'g' global, 'p' project. */
  scope: string;
  /** 0 for global labels. */
  project_id: ColumnType<number, number | undefined, number>;
  created_at: Millis;
  updated_at: Millis;
}

export interface ArtifactLabelsTable {
  artifact_id: number;
  label_id: number;
  created_at: Millis;
}

export interface ImmutableRulesTable {
  id: Generated<number>;
  project_id: number;
  priority: ColumnType<number, number | undefined, number>;
  disabled: ColumnType<number, number | undefined, number>;
  /** JSON: [{kind, decoration: matches|excludes, pattern}] */
  tag_selectors: string;
  /** JSON: {repository: [{kind, decoration: repoMatches|repoExcludes, pattern}]} */
  scope_selectors: string;
  created_at: Millis;
  updated_at: Millis;
}

/** A project's storage limit and what its artifacts use, in bytes. */
export interface QuotasTable {
  id: Generated<number>;
  project_id: number;
  /** -1 is unlimited. */
  hard_storage: number;
  created_at: Millis;
  updated_at: Millis;
}

/** One of a project's usage counters; usage is their sum. */
export interface QuotaShardsTable {
  project_id: number;
  shard: number;
  used: number;
  /** How far `used` may grow without a look at the other shards; -1 without a limit. */
  allowance: number;
}

/** Each digest a project's artifacts hold, counted once however many artifacts hold it. */
export interface ProjectBlobsTable {
  project_id: number;
  digest: string;
  size: number;
  /** How many artifacts of the project hold the digest. */
  refs: number;
}

export type JobStatus = 'Pending' | 'Running' | 'Stopped' | 'Error' | 'Success';

/** One run of something (a GC, a retention run, a webhook delivery), made of tasks. */
export interface ExecutionsTable {
  id: Generated<number>;
  vendor_type: string;
  vendor_id: ColumnType<number, number | undefined, number>;
  status: JobStatus;
  status_message: ColumnType<string, string | undefined, string>;
  /** MANUAL, SCHEDULE or EVENT, as Harbor spells triggers. */
  trigger: string;
  /** JSON: parameters and results shown with the execution. */
  extra_attrs: ColumnType<string, string | undefined, string>;
  start_time: Millis;
  end_time: Millis | null;
  update_time: Millis;
  /** The outbox event written when the execution ends, if it announces its end (0028). */
  end_event: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A unit of work a worker claims with a lease; retried with backoff up to max_attempts. */
export interface TasksTable {
  id: Generated<number>;
  execution_id: number;
  kind: string;
  params: ColumnType<string, string | undefined, string>;
  status: JobStatus;
  status_message: ColumnType<string, string | undefined, string>;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: ColumnType<number, number | undefined, number>;
  run_after: Millis;
  lease_owner: string | null;
  lease_expires_at: Millis | null;
  stop_requested: ColumnType<number, number | undefined, number>;
  extra_attrs: ColumnType<string, string | undefined, string>;
  /** JSON the running attempt saved to continue from (0029); null once the task ends. */
  checkpoint: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Millis;
  start_time: Millis | null;
  end_time: Millis | null;
  update_time: Millis;
}

export interface TaskLogsTable {
  id: Generated<number>;
  task_id: number;
  created_at: Millis;
  line: string;
}

/** A cron schedule; the instance that moves next_run_at on fires it, so it fires once. */
export interface SchedulesTable {
  id: Generated<number>;
  vendor_type: string;
  vendor_id: ColumnType<number, number | undefined, number>;
  cron: string;
  params: ColumnType<string, string | undefined, string>;
  next_run_at: Millis;
  created_at: Millis;
  update_time: Millis;
}

/** An instance's job workers, refreshed while it runs. */
export interface WorkerPoolsTable {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  start_at: Millis;
  heartbeat_at: Millis;
}

/** A project's tag retention policy; rules and trigger kept as Harbor's JSON. */
export interface RetentionPoliciesTable {
  id: Generated<number>;
  project_id: number;
  algorithm: ColumnType<string, string | undefined, string>;
  /** JSON: Harbor's RetentionRule[] */
  rules: string;
  /** JSON: Harbor's RetentionRuleTrigger */
  trigger: string;
  created_at: Millis;
  updated_at: Millis;
}

/** A project's webhook (notification) policy; targets and event types kept as Harbor's JSON. */
export interface WebhookPoliciesTable {
  id: Generated<number>;
  project_id: number;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  /** JSON: Harbor's WebhookTargetObject[] */
  targets: string;
  /** JSON: event type names */
  event_types: string;
  creator: ColumnType<string, string | undefined, string>;
  enabled: ColumnType<number, number | undefined, number>;
  created_at: Millis;
  updated_at: Millis;
}

/** Digests of deleted artifacts whose manifest bytes GC may remove once nothing points at them. */
export interface DeletedManifestsTable {
  digest: string;
  size: number;
  deleted_at: Millis;
}

/** One OSV record (`scan/vulndb`). JSON columns hold text; `details` is cut to a bound at import. */
export interface VulnRecordsTable {
  /** The OSV id: GHSA-…, GO-…, DEBIAN-CVE-…, ALPINE-CVE-… */
  id: string;
  modified: Millis;
  published: Millis | null;
  /** Set: the record no longer applies; it is kept (a later import compares `modified`) but never matched. */
  withdrawn: Millis | null;
  /** JSON string array. */
  aliases: string;
  summary: string;
  details: string;
  /** JSON: the record's `severity` array (or the first affected entry's, when the record has none). */
  severity: string;
  /** JSON: `references`. */
  references: string;
  /** JSON string array, from `database_specific.cwe_ids`. */
  cwe_ids: string;
  /** JSON: Harbor's preferred_cvss, scored at import. */
  preferred_cvss: string;
  /** Harbor's severity, from the CVSS score or the database's own label. */
  severity_label: string;
  /** The file, zip or URL the record was last imported from. */
  source: string;
  imported_at: Millis;
}

/** A package an OSV record names, keyed for lookups by (ecosystem, package). */
export interface VulnAffectedTable {
  id: Generated<number>;
  record_id: string;
  /** The OSV ecosystem with its release: `Debian:12`, `Alpine:v3.18`, `npm`. */
  ecosystem: string;
  /** The package name, PEP 503-normalised for PyPI. */
  package: string;
  purl: string | null;
  /** JSON: `{ ranges, versions }` of the affected entry. */
  affected: string;
  /** JSON: the entry's `ecosystem_specific` (Debian urgency, Go imports). */
  ecosystem_specific: string | null;
}

export interface VulnDbMetaTable {
  key: string;
  value: string;
}

/** A registry endpoint (Harbor's `registry`), 0022. */
export interface RegistriesTable {
  id: Generated<number>;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  url: string;
  /** The adapter: 'harbor', 'docker-registry', 'docker-hub'… */
  type: string;
  /** 'basic' or 'oauth'; '' for anonymous access. */
  credential_type: ColumnType<string, string | undefined, string>;
  access_key: ColumnType<string, string | undefined, string>;
  /** Sealed; '' when none. */
  access_secret: ColumnType<string, string | undefined, string>;
  insecure: ColumnType<number, number | undefined, number>;
  /** PEM; '' when none. */
  ca_certificate: ColumnType<string, string | undefined, string>;
  /** 'healthy' or 'unhealthy' from the last check; '' before the first. */
  status: ColumnType<string, string | undefined, string>;
  created_at: Millis;
  updated_at: Millis;
}

/** A replication policy (0025); a null registry is this Berth. */
export interface ReplicationPoliciesTable {
  id: Generated<number>;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  src_registry_id: number | null;
  dest_registry_id: number | null;
  dest_namespace: ColumnType<string, string | undefined, string>;
  dest_namespace_replace_count: ColumnType<number, number | undefined, number>;
  trigger_type: ColumnType<string, string | undefined, string>;
  trigger_cron: ColumnType<string, string | undefined, string>;
  filters: ColumnType<string, string | undefined, string>;
  replicate_deletion: ColumnType<number, number | undefined, number>;
  override: ColumnType<number, number | undefined, number>;
  enabled: ColumnType<number, number | undefined, number>;
  speed: ColumnType<number, number | undefined, number>;
  copy_by_chunk: ColumnType<number, number | undefined, number>;
  single_active_replication: ColumnType<number, number | undefined, number>;
  created_by: ColumnType<string, string | undefined, string>;
  created_at: Millis;
  updated_at: Millis;
}

/** One row: a known constant sealed with the key of the stored secrets (0022). */
export interface SecretKeyCheckTable {
  id: number;
  check_value: string;
}

export interface ScannerRegistrationsTable {
  id: Generated<number>;
  uuid: string;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  url: string;
  /** '', 'Basic', 'Bearer' or 'APIKey'. */
  auth: ColumnType<string, string | undefined, string>;
  /** Encrypted; '' when none. */
  access_credential: ColumnType<string, string | undefined, string>;
  skip_cert_verify: ColumnType<number, number | undefined, number>;
  use_internal_addr: ColumnType<number, number | undefined, number>;
  disabled: ColumnType<number, number | undefined, number>;
  is_default: ColumnType<number, number | undefined, number>;
  /** The in-process scanner: cannot be deleted or pointed elsewhere. */
  builtin: ColumnType<number, number | undefined, number>;
  adapter: ColumnType<string, string | undefined, string>;
  vendor: ColumnType<string, string | undefined, string>;
  version: ColumnType<string, string | undefined, string>;
  /** JSON: the adapter metadata as last read; '' before. */
  metadata: ColumnType<string, string | undefined, string>;
  created_at: Millis;
  updated_at: Millis;
}

export interface ProjectScannersTable {
  project_id: number;
  registration_id: number;
}

export interface ScanReportsTable {
  id: Generated<number>;
  uuid: string;
  digest: string;
  registration_id: number;
  mime_type: string;
  /** Pending, Running, Success, Error, Stopped. */
  status: string;
  status_message: ColumnType<string, string | undefined, string>;
  severity: ColumnType<string, string | undefined, string>;
  /** JSON VulnerabilitySummary; '' until done. */
  summary: ColumnType<string, string | undefined, string>;
  /** JSON report; '' until done. */
  report: ColumnType<string, string | undefined, string>;
  /** JSON [[id, severity], …] of the report's items, for the pull gate; '' until done (or stored before 0017). */
  vulnerabilities: ColumnType<string, string | undefined, string>;
  task_id: number | null;
  start_time: Millis;
  end_time: Millis | null;
}

/** A CVE allowlist: a project's, or the system's under project id 0 (as Harbor keeps them). */
export interface CveAllowlistsTable {
  id: Generated<number>;
  project_id: number;
  /** Unix seconds; null: never expires. */
  expires_at: number | null;
  /** JSON array of vulnerability ids. */
  items: string;
  created_at: Millis;
  updated_at: Millis;
}

/** One vulnerability of a successful report, for the security hub and CVE exports (0019). */
export interface ScanReportItemsTable {
  id: Generated<number>;
  report_id: number;
  cve_id: string;
  package: string;
  version: string;
  fix_version: string;
  severity: string;
  severity_rank: number;
  cvss_v3_score: number | null;
  cvss_v3_vector: string;
  cvss_v2_score: number | null;
  cvss_v2_vector: string;
  cwe_ids: string;
  description: string;
  link: string;
}

/** A CVE export's file and who asked for it; outlives its execution until the file is gone. */
export interface ScanExportsTable {
  id: Generated<number>;
  execution_id: number;
  requester_kind: string;
  requester_id: number;
  requester_name: string;
  job_name: string;
  path: string;
  file_present: ColumnType<number, number | undefined, number>;
  rows: ColumnType<number, number | undefined, number>;
  created_at: Millis;
}

/** A public key or root certificate signatures are checked against; project 0 is the system's. */
export interface TrustMaterialTable {
  id: Generated<number>;
  project_id: number;
  kind: string;
  name: string;
  pem: string;
  fingerprint: string;
  created_by: string;
  created_at: Millis;
}

export interface TrustPoliciesTable {
  project_id: number;
  notation_level: ColumnType<string, string | undefined, string>;
  trusted_identities: ColumnType<string, string | undefined, string>;
  require_log_entry: ColumnType<number, number | undefined, number>;
  /** JSON array of `{ issuer, subject }` patterns keyless cosign signers must match. */
  keyless_identities: ColumnType<string, string | undefined, string>;
  notation_verify_timestamp: ColumnType<string, string | undefined, string>;
  updated_at: Millis;
}

export interface SignatureVerdictsTable {
  id: Generated<number>;
  signature_id: number;
  material_hash: string;
  verified: number;
  signer: ColumnType<string, string | undefined, string>;
  reason: ColumnType<string, string | undefined, string>;
  details: ColumnType<string, string | undefined, string>;
  checked_at: Millis;
  recheck_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface SealedSettingsTable {
  name: string;
  /** Sealed by the SecretBox. */
  value: string;
}

export interface OidcUsersTable {
  id: Generated<number>;
  user_id: number;
  issuer: string;
  subject: string;
  /** The CLI secret, sealed by the SecretBox (shown to its user). */
  secret: string;
  /** The CLI secret's scrypt hash (checked at docker/podman logins). */
  secret_hash: string;
  /** The provider's refresh token, sealed; '' when it gave none. */
  refresh_token: ColumnType<string, string | undefined, string>;
  token_expires_at: Millis | null;
  session_ended_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface Tables {
  users: UsersTable;
  user_groups: UserGroupsTable;
  user_group_members: UserGroupMembersTable;
  chart_versions: ChartVersionsTable;
  projects: ProjectsTable;
  proxy_cache_tags: ProxyCacheTagsTable;
  proxy_fetches: ProxyFetchesTable;
  repositories: RepositoriesTable;
  blobs: BlobsTable;
  repository_blobs: RepositoryBlobsTable;
  artifacts: ArtifactsTable;
  artifact_references: ArtifactReferencesTable;
  tags: TagsTable;
  uploads: UploadsTable;
  system_keys: SystemKeysTable;
  events: EventsTable;
  project_metadata: ProjectMetadataTable;
  project_members: ProjectMembersTable;
  robots: RobotsTable;
  robot_permissions: RobotPermissionsTable;
  sessions: SessionsTable;
  audit_logs: AuditLogsTable;
  settings: SettingsTable;
  sealed_settings: SealedSettingsTable;
  oidc_users: OidcUsersTable;
  labels: LabelsTable;
  artifact_labels: ArtifactLabelsTable;
  immutable_rules: ImmutableRulesTable;
  quotas: QuotasTable;
  project_blobs: ProjectBlobsTable;
  quota_shards: QuotaShardsTable;
  executions: ExecutionsTable;
  tasks: TasksTable;
  task_logs: TaskLogsTable;
  schedules: SchedulesTable;
  webhook_policies: WebhookPoliciesTable;
  retention_policies: RetentionPoliciesTable;
  worker_pools: WorkerPoolsTable;
  deleted_manifests: DeletedManifestsTable;
  vuln_records: VulnRecordsTable;
  vuln_affected: VulnAffectedTable;
  vuln_db_meta: VulnDbMetaTable;
  scanner_registrations: ScannerRegistrationsTable;
  project_scanners: ProjectScannersTable;
  scan_reports: ScanReportsTable;
  cve_allowlists: CveAllowlistsTable;
  scan_report_items: ScanReportItemsTable;
  scan_exports: ScanExportsTable;
  trust_material: TrustMaterialTable;
  trust_policies: TrustPoliciesTable;
  signature_verdicts: SignatureVerdictsTable;
  registries: RegistriesTable;
  replication_policies: ReplicationPoliciesTable;
  secret_key_check: SecretKeyCheckTable;
}

export type User = Selectable<UsersTable>;
export type UserGroup = Selectable<UserGroupsTable>;
export type OidcUser = Selectable<OidcUsersTable>;
export type Project = Selectable<ProjectsTable>;
export type Repository = Selectable<RepositoriesTable>;
export type Artifact = Selectable<ArtifactsTable>;
export type NewArtifact = Insertable<ArtifactsTable>;
export type Upload = Selectable<UploadsTable>;
export type ProjectMember = Selectable<ProjectMembersTable>;
export type Robot = Selectable<RobotsTable>;
export type RobotPermissionRow = Selectable<RobotPermissionsTable>;
export type AuditLog = Selectable<AuditLogsTable>;
export type Label = Selectable<LabelsTable>;
export type ImmutableRuleRow = Selectable<ImmutableRulesTable>;
export type QuotaRow = Selectable<QuotasTable>;
export type Execution = Selectable<ExecutionsTable>;
export type Task = Selectable<TasksTable>;
export type Schedule = Selectable<SchedulesTable>;
export type WebhookPolicyRow = Selectable<WebhookPoliciesTable>;
export type RetentionPolicyRow = Selectable<RetentionPoliciesTable>;
export type OutboxEventRow = Selectable<EventsTable>;
export type ScannerRegistrationRow = Selectable<ScannerRegistrationsTable>;
export type RegistryRow = Selectable<RegistriesTable>;
export type ReplicationPolicyRow = Selectable<ReplicationPoliciesTable>;
export type ScanReportRow = Selectable<ScanReportsTable>;
export type CveAllowlistRow = Selectable<CveAllowlistsTable>;
