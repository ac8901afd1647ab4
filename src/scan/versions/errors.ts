import { InvalidInputError, UnsupportedError } from '../../platform/errors/index.js';

/** A string that is not a version of the ecosystem it was given for. */
export class InvalidVersionError extends InvalidInputError {
  constructor(
    /** The family of versions it was read as: Debian, Alpine, RPM, SemVer, NuGet, PyPI, Maven, RubyGems, Packagist. */
    readonly ecosystem: string,
    readonly version: string,
    readonly reason: string,
  ) {
    super('input', `'${printable(version)}' is not a ${ecosystem} version: ${reason}`, { ecosystem, reason });
  }
}

/** An OSV ecosystem name for which no version ordering is known. */
export class UnknownEcosystemError extends UnsupportedError {
  constructor(readonly ecosystem: string) {
    super('input', `no version ordering is known for the ecosystem '${printable(ecosystem)}'`, { ecosystem });
  }
}

/** The offending text in a message: cut short and with control characters escaped. */
function printable(text: string): string {
  const cut = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(cut).slice(1, -1);
}
