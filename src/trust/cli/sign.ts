import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { RegistryClient } from '../../platform/registry-client/index.js';
import { attachSignature, decryptPrivateKey, formatReference, parseImageReference, resolveDigest, type ImageReference, type SignMode } from '../sign/index.js';
import { CommandError, guarded, UsageError } from './errors.js';
import { keyPassword } from './password.js';
import { pushProgressFor } from './progress.js';
import { addRegistryOptions, connectionFor, type RegistryOptions } from './registry-options.js';

interface SignOptions extends RegistryOptions {
  key: string;
  mode: SignMode;
  annotation: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `-a key=value` pairs as cosign takes them (the last value of a repeated key wins). */
export function parseAnnotations(pairs: readonly string[]): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`annotation "${pair}" is not key=value`);
    annotations[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return annotations;
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CommandError(`cannot read the key file ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

function warnAboutTag(image: ImageReference, digest: string): void {
  process.stderr.write(
    `WARNING: ${formatReference(image)} names the image by tag, not by digest. The tag now points at\n` +
      `    ${digest}, and that is what gets signed; a tag can move, so sign by digest\n` +
      `    (${image.registry}/${image.repository}@sha256:...) to be sure of what you sign.\n`,
  );
}

export function signCommand(): Command {
  const command = new Command('sign')
    .description('Sign an image with a key and push the signature to its registry, as cosign does (readable by cosign, Harbor, Berth)')
    .argument('<image>', 'REGISTRY/REPOSITORY@sha256:<digest> (or :tag, resolved to its digest)')
    .requiredOption('-k, --key <file>', 'the encrypted private key (cosign.key, from berth keygen or cosign generate-key-pair)')
    .addOption(new Option('--mode <mode>', 'where the signature goes: the sha256-<hex>.sig tag, or an OCI 1.1 referrer').choices(['tag', 'referrer']).default('tag'))
    .option('-a, --annotation <key=value>', 'add to the signed payload\'s "optional" section (repeatable)', collect, []);
  return addRegistryOptions(command)
    .addHelpText(
      'after',
      `
The signature is cosign's: a "simple signing" payload naming the image digest, signed with
ECDSA P-256/SHA-256. --mode tag (cosign's default) adds it as a layer to the manifest tagged
sha256-<hex>.sig next to the image; --mode referrer pushes an OCI 1.1 manifest whose subject is
the image (found through the referrers API; on a registry without it, through the
sha256-<hex> referrers tag). Either way Harbor and Berth list it as a cosign signature, and
"cosign verify --key" and "berth verify --key" accept it.

The key password comes from COSIGN_PASSWORD or is asked on the terminal. Registry credentials
come from --username/--password or BERTH_REGISTRY_USERNAME/BERTH_REGISTRY_PASSWORD; the registry
is reached over HTTPS unless --plain-http.

Examples:
  berth sign --key cosign.key registry.example.com/library/app@sha256:4f5a...
  BERTH_REGISTRY_USERNAME=alice BERTH_REGISTRY_PASSWORD=... COSIGN_PASSWORD=... \\
    berth sign --key cosign.key --mode referrer -a release=1.4 registry.example.com/team/api:1.4
  berth sign --key cosign.key --plain-http localhost:5000/demo/app@sha256:4f5a...`,
    )
    .action(
      guarded('sign', async (reference: string, options: SignOptions) => {
        const image = parseImageReference(reference);
        const annotations = parseAnnotations(options.annotation);
        const connection = connectionFor(image.registry, options, process.env);
        const keyText = await readKeyFile(options.key);
        const key = await decryptPrivateKey(keyText, await keyPassword(process.env));
        const target = { client: new RegistryClient(connection), registry: image.registry, repository: image.repository };
        const digest = await resolveDigest(target, image);
        if (!image.digest) warnAboutTag(image, digest);
        const outcome = await attachSignature({
          target,
          image: { ...image, digest },
          key,
          annotations,
          mode: options.mode,
          progress: await pushProgressFor(process.stderr, 'berth sign'),
        });
        const repository = `${image.registry}/${image.repository}`;
        const where = options.mode === 'tag' ? `${repository}:${outcome.pushedTo}` : `${repository}@${outcome.pushedTo}`;
        if (outcome.alreadySigned) console.log(`${repository}@${digest} already carries this signature (${where}); nothing pushed`);
        else if (options.mode === 'tag') console.log(`Signed ${repository}@${digest}: signature pushed to ${where} (${outcome.signatures} signature(s) there)`);
        else {
          const listing = outcome.fallbackTag
            ? `listed in the referrers tag ${repository}:${outcome.fallbackTag}, the registry has no referrers API`
            : 'listed by the referrers API';
          console.log(`Signed ${repository}@${digest}: signature pushed to ${where} (${listing})`);
        }
      }),
    );
}
