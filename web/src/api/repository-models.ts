/** Response fields the repository and artifact pages read (Harbor's Repository, Artifact, Tag, Accessory, GeneralInfo). */

export interface RepositoryDetail {
  id: number;
  project_id: number;
  name: string;
  description: string;
  artifact_count: number;
  pull_count: number;
  update_time: string;
}

export interface ArtifactTag {
  id: number;
  name: string;
  push_time: string;
  pull_time: string;
  immutable: boolean;
}

export interface ArtifactLabel {
  id: number;
  name: string;
  color?: string;
  description?: string;
}

export interface Platform {
  os?: string;
  architecture?: string;
  variant?: string;
  'os.version'?: string;
}

export interface ArtifactReference {
  parent_id: number;
  child_id: number;
  child_digest: string;
  platform?: Platform | null;
}

export interface Artifact {
  id: number;
  type: string;
  media_type: string;
  manifest_media_type: string;
  repository_name: string;
  digest: string;
  size: number;
  push_time: string;
  pull_time: string;
  tags?: ArtifactTag[] | null;
  labels?: ArtifactLabel[] | null;
  references?: ArtifactReference[] | null;
  /** With `with_accessory=true`: what is attached to the artifact (signatures, SBOMs, other referrers). */
  accessories?: Accessory[] | null;
  /** The manifest's artifactType, else its config's media type. */
  artifact_type?: string;
  addition_links?: Record<string, { href: string } | undefined>;
}

export interface Accessory {
  id: number;
  digest: string;
  /** Harbor's accessory type: `signature.cosign`, `signature.notation`, `sbom.harbor` or `subject.accessory` (any other referrer). */
  type: string;
  size: number;
  creation_time: string;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface SystemInfo {
  registry_url?: string;
}

export interface Permission {
  resource: string;
  action: string;
}
