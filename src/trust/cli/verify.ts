import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { verifyCosignSignature } from '../verify/cosign.js';
import { COSIGN_SIGN_PREDICATE, envelopeSchema, verifyDsse } from '../verify/dsse.js';
import { publicKeyFromPem, type TrustedKey } from '../verify/keys.js';
import type { Verdict } from '../verify/result.js';
import { RegistryClient } from '../../platform/registry-client/index.js';
import { findSignatures, parseImageReference, resolveDigest, type FoundSignature } from '../sign/index.js';
import { CommandError, EXIT_FAILED, guarded } from './errors.js';
import { addRegistryOptions, connectionFor, type RegistryOptions } from './registry-options.js';

interface VerifyOptions extends RegistryOptions {
  key: string[];
  output: 'text' | 'json';
}

export interface CheckedSignature {
  readonly format: FoundSignature['format'];
  readonly source: string;
  readonly manifest: string;
  readonly layer: string;
  readonly verdict: Verdict;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

async function readKeys(paths: readonly string[]): Promise<TrustedKey[]> {
  const keys: TrustedKey[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new CommandError(`cannot read the public key ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    try {
      keys.push(publicKeyFromPem(text));
    } catch (err) {
      throw new CommandError(`${path}: ${(err as Error).message}`);
    }
  }
  return keys;
}

/** A cosign v3 bundle: its DSSE envelope must be signed by a key and state cosign's signing predicate about this digest. */
function checkBundle(bytes: Buffer, subjectDigest: string, keys: readonly TrustedKey[]): Verdict {
  let envelope: unknown;
  try {
    envelope = (JSON.parse(bytes.toString('utf8')) as { dsseEnvelope?: unknown }).dsseEnvelope;
  } catch {
    return { verified: false, reason: 'the sigstore bundle is not JSON' };
  }
  const parsed = envelopeSchema.safeParse(envelope);
  if (!parsed.success) return { verified: false, reason: 'the sigstore bundle holds no DSSE envelope (message signatures are not read)' };
  const verdict = verifyDsse(parsed.data, subjectDigest, keys, COSIGN_SIGN_PREDICATE);
  return verdict.verified ? { ...verdict, details: [...(verdict.details ?? []), 'sigstore bundle; transparency log not checked'] } : verdict;
}

/** One signature checked the way the vector tests check cosign's: payload (or statement), digest binding, key. */
export function checkSignature(found: FoundSignature, subjectDigest: string, keys: readonly TrustedKey[]): CheckedSignature {
  let verdict: Verdict;
  if (!found.payload) verdict = { verified: false, reason: found.problem ?? 'the payload could not be read' };
  else if (found.format === 'sigstore-bundle') verdict = checkBundle(found.payload, subjectDigest, keys);
  else verdict = verifyCosignSignature({ payload: found.payload, annotations: found.annotations, subjectDigest }, { keys, logKeys: [] });
  return { format: found.format, source: found.source, manifest: found.manifestDigest, layer: found.layerDigest, verdict };
}

function describe(checked: CheckedSignature): string {
  const where = `${checked.source}, layer ${checked.layer}`;
  if (checked.verdict.verified) {
    const details = checked.verdict.details?.length ? `; ${checked.verdict.details.join('; ')}` : '';
    return `verified      ${where}: signed by key ${checked.verdict.signer}${details}`;
  }
  return `NOT verified  ${where}: ${checked.verdict.reason}`;
}

export function verifyCommand(): Command {
  const command = new Command('verify')
    .description('Check the cosign signatures of an image against public keys (exit 0 when at least one verifies)')
    .argument('<image>', 'REGISTRY/REPOSITORY@sha256:<digest> or REGISTRY/REPOSITORY:tag')
    .requiredOption('-k, --key <file>', 'a trusted PEM public key, e.g. cosign.pub (repeatable)', collect)
    .addOption(new Option('-o, --output <format>', 'text, or json for scripts').choices(['text', 'json']).default('text'));
  return addRegistryOptions(command)
    .addHelpText(
      'after',
      `
Looks in both places cosign stores signatures: the sha256-<hex>.sig tag and OCI 1.1 referrers
(the referrers API, or the sha256-<hex> referrers tag on registries without it). Each
simple-signing signature is checked: the payload names this image's digest and cosign's
signature type, and one of the keys signed its exact bytes. cosign v3's default signatures
(sigstore bundles as referrers) are checked too: the DSSE envelope is signed by one of the keys
and its statement names this digest with cosign's signing predicate. Transparency log entries
are not required (signatures made with --key and no Rekor upload verify), and not checked.

Exit status: 0 when at least one signature verifies, 1 when none does (or none is found, or
the registry cannot be read), 2 when the command line is wrong.

Examples:
  berth verify --key cosign.pub registry.example.com/library/app@sha256:4f5a...
  berth verify --key team.pub --key release.pub --output json registry.example.com/team/api:1.4`,
    )
    .action(
      guarded('verify', async (reference: string, options: VerifyOptions) => {
        const image = parseImageReference(reference);
        const connection = connectionFor(image.registry, options, process.env);
        const keys = await readKeys(options.key);
        const target = { client: new RegistryClient(connection), registry: image.registry, repository: image.repository };
        const digest = await resolveDigest(target, image);
        const discovery = await findSignatures(target, digest);
        const checked = discovery.signatures.map((found) => checkSignature(found, digest, keys));
        const verifiedCount = checked.filter((c) => c.verdict.verified).length;
        const name = `${image.registry}/${image.repository}@${digest}`;
        if (options.output === 'json') {
          console.log(JSON.stringify({ image: name, digest, verified: verifiedCount > 0, referrers: discovery.referrers, signatures: checked }, null, 2));
        } else {
          if (checked.length === 0) console.log(`${name}: no cosign signatures found`);
          for (const line of checked.map(describe)) console.log(line);
          if (checked.length > 0) console.log(`${name}: ${verifiedCount} of ${checked.length} signature(s) verified`);
        }
        if (verifiedCount === 0) process.exitCode = EXIT_FAILED;
      }),
    );
}
