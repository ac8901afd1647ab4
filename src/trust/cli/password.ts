import { readHiddenLine as readLine } from '../../platform/lib/index.js';
import { CommandError } from './errors.js';

/** Asks on the terminal without echo; the prompt goes to stderr so stdout stays clean. */
function readHiddenLine(prompt: string): Promise<string> {
  return readLine(prompt, {
    output: process.stderr,
    noTerminal: () => new CommandError('no terminal to ask for the key password on: set COSIGN_PASSWORD'),
    cancelled: () => new CommandError('cancelled'),
  });
}

/** The key password as cosign takes it: COSIGN_PASSWORD when set (even empty), else asked on the terminal. */
export async function keyPassword(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.COSIGN_PASSWORD !== undefined) return env.COSIGN_PASSWORD;
  return readHiddenLine('Enter password for private key: ');
}

/** A new key password: COSIGN_PASSWORD, or asked twice on the terminal. */
export async function newKeyPassword(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.COSIGN_PASSWORD !== undefined) return env.COSIGN_PASSWORD;
  const first = await readHiddenLine('Enter password for private key: ');
  const second = await readHiddenLine('Enter password for private key again: ');
  if (first !== second) throw new CommandError('the passwords do not match');
  return first;
}
