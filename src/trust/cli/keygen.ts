import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { publicKeyFromPem } from '../verify/keys.js';
import { generateKeyPairFiles } from '../sign/index.js';
import { CommandError, guarded } from './errors.js';
import { newKeyPassword } from './password.js';

interface KeygenOptions {
  outputKeyPrefix: string;
  force?: boolean;
}

async function writeNew(path: string, text: string, mode: number, force: boolean): Promise<void> {
  try {
    await writeFile(path, text, { mode, flag: force ? 'w' : 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CommandError(`${path} already exists; use --force to overwrite it`);
    throw new CommandError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

export function keygenCommand(): Command {
  return new Command('keygen')
    .description("Create a signing key pair in cosign's formats: <prefix>.key (encrypted) and <prefix>.pub")
    .option('--output-key-prefix <prefix>', 'file name (and path) before .key and .pub', 'cosign')
    .option('-f, --force', 'overwrite existing key files')
    .addHelpText(
      'after',
      `
The private key is an ECDSA P-256 key encrypted with the password (scrypt + NaCl secretbox),
in the "ENCRYPTED SIGSTORE PRIVATE KEY" format cosign writes: cosign can sign with it and
berth can sign with keys cosign made. The password comes from COSIGN_PASSWORD (as for cosign;
an empty value means no password) or is asked twice on the terminal. Keep the .key file
secret; give the .pub file to whoever verifies.

Examples:
  berth keygen
  COSIGN_PASSWORD='a long passphrase' berth keygen --output-key-prefix keys/release`,
    )
    .action(
      guarded('keygen', async (options: KeygenOptions) => {
        const keyPath = `${options.outputKeyPrefix}.key`;
        const pubPath = `${options.outputKeyPrefix}.pub`;
        const force = options.force === true;
        // Refuse before asking for a password that would be thrown away.
        for (const path of [keyPath, pubPath]) if (!force && existsSync(path)) throw new CommandError(`${path} already exists; use --force to overwrite it`);
        const files = await generateKeyPairFiles(await newKeyPassword(process.env));
        await writeNew(keyPath, files.privateKey, 0o600, force);
        await writeNew(pubPath, files.publicKey, 0o644, force);
        console.log(`Private key written to ${keyPath}`);
        console.log(`Public key written to ${pubPath} (${publicKeyFromPem(files.publicKey).fingerprint})`);
      }),
    );
}
