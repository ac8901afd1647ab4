import { z } from 'zod';

/** Harbor's ScannerRegistration. `access_credential` is masked: the secret is never shown. */
export const ScannerRegistrationShape = z.strictObject({
  uuid: z.string(),
  name: z.string(),
  description: z.string(),
  url: z.string(),
  disabled: z.boolean(),
  is_default: z.boolean(),
  auth: z.string(),
  access_credential: z.string(),
  skip_certVerify: z.boolean(),
  use_internal_addr: z.boolean(),
  create_time: z.string(),
  update_time: z.string(),
  adapter: z.string(),
  vendor: z.string(),
  version: z.string(),
  health: z.string(),
  capabilities: z.record(z.string(), z.boolean()),
});

export type ScannerRegistrationJson = z.infer<typeof ScannerRegistrationShape>;

/** Harbor's Scanner. */
export const ScannerShape = z.strictObject({ name: z.string(), vendor: z.string(), version: z.string() });

export const ScannerCapabilityShape = z.object({
  type: z.string().optional(),
  consumes_mime_types: z.array(z.string()),
  produces_mime_types: z.array(z.string()),
  additional_attributes: z.record(z.string(), z.unknown()).optional(),
});

/** Harbor's ScannerAdapterMetadata. */
export const ScannerAdapterMetadataShape = z.strictObject({
  scanner: ScannerShape,
  capabilities: z.array(ScannerCapabilityShape),
  properties: z.record(z.string(), z.string()).optional(),
});
