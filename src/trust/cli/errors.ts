import { KeyFormatError } from '../verify/keys.js';
import { ImageReferenceError, KeyFileError, RegistryError, UnsupportedKeyError } from '../sign/index.js';

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
        console.error(`berth ${command}: ${(err as Error).message}`);
        process.exitCode = EXIT_FAILED;
        return;
      }
      throw err;
    }
  };
}
