import { randomInt } from 'node:crypto';
import { InvalidInputError } from '../platform/errors/index.js';
import { hashPassword } from '../auth/index.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const GENERATED_LENGTH = 32;

/** Harbor's password rule, which robot secrets follow too: 8–128 characters with a lower, an upper and a digit. */
export function isStrongSecret(secret: string): boolean {
  return secret.length >= 8 && secret.length <= 128 && /[a-z]/.test(secret) && /[A-Z]/.test(secret) && /[0-9]/.test(secret);
}

/** 32 random alphanumerics, as Harbor generates them (~190 bits). */
export function generateSecret(): string {
  for (;;) {
    let secret = '';
    for (let i = 0; i < GENERATED_LENGTH; i++) secret += ALPHABET[randomInt(ALPHABET.length)];
    if (isStrongSecret(secret)) return secret;
  }
}

/** The caller's secret when given (it must follow the rule), else a generated one; with its hash. */
export async function chooseSecret(requested: string | null | undefined): Promise<{ secret: string; hash: string }> {
  let secret: string;
  if (requested) {
    if (!isStrongSecret(requested)) {
      throw new InvalidInputError('input', 'secret: must be 8 to 128 characters with at least one lowercase letter, one uppercase letter and one digit');
    }
    secret = requested;
  } else {
    secret = generateSecret();
  }
  return { secret, hash: await hashPassword(secret) };
}
