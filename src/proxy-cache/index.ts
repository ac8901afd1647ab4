/** Proxy cache projects: pulls served from Berth's storage, fetched from the project's registry endpoint on a miss. */
export { ProxyCache, type BlobWant, type ProxiedBlob, type ProxiedManifest } from './service.js';
export type { ProxyCacheDeps, ProxyLog } from './deps.js';
export { upstreamRepository } from './upstream.js';
