import { z } from 'zod';

/** Harbor's RegistryCredential as the API shows it: `access_secret` is `*****` when one is stored, never the secret. */
export const RegistryCredentialShape = z.strictObject({
  type: z.string(),
  access_key: z.string(),
  access_secret: z.string(),
});

/** Harbor's Registry. */
export const RegistryShape = z.strictObject({
  id: z.int(),
  name: z.string(),
  description: z.string(),
  url: z.string(),
  type: z.string(),
  insecure: z.boolean(),
  ca_certificate: z.string(),
  credential: RegistryCredentialShape,
  status: z.string(),
  creation_time: z.string(),
  update_time: z.string(),
});

export type RegistryJson = z.infer<typeof RegistryShape>;

export const FilterStyleShape = z.strictObject({
  type: z.string(),
  style: z.string(),
  values: z.array(z.string()).optional(),
});

/** Harbor's RegistryInfo. */
export const RegistryInfoShape = z.strictObject({
  type: z.string(),
  description: z.string(),
  supported_resource_filters: z.array(FilterStyleShape),
  supported_triggers: z.array(z.string()),
  supported_copy_by_chunk: z.boolean().optional(),
});

export const RegistryEndpointShape = z.strictObject({ key: z.string(), value: z.string() });

/** Harbor's RegistryProviderInfo. */
export const RegistryProviderInfoShape = z.strictObject({
  endpoint_pattern: z.strictObject({ endpoint_type: z.string(), endpoints: z.array(RegistryEndpointShape) }).optional(),
  credential_pattern: z
    .strictObject({ access_key_type: z.string(), access_key_data: z.string(), access_secret_type: z.string(), access_secret_data: z.string() })
    .optional(),
});
