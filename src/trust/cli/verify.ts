import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { verifyCosignSignature } from '../verify/cosign.js';
import { loadVerifyLibraries } from '../verify/libraries.js';
import { readTrustedRoot, TrustedRootError, type KeylessTrust } from '../verify/keyless.js';
import { publicKeyFromPem, type TrustedKey } from '../verify/keys.js';
import type { Verdict } from '../verify/result.js';
import { verifySigstoreBundle } from '../verify/sigstore-bundle.js';
import { RegistryClient } from '../../platform/registry-client/index.js';
import { findSignatures, parseImageReference, resolveDigest, type FoundSignature } from '../sign/index.js';
import { CommandError, EXIT_FAILED, guarded, UsageError } from './errors.js';
import { addRegistryOptions, connectionFor, type RegistryOptions } from './registry-options.js';

interface VerifyOptions extends RegistryOptions {
  key?: string[];
  trustedRoot?: string;
  certificateIdentity?: string;
  certificateOidcIssuer?: string;
  output: 'text' | 'json';
}

/** What signatures are checked against: public keys, and for keyless signatures a trusted root and an identity. */
export interface CliTrust {
  readonly keys: readonly TrustedKey[];
  readonly keyless: KeylessTrust;
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

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CommandError(`cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

async function readKeys(paths: readonly string[]): Promise<TrustedKey[]> {
  const keys: TrustedKey[] = [];
  for (const path of paths) {
    const text = await readText(path, 'public key');
    try {
      keys.push(publicKeyFromPem(text));
    } catch (err) {
      throw new CommandError(`${path}: ${(err as Error).message}`);
    }
  }
  return keys;
}

/** The keyless half of the trust: a Sigstore trusted root and the one identity (and issuer) to accept. */
async function readKeyless(options: VerifyOptions): Promise<KeylessTrust> {
  const { trustedRoot, certificateIdentity: subject, certificateOidcIssuer: issuer } = options;
  if (trustedRoot === undefined) {
    if (subject !== undefined || issuer !== undefined) throw new UsageError('--certificate-identity and --certificate-oidc-issuer need --trusted-root');
    return { roots: [], rules: [] };
  }
  if (subject === undefined || issuer === undefined) throw new UsageError('--trusted-root needs --certificate-identity and --certificate-oidc-issuer');
  try {
    return { roots: [{ name: trustedRoot, material: readTrustedRoot(await readText(trustedRoot, 'trusted root')) }], rules: [{ subject, issuer }] };
  } catch (err) {
    if (err instanceof TrustedRootError) throw new CommandError(`${trustedRoot}: ${err.message}`);
    throw err;
  }
}

/** One signature checked the way the vector tests check cosign's: payload (or statement), digest binding, key. */
export function checkSignature(found: FoundSignature, subjectDigest: string, trust: CliTrust): CheckedSignature {
  let verdict: Verdict;
  if (!found.payload) verdict = { verified: false, reason: found.problem ?? 'the payload could not be read' };
  else if (found.format === 'sigstore-bundle') verdict = verifySigstoreBundle(found.payload, subjectDigest, { ...trust, requireLogEntry: false });
  else verdict = verifyCosignSignature({ payload: found.payload, annotations: found.annotations, subjectDigest }, { ...trust, logKeys: [] });
  return { format: found.format, source: found.source, manifest: found.manifestDigest, layer: found.layerDigest, verdict };
}

function describe(checked: CheckedSignature): string {
  const where = `${checked.source}, layer ${checked.layer}`;
  if (checked.verdict.verified) {
    const details = checked.verdict.details?.length ? `; ${checked.verdict.details.join('; ')}` : '';
    const signer = checked.verdict.signer.startsWith('sha256:') ? `key ${checked.verdict.signer}` : checked.verdict.signer;
    return `verified      ${where}: signed by ${signer}${details}`;
  }
  return `NOT verified  ${where}: ${checked.verdict.reason}`;
}

export function verifyCommand(): Command {
  const command = new Command('verify')
    .description('Check the cosign signatures of an image against public keys or, keyless, a Sigstore trusted root (exit 0 when at least one verifies)')
    .argument('<image>', 'REGISTRY/REPOSITORY@sha256:<digest> or REGISTRY/REPOSITORY:tag')
    .option('-k, --key <file>', 'a trusted PEM public key, e.g. cosign.pub (repeatable)', collect)
    .option('--trusted-root <file>', 'keyless: a Sigstore trusted_root.json (Fulcio CAs, CT logs, Rekor logs) the signing certificates must chain to')
    .option('--certificate-identity <pattern>', 'keyless: the signer the certificate must name (email or URI; * within a path segment, ** across)')
    .option('--certificate-oidc-issuer <pattern>', 'keyless: the OIDC issuer the certificate must name, e.g. https://token.actions.githubusercontent.com')
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
are not required for key signatures (made with --key and no Rekor upload), and not checked.

Keyless signatures (cosign sign without --key) are checked against --trusted-root: the
certificate chains to a trusted Fulcio at the time Rekor logged the signature, carries an SCT
of a trusted CT log, the Rekor entry is for this signature, and the certificate names the
--certificate-identity and --certificate-oidc-issuer given. Give --key, --trusted-root, or both.

Exit status: 0 when at least one signature verifies, 1 when none does (or none is found, or
the registry cannot be read), 2 when the command line is wrong.

Examples:
  berth verify --key cosign.pub registry.example.com/library/app@sha256:4f5a...
  berth verify --key team.pub --key release.pub --output json registry.example.com/team/api:1.4
  berth verify --trusted-root trusted_root.json --certificate-identity 'https://github.com/acme/**' \\
    --certificate-oidc-issuer https://token.actions.githubusercontent.com registry.example.com/acme/app:1.0`,
    )
    .action(
      guarded('verify', async (reference: string, options: VerifyOptions) => {
        await loadVerifyLibraries();
        const image = parseImageReference(reference);
        const connection = connectionFor(image.registry, options, process.env);
        const keys = await readKeys(options.key ?? []);
        const keyless = await readKeyless(options);
        if (keys.length === 0 && keyless.roots.length === 0)
          throw new UsageError('give --key, or --trusted-root with --certificate-identity and --certificate-oidc-issuer');
        const target = { client: new RegistryClient(connection), registry: image.registry, repository: image.repository };
        const digest = await resolveDigest(target, image);
        const discovery = await findSignatures(target, digest);
        const checked = discovery.signatures.map((found) => checkSignature(found, digest, { keys, keyless }));
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
