/** Registry endpoints (Harbor's /registries): what the Registries page reads and sends. */
import type { Definition } from './models';

export type Registry = Definition<'Registry'>;
export type RegistryProviderInfo = Definition<'RegistryProviderInfo'>;

/** Harbor's Registry as POST /registries takes it. */
export interface RegistryCreate {
  name: string;
  description: string;
  url: string;
  type: string;
  insecure: boolean;
  ca_certificate: string;
  credential: { type: 'basic'; access_key: string; access_secret: string };
}

/** Harbor's RegistryUpdate: a field left out keeps its value (the secret above all). */
export interface RegistryUpdate {
  name?: string;
  description?: string;
  url?: string;
  access_key?: string;
  access_secret?: string;
  insecure?: boolean;
  ca_certificate?: string;
}

/** Harbor's RegistryPing: a stored endpoint by id, with fields overriding its settings, or a whole one. */
export interface RegistryPing extends RegistryUpdate {
  id?: number;
  type?: string;
}
