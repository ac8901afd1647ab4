import { z } from 'zod';
import { SbomOverviewShape, ScanOverviewShape } from '../scan/index.js';
import { LabelShape } from '../labels/index.js';

/** Harbor's Repository. */
export const RepositoryShape = z.strictObject({
  id: z.int(),
  project_id: z.int(),
  name: z.string(),
  description: z.string(),
  artifact_count: z.int(),
  pull_count: z.int(),
  creation_time: z.string(),
  update_time: z.string(),
});

/** Harbor's Tag. Times never reached are Go's zero time, as Harbor sends them. */
export const TagShape = z.strictObject({
  id: z.int(),
  repository_id: z.int(),
  artifact_id: z.int(),
  name: z.string(),
  push_time: z.string(),
  pull_time: z.string(),
  immutable: z.boolean(),
  /** With `with_signature=true`: whether the tagged artifact has a cosign or notation signature (Harbor's Tag.signed). */
  signed: z.boolean().optional(),
});

/** Harbor's Accessory: a signature, SBOM or other artifact attached to its subject. */
export const AccessoryShape = z.strictObject({
  id: z.int(),
  artifact_id: z.int(),
  subject_artifact_id: z.int(),
  subject_artifact_digest: z.string(),
  subject_artifact_repo: z.string(),
  size: z.int(),
  digest: z.string(),
  type: z.string(),
  icon: z.string(),
  creation_time: z.string(),
});

/** Harbor's Platform of an index's child. */
export const PlatformShape = z.strictObject({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
});

/** Harbor's Reference: a child of an index; `child_id` is 0 when the child is not in the repository. */
export const ReferenceShape = z.strictObject({
  parent_id: z.int(),
  child_id: z.int(),
  child_digest: z.string(),
  platform: PlatformShape.nullable(),
  urls: z.array(z.string()).nullable(),
  annotations: z.record(z.string(), z.string()),
});

/** Harbor's AdditionLink. */
export const AdditionLinkShape = z.strictObject({ href: z.string(), absolute: z.boolean() });

/** Harbor's Artifact; tags, labels and accessories come when asked for (`with_tag`, `with_label`, `with_accessory`). */
export const ArtifactShape = z.strictObject({
  id: z.int(),
  type: z.string(),
  media_type: z.string(),
  manifest_media_type: z.string(),
  artifact_type: z.string(),
  project_id: z.int(),
  repository_id: z.int(),
  repository_name: z.string(),
  digest: z.string(),
  size: z.int(),
  icon: z.string(),
  push_time: z.string(),
  pull_time: z.string(),
  extra_attrs: z.record(z.string(), z.unknown()),
  annotations: z.record(z.string(), z.string()),
  references: z.array(ReferenceShape),
  addition_links: z.record(z.string(), AdditionLinkShape),
  tags: z.array(TagShape).optional(),
  labels: z.array(LabelShape).optional(),
  accessories: z.array(AccessoryShape).optional(),
  scan_overview: ScanOverviewShape.optional(),
  sbom_overview: SbomOverviewShape.optional(),
});

/**
 * One step of an image's build history (the `build_history` addition), as the image config's
 * `history` holds it: the fields the OCI image spec names. The entries are the image's own, so
 * the shape does not refuse fields a builder added.
 */
export const BuildHistoryEntryShape = z
  .looseObject({
    created: z.string().optional(),
    created_by: z.string().optional(),
    author: z.string().optional(),
    comment: z.string().optional(),
    empty_layer: z.boolean().optional(),
  })
  .describe("One step of an image's build history (the build_history addition), as the image config's history holds it");

export type RepositoryJson = z.infer<typeof RepositoryShape>;
export type TagJson = z.infer<typeof TagShape>;
export type AccessoryJson = z.infer<typeof AccessoryShape>;
export type ArtifactJson = z.infer<typeof ArtifactShape>;
export type AdditionLinkJson = z.infer<typeof AdditionLinkShape>;
