import { z } from 'zod';
import { settingsSchema } from '../platform/settings/index.js';

/** Harbor's ConfigurationsResponse lists each key as its value and whether it may be changed at run time. */
function configItems<S extends z.ZodRawShape>(shape: S): { [K in keyof S]: z.ZodObject<{ value: S[K]; editable: z.ZodBoolean }, z.core.$strict> } {
  const items: Record<string, z.ZodType> = {};
  for (const [key, value] of Object.entries(shape)) items[key] = z.strictObject({ value, editable: z.boolean() });
  // Built key by key from `shape`, which the mapped type spells out.
  return items as { [K in keyof S]: z.ZodObject<{ value: S[K]; editable: z.ZodBoolean }, z.core.$strict> };
}

/** Harbor's ConfigurationsResponse: every setting but the secrets (SECRET_KEYS), which are written and never shown. */
export const ConfigurationsResponseShape = z.strictObject(
  configItems(settingsSchema.omit({ ldap_search_password: true, uaa_client_secret: true, oidc_client_secret: true }).shape),
);

export type ConfigurationsResponseJson = z.infer<typeof ConfigurationsResponseShape>;
