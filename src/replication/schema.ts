import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { RegistryRow } from '../platform/db/index.js';
import { ADAPTER_TYPES } from './adapters/index.js';
import type { RegistryJson } from './shapes.js';

/** What the API shows of a stored secret (Harbor's mask). */
export const SECRET_MASK = '*****';

export const MAX_CA_CERTIFICATE = 64 * 1024;

/** http(s), no user or password inside, no query or fragment; trailing slashes dropped. */
const url = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => {
    try {
      const parsed = new URL(value);
      return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.username === '' && parsed.password === '' && !parsed.search && !parsed.hash;
    } catch {
      return false;
    }
  }, 'url must be an http:// or https:// URL without credentials, query or fragment')
  .transform((value) => value.replace(/\/+$/, ''));

const type = z.enum(ADAPTER_TYPES, { message: `type must be one of ${ADAPTER_TYPES.join(', ')}` });
const credentialType = z.enum(['basic', 'oauth'], { message: 'credential type must be basic or oauth' });
const name = z.string().trim().min(1, 'name is required').max(255);
const description = z.string().max(1024);
const accessKey = z.string().max(255);
const accessSecret = z.string().max(4096);

/** PEM certificates the endpoint's TLS certificate is checked against; '' for the system's CAs. */
const caCertificate = z
  .string()
  .max(MAX_CA_CERTIFICATE)
  .refine((pem) => {
    if (pem.trim() === '') return true;
    try {
      new X509Certificate(pem);
      return true;
    } catch {
      return false;
    }
  }, 'ca_certificate must be PEM certificates');

/** Harbor's Registry (POST /registries); fields Harbor sends back (id, status, times) are ignored. */
export const registryCreateSchema = z
  .object({
    name,
    url,
    type,
    description: description.nullish(),
    insecure: z.boolean().nullish(),
    ca_certificate: caCertificate.nullish(),
    credential: z.object({ type: credentialType.nullish(), access_key: accessKey.nullish(), access_secret: accessSecret.nullish() }).loose().nullish(),
  })
  .loose();

export type RegistryCreate = z.output<typeof registryCreateSchema>;

/** How to reach an endpoint, each field optional: what an update or a ping leaves out comes from the stored endpoint. */
const optionalConnection = {
  url: url.nullish(),
  credential_type: credentialType.nullish(),
  access_key: accessKey.nullish(),
  access_secret: accessSecret.nullish(),
  insecure: z.boolean().nullish(),
  ca_certificate: caCertificate.nullish(),
};

/** Harbor's RegistryUpdate (PUT /registries/{id}): what is left out stays as it is. */
export const registryUpdateSchema = z.object({ name: name.nullish(), description: description.nullish(), ...optionalConnection }).loose();

export type RegistryUpdate = z.output<typeof registryUpdateSchema>;

/** Harbor's RegistryPing: a stored endpoint by id (body fields override it), or a whole one. */
export const registryPingSchema = z.object({ id: z.int().positive().nullish(), type: type.nullish(), ...optionalConnection }).loose();

export type RegistryPing = z.output<typeof registryPingSchema>;

export function registryJson(row: RegistryRow): RegistryJson {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    url: row.url,
    type: row.type,
    insecure: row.insecure === 1,
    ca_certificate: row.ca_certificate,
    credential: {
      type: row.credential_type || 'basic',
      access_key: row.access_key,
      access_secret: row.access_secret === '' ? '' : SECRET_MASK,
    },
    status: row.status || 'unknown',
    creation_time: new Date(Number(row.created_at)).toISOString(),
    update_time: new Date(Number(row.updated_at)).toISOString(),
  };
}
