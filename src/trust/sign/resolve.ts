import type { ImageReference } from './reference.js';
import { RegistryError, type RegistryClient } from './registry-client.js';

/** The image's digest: as given, or what its tag points at now. Fails when the registry has no such image. */
export async function resolveDigest(client: RegistryClient, image: ImageReference): Promise<string> {
  const reference = image.digest ?? image.tag ?? 'latest';
  const manifest = await client.getManifest(reference);
  const name = `${image.registry}/${image.repository}${image.digest ? `@${image.digest}` : `:${reference}`}`;
  if (!manifest) throw new RegistryError(`no such image: ${name}`, 404);
  return manifest.digest;
}
