import {
  AccessoryShape,
  AdditionLinkShape,
  ArtifactShape,
  BuildHistoryEntryShape,
  PlatformShape,
  ReferenceShape,
  RepositoryShape,
  TagShape,
} from '../artifacts/index.js';
import { AuditLogShape } from '../audit/index.js';
import { PermissionShape } from '../auth/index.js';
import { GCHistoryShape, ScheduleObjShape } from '../gc/index.js';
import { LdapFailedImportUserShape, LdapPingResultShape, LdapUserShape, ldapConfSchema, ldapImportSchema } from '../identity/index.js';
import { JobQueueShape, WorkerPoolShape, WorkerShape } from '../jobservice/index.js';
import { LabelShape } from '../labels/index.js';
import { ImmutableRuleShape, ImmutableSelectorShape } from '../policies/immutability/index.js';
import {
  RetentionExecutionShape,
  RetentionExecutionTaskShape,
  RetentionPolicyShape,
  RetentionRuleShape,
  RetentionRuleTriggerShape,
  RetentionSelectorShape,
} from '../policies/retention/index.js';
import { CVEAllowlistShape, ProjectMemberEntityShape, ProjectMetadataShape, ProjectShape, ProjectSummaryShape, QuotaShape } from '../projects/index.js';
import { AccessShape, PermissionsShape, RobotCreatedShape, RobotPermissionShape, RobotSecShape, RobotShape } from '../robots/index.js';
import {
  FilterStyleShape,
  RegistryCredentialShape,
  RegistryInfoShape,
  RegistryProviderInfoShape,
  RegistryShape,
  ReplicationExecutionShape,
  ReplicationPolicyShape,
  ReplicationPreviewShape,
  ReplicationTaskShape,
} from '../replication/index.js';
import { SearchRepositoryShape, SearchShape } from '../search/index.js';
import { ConfigurationsResponseShape } from '../system/index.js';
import { SignatureVerdictShape, TrustMaterialInputShape, TrustMaterialShape, TrustPolicyInputShape, TrustPolicyShape } from '../trust/index.js';
import { UserRespShape, UserSearchRespItemShape } from '../users/index.js';
import { UserGroupSearchItemShape, UserGroupShape } from '../usergroups/index.js';
import { ExecutionShape, MetricsShape, SupportedWebhookEventTypesShape, TaskShape, WebhookPolicyShape, WebhookTargetObjectShape } from '../webhooks/index.js';
import type { ShapeRegistry } from './definitions.js';
import { GeneralInfoShape, StatisticShape, SystemInfoShape } from './shapes.js';

/** Shapes of Harbor's definitions, by Harbor's name. */
const HARBOR_SHAPES: ShapeRegistry['harbor'] = {
  Access: AccessShape,
  Accessory: AccessoryShape,
  AdditionLink: AdditionLinkShape,
  Artifact: ArtifactShape,
  AuditLog: AuditLogShape,
  ConfigurationsResponse: ConfigurationsResponseShape,
  CVEAllowlist: CVEAllowlistShape,
  Execution: ExecutionShape,
  GCHistory: GCHistoryShape,
  GeneralInfo: GeneralInfoShape,
  ImmutableRule: ImmutableRuleShape,
  ImmutableSelector: ImmutableSelectorShape,
  JobQueue: JobQueueShape,
  LdapConf: ldapConfSchema,
  LdapFailedImportUser: LdapFailedImportUserShape,
  LdapImportUsers: ldapImportSchema,
  LdapPingResult: LdapPingResultShape,
  LdapUser: LdapUserShape,
  Label: LabelShape,
  Metrics: MetricsShape,
  Permission: PermissionShape,
  Permissions: PermissionsShape,
  Platform: PlatformShape,
  Project: ProjectShape,
  ProjectMemberEntity: ProjectMemberEntityShape,
  ProjectMetadata: ProjectMetadataShape,
  ProjectSummary: ProjectSummaryShape,
  Quota: QuotaShape,
  Registry: RegistryShape,
  RegistryCredential: RegistryCredentialShape,
  RegistryInfo: RegistryInfoShape,
  RegistryProviderInfo: RegistryProviderInfoShape,
  ReplicationExecution: ReplicationExecutionShape,
  ReplicationPolicy: ReplicationPolicyShape,
  ReplicationTask: ReplicationTaskShape,
  FilterStyle: FilterStyleShape,
  Reference: ReferenceShape,
  Repository: RepositoryShape,
  RetentionExecution: RetentionExecutionShape,
  RetentionExecutionTask: RetentionExecutionTaskShape,
  RetentionPolicy: RetentionPolicyShape,
  RetentionRule: RetentionRuleShape,
  RetentionRuleTrigger: RetentionRuleTriggerShape,
  RetentionSelector: RetentionSelectorShape,
  Robot: RobotShape,
  RobotCreated: RobotCreatedShape,
  RobotPermission: RobotPermissionShape,
  RobotSec: RobotSecShape,
  ScheduleObj: ScheduleObjShape,
  Search: SearchShape,
  SearchRepository: SearchRepositoryShape,
  Statistic: StatisticShape,
  SupportedWebhookEventTypes: SupportedWebhookEventTypesShape,
  SystemInfo: SystemInfoShape,
  Tag: TagShape,
  Task: TaskShape,
  UserGroup: UserGroupShape,
  UserGroupSearchItem: UserGroupSearchItemShape,
  UserResp: UserRespShape,
  UserSearchRespItem: UserSearchRespItemShape,
  WebhookPolicy: WebhookPolicyShape,
  WebhookTargetObject: WebhookTargetObjectShape,
  Worker: WorkerShape,
  WorkerPool: WorkerPoolShape,
};

/**
 * The response shapes the OpenAPI document describes, under Harbor's definition names (Berth's
 * own names for what Harbor does not define). Each is
 * owned by the feature that sends it; the handlers' return types are inferred from them, and a
 * test parses real responses with them, so the document says what the server sends.
 */
export const RESPONSE_SHAPES: ShapeRegistry = {
  harbor: HARBOR_SHAPES,
  berth: {
    BuildHistoryEntry: BuildHistoryEntryShape,
    ReplicationPreview: ReplicationPreviewShape,
    SignatureVerdict: SignatureVerdictShape,
    TrustMaterial: TrustMaterialShape,
    TrustMaterialInput: TrustMaterialInputShape,
    TrustPolicy: TrustPolicyShape,
    TrustPolicyInput: TrustPolicyInputShape,
  },
};
