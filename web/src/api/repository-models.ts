/** Responses the repository and artifact pages read, under the server's definition names. */
import type { Definition } from './models';

export type RepositoryDetail = Definition<'Repository'>;
export type ArtifactTag = Definition<'Tag'>;
export type ArtifactLabel = Definition<'Label'>;
export type Platform = Definition<'Platform'>;
export type ArtifactReference = Definition<'Reference'>;
export type Artifact = Definition<'Artifact'>;
export type Accessory = Definition<'Accessory'>;
/** One step of the `build_history` addition. */
export type HistoryEntry = Definition<'BuildHistoryEntry'>;
export type SystemInfo = Definition<'GeneralInfo'>;
export type Permission = Definition<'Permission'>;
