import { KeyFormatError } from '../verify/keys.js';
import { RegistryError } from '../../platform/registry-client/index.js';
import { ImageReferenceError, KeyFileError, UnsupportedKeyError } from '../sign/index.js';

/** The command line was wrong: exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command could not do its job for a reason the message explains: exit status 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const EXPECTED = [CommandError, RegistryError, KeyFileError, KeyFormatError, UnsupportedKeyError];

/** What the person at the terminal can do about a registry failure, in this command's flags. */
const REGISTRY_HINTS: Partial<Record<RegistryError['reason'], string>> = {
  'credentials-required': ': pass --username and --password, or set BERTH_REGISTRY_USERNAME and BERTH_REGISTRY_PASSWORD',
  tls: '; use --insecure to accept it',
  'plain-http': '; use --plain-http for a registry without TLS',
};

function messageOf(err: Error): string {
  return err instanceof RegistryError ? `${err.message}${REGISTRY_HINTS[err.reason] ?? ''}` : err.message;
}

/**
 * Runs a command's action, turning the failures a user can act on into one line on stderr and an
 * exit status (2 for usage, 1 otherwise), never a stack trace.
 */
export function guarded<A extends unknown[]>(command: string, action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      if (err instanceof UsageError || err instanceof ImageReferenceError) {
        console.error(`berth ${command}: ${err.message}`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      if (EXPECTED.some((type) => err instanceof type)) {
        console.error(`berth ${command}: ${messageOf(err as Error)}`);
        process.exitCode = EXIT_FAILED;
        return;
      }
      throw err;
    }
  };
}
