/** One client for remote OCI/docker registries: replication, the proxy cache and `berth sign` talk through it. */
export { parseChallenge, type Challenge } from './auth.js';
export { descriptorsOfIndex, RegistryClient } from './client.js';
export type { ExchangedCredential, RegistryConnection, RegistryCredential } from './connection.js';
export { RegistryError, type RegistryErrorReason } from './errors.js';
export {
  checkDigest,
  checkReference,
  checkRepository,
  digestOf,
  MANIFEST_TYPES,
  MAX_MANIFEST_BYTES,
  OCI_INDEX_TYPE,
  OCI_MANIFEST_TYPE,
  type Descriptor,
} from './names.js';
export type { OpenBlob, PushBlobOptions, PushBlobResult } from './upload.js';
