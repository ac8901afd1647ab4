import { UnprocessableError } from '../../../platform/errors/index.js';

/** A package database file that cannot be read as the format its path promises; the walker skips and counts it. */
export class MalformedPackageDbError extends UnprocessableError {
  constructor(
    readonly format: string,
    readonly reason: string,
  ) {
    super('input', `not a readable ${format} package database: ${reason}`, { format, reason });
  }
}
