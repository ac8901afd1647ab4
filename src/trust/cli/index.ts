import type { Command } from 'commander';
import { EXIT_USAGE } from './errors.js';
import { keygenCommand } from './keygen.js';
import { signCommand } from './sign.js';
import { verifyCommand } from './verify.js';

/** `berth keygen`, `berth sign` and `berth verify`: cosign-compatible signing without cosign. Usage errors exit with 2. */
export function trustCommands(): Command[] {
  return [keygenCommand(), signCommand(), verifyCommand()].map((command) =>
    command.showHelpAfterError('(add --help for usage)').exitOverride((err) => {
      process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
    }),
  );
}
