import type { ImageReference } from './reference.js';
import { RegistryError } from '../../platform/registry-client/index.js';
import type { SignTarget } from './target.js';

/** The image's digest: as given, or what its tag points at now. Fails when the registry has no such image. */
export async function resolveDigest(target: SignTarget, image: ImageReference): Promise<string> {
  const reference = image.digest ?? image.tag ?? 'latest';
  const manifest = await target.client.getManifest(target.repository, reference);
  const name = `${image.registry}/${image.repository}${image.digest ? `@${image.digest}` : `:${reference}`}`;
  if (!manifest) throw new RegistryError(`no such image: ${name}`, { status: 404, reason: 'not-found' });
  return manifest.digest;
}
