import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { openOutbound, readOutboundBody, type OutboundStream } from '../../platform/http/index.js';
import type { BlobDescriptor, ScanTarget } from '../engine.js';
import { SCANNABLE_MANIFESTS } from '../mime.js';

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_REDIRECTS = 3;

export interface RemoteArtifact {
  registryUrl: string;
  authorization: string;
  repository: string;
  digest: string;
  tag?: string | undefined;
  mediaType: string;
  projectId?: number | undefined;
}

export interface RemoteOptions {
  allowPrivateNetworks: boolean;
  /** Per request; a layer's download may take long, the whole scan is bounded by its caller. */
  timeoutMs?: number;
}

/**
 * A target pulled over the Distribution API from the registry a scan request names, with the
 * Authorization it was given (a Berth or a Harbor robot), as a scanner adapter pulls. Blob
 * redirects (to object storage) are followed a few times, without the Authorization when they
 * leave the registry's host.
 */
export function remoteTarget(artifact: RemoteArtifact, options: RemoteOptions, signal: AbortSignal): ScanTarget {
  const base = artifact.registryUrl.replace(/\/+$/, '');
  const host = new URL(base).host;
  const get = async (url: string, accept: string | undefined): Promise<OutboundStream> => {
    let current = url;
    for (let hop = 0; ; hop++) {
      const sameHost = new URL(current).host === host;
      const answer = await openOutbound({
        url: current,
        method: 'GET',
        headers: { ...(sameHost ? { authorization: artifact.authorization } : {}), ...(accept ? { accept } : {}) },
        signal,
        timeoutMs: options.timeoutMs ?? 10 * 60_000,
        allowPrivateNetworks: options.allowPrivateNetworks,
      });
      const location = answer.headers.location;
      if (answer.status >= 300 && answer.status < 400 && location && hop < MAX_REDIRECTS) {
        answer.body.destroy();
        current = new URL(location, current).toString();
        continue;
      }
      if (answer.status !== 200) {
        answer.body.destroy();
        throw new Error(`GET ${new URL(current).pathname} from ${host} answered ${answer.status}`);
      }
      return answer;
    }
  };
  return {
    projectId: artifact.projectId ?? 0,
    repository: artifact.repository,
    digest: artifact.digest,
    ...(artifact.tag !== undefined ? { tag: artifact.tag } : {}),
    mediaType: artifact.mediaType,
    async readManifest() {
      const answer = await get(`${base}/v2/${artifact.repository}/manifests/${artifact.digest}`, [artifact.mediaType, ...SCANNABLE_MANIFESTS].join(', '));
      const bytes = await readOutboundBody(answer, MAX_MANIFEST_BYTES);
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      if (artifact.digest.startsWith('sha256:') && digest !== artifact.digest)
        throw new Error(`the registry answered a manifest of digest ${digest}, not ${artifact.digest}`);
      return bytes;
    },
    async openBlob(descriptor: BlobDescriptor): Promise<Readable> {
      return (await get(`${base}/v2/${artifact.repository}/blobs/${descriptor.digest}`, undefined)).body;
    },
  };
}
