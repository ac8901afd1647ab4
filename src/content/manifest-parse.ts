import { z } from 'zod';
import { InvalidInputError } from '../platform/errors/index.js';
import { DigestError, jsonDeeperThan, MAX_JSON_DEPTH, parseDigest } from '../platform/lib/index.js';
import { isIndexMediaType, MANIFEST_MEDIA_TYPES } from '../platform/lib/index.js';

/** Layers of an image, or entries of an index, one manifest may list (MANIFEST_INVALID beyond). */
export const MAX_DESCRIPTORS = 10_000;

const descriptor = z.object({
  mediaType: z.string().min(1),
  digest: z.string(),
  size: z.number().int().nonnegative(),
  artifactType: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  urls: z.array(z.string()).optional(),
});

const imageManifest = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: descriptor,
  layers: z.array(descriptor).max(MAX_DESCRIPTORS, `a manifest lists at most ${MAX_DESCRIPTORS} layers`),
  subject: descriptor.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const indexManifest = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  manifests: z.array(descriptor).max(MAX_DESCRIPTORS, `an index lists at most ${MAX_DESCRIPTORS} manifests`),
  subject: descriptor.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export type Descriptor = z.infer<typeof descriptor>;

/** What the registry needs to know about a manifest it was handed. */
export interface ParsedManifest {
  mediaType: string;
  artifactType: string | null;
  subject: string | null;
  annotations: Record<string, string> | null;
  /** Config and layers that must exist as blobs in the repository. */
  blobs: Descriptor[];
  /** Index children that must exist as manifests in the repository. */
  manifests: Descriptor[];
}

/** Layers that by definition live elsewhere and are never uploaded (Windows base layers). */
const FOREIGN_LAYER = /\.foreign\.|nondistributable/;

/**
 * Validates a manifest body. The media type comes from the body when it names one, and
 * must then agree with the Content-Type it was sent with.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  if (jsonDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new InvalidInputError('manifest', `manifest invalid: JSON nested more than ${MAX_JSON_DEPTH} levels deep`, { reason: 'nested too deep' });
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new InvalidInputError('manifest', 'manifest is not valid JSON', { reason: 'body is not valid JSON' });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidInputError('manifest', 'manifest invalid: the body is not a JSON object', { reason: 'body is not a JSON object' });
  }
  const declared = (json as { mediaType?: unknown }).mediaType;
  const sentType = contentType?.split(';')[0]?.trim();
  const mediaType = typeof declared === 'string' && declared ? declared : sentType;
  if (!mediaType || !MANIFEST_MEDIA_TYPES.includes(mediaType)) {
    throw new InvalidInputError('manifest', `unsupported manifest media type "${mediaType ?? ''}"`, { mediaType: mediaType ?? null });
  }
  if (sentType && MANIFEST_MEDIA_TYPES.includes(sentType) && sentType !== mediaType) {
    throw new InvalidInputError('manifest', 'Content-Type does not match the manifest mediaType', { contentType: sentType, mediaType });
  }
  return isIndexMediaType(mediaType) ? parseIndex(json, mediaType) : parseImage(json, mediaType);
}

function parseImage(json: unknown, mediaType: string): ParsedManifest {
  const result = imageManifest.safeParse(json);
  if (!result.success) throw invalid(result.error);
  const manifest = result.data;
  checkDescriptors([manifest.config, ...manifest.layers, ...(manifest.subject ? [manifest.subject] : [])]);
  // OCI 1.1: an image manifest without artifactType is typed by its config's media type.
  const artifactType = manifest.artifactType ?? manifest.config.mediaType;
  return {
    mediaType,
    artifactType,
    subject: manifest.subject?.digest ?? null,
    annotations: manifest.annotations ?? null,
    blobs: [manifest.config, ...manifest.layers.filter((l) => !FOREIGN_LAYER.test(l.mediaType))],
    manifests: [],
  };
}

function parseIndex(json: unknown, mediaType: string): ParsedManifest {
  const result = indexManifest.safeParse(json);
  if (!result.success) throw invalid(result.error);
  const index = result.data;
  checkDescriptors([...index.manifests, ...(index.subject ? [index.subject] : [])]);
  return {
    mediaType,
    artifactType: index.artifactType ?? null,
    subject: index.subject?.digest ?? null,
    annotations: index.annotations ?? null,
    blobs: [],
    manifests: index.manifests,
  };
}

function checkDescriptors(descriptors: Descriptor[]): void {
  for (const d of descriptors) {
    try {
      parseDigest(d.digest);
    } catch (err) {
      const message = err instanceof DigestError ? err.message : 'invalid digest';
      throw new InvalidInputError('manifest', `descriptor has an ${message}`, { digest: d.digest });
    }
  }
}

function invalid(error: z.ZodError): InvalidInputError {
  const first = error.issues[0];
  const where = first?.path.join('.') || 'manifest';
  return new InvalidInputError('manifest', `invalid manifest: ${where}: ${first?.message ?? 'invalid'}`, { field: where, reason: first?.message });
}
