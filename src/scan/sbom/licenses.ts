/**
 * SPDX license expressions (SPDX 2.3 Annex D) checked before they go into an SBOM: a package's
 * metadata says all sorts of things (`GPL-2+`, `BSD`, `see LICENSE`, `Apache 2.0`), and a
 * declared license that is not a real expression makes the document wrong, so such values
 * become NOASSERTION (SPDX) or are left out (CycloneDX).
 *
 * An identifier counts when it is on the list below (the SPDX License List identifiers packages
 * actually declare, matched case-insensitively as the spec says and written in the list's case)
 * or is a `LicenseRef-…`. An expression names at most MAX_TERMS licenses and is at most
 * MAX_EXPRESSION_LENGTH characters; longer ones are refused rather than parsed.
 */

const LICENSE_IDS = [
  '0BSD',
  'AFL-2.1',
  'AFL-3.0',
  'AGPL-1.0',
  'AGPL-3.0',
  'AGPL-3.0-only',
  'AGPL-3.0-or-later',
  'Apache-1.0',
  'Apache-1.1',
  'Apache-2.0',
  'APSL-2.0',
  'Artistic-1.0',
  'Artistic-1.0-Perl',
  'Artistic-2.0',
  'Beerware',
  'BlueOak-1.0.0',
  'BSD-1-Clause',
  'BSD-2-Clause',
  'BSD-2-Clause-Patent',
  'BSD-3-Clause',
  'BSD-3-Clause-Clear',
  'BSD-4-Clause',
  'BSL-1.0',
  'bzip2-1.0.6',
  'CC-BY-3.0',
  'CC-BY-4.0',
  'CC-BY-SA-3.0',
  'CC-BY-SA-4.0',
  'CC0-1.0',
  'CDDL-1.0',
  'CDDL-1.1',
  'CPL-1.0',
  'curl',
  'ECL-2.0',
  'EPL-1.0',
  'EPL-2.0',
  'EUPL-1.1',
  'EUPL-1.2',
  'FSFAP',
  'FSFUL',
  'FSFULLR',
  'FTL',
  'GFDL-1.2',
  'GFDL-1.2-only',
  'GFDL-1.2-or-later',
  'GFDL-1.3',
  'GFDL-1.3-only',
  'GFDL-1.3-or-later',
  'GPL-1.0',
  'GPL-1.0+',
  'GPL-1.0-only',
  'GPL-1.0-or-later',
  'GPL-2.0',
  'GPL-2.0+',
  'GPL-2.0-only',
  'GPL-2.0-or-later',
  'GPL-3.0',
  'GPL-3.0+',
  'GPL-3.0-only',
  'GPL-3.0-or-later',
  'HPND',
  'IJG',
  'ICU',
  'Imlib2',
  'IPL-1.0',
  'ISC',
  'LGPL-2.0',
  'LGPL-2.0+',
  'LGPL-2.0-only',
  'LGPL-2.0-or-later',
  'LGPL-2.1',
  'LGPL-2.1+',
  'LGPL-2.1-only',
  'LGPL-2.1-or-later',
  'LGPL-3.0',
  'LGPL-3.0+',
  'LGPL-3.0-only',
  'LGPL-3.0-or-later',
  'Libpng',
  'libpng-2.0',
  'libtiff',
  'LPPL-1.3c',
  'MIT',
  'MIT-0',
  'MIT-CMU',
  'MPL-1.0',
  'MPL-1.1',
  'MPL-2.0',
  'MPL-2.0-no-copyleft-exception',
  'MS-PL',
  'MS-RL',
  'NCSA',
  'OFL-1.1',
  'OpenSSL',
  'OpenSSL-standalone',
  'PHP-3.0',
  'PHP-3.01',
  'PostgreSQL',
  'PSF-2.0',
  'Python-2.0',
  'Python-2.0.1',
  'Ruby',
  'Sleepycat',
  'SSLeay-standalone',
  'TCL',
  'Unicode-3.0',
  'Unicode-DFS-2016',
  'Unlicense',
  'UPL-1.0',
  'Vim',
  'W3C',
  'WTFPL',
  'X11',
  'X11-distribute-modifications-variant',
  'Zlib',
  'zlib-acknowledgement',
  'ZPL-2.0',
  'ZPL-2.1',
] as const;

const EXCEPTION_IDS = [
  'Autoconf-exception-2.0',
  'Autoconf-exception-3.0',
  'Bison-exception-2.2',
  'Classpath-exception-2.0',
  'GCC-exception-2.0',
  'GCC-exception-3.1',
  'LLVM-exception',
  'Libtool-exception',
  'OpenSSL-exception',
  'Qt-GPL-exception-1.0',
  'Qt-LGPL-exception-1.1',
  'u-boot-exception-2.0',
  'WxWindows-exception-3.1',
] as const;

const LICENSES = new Map<string, string>(LICENSE_IDS.map((id) => [id.toLowerCase(), id]));
const EXCEPTIONS = new Map<string, string>(EXCEPTION_IDS.map((id) => [id.toLowerCase(), id]));

export const MAX_EXPRESSION_LENGTH = 512;
const MAX_TERMS = 32;
const MAX_DEPTH = 8;

const LICENSE_REF = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/;

/** A license expression in canonical spelling, and whether it is a single listed license (CycloneDX writes those as `id`). */
export interface CheckedLicense {
  readonly expression: string;
  readonly singleListedId: boolean;
}

/** The expression in canonical spelling, or undefined when it is not a valid SPDX license expression. */
export function checkLicenseExpression(text: string): CheckedLicense | undefined {
  if (text.length === 0 || text.length > MAX_EXPRESSION_LENGTH) return undefined;
  const tokens = text.match(/\(|\)|[^\s()]+/g);
  if (!tokens || tokens.join('').length !== text.replace(/\s+/g, '').length) return undefined;
  const parser = new Parser(tokens);
  const expression = parser.compound(0);
  if (expression === undefined || !parser.done() || parser.terms > MAX_TERMS) return undefined;
  return { expression, singleListedId: parser.terms === 1 && LICENSES.get(expression.toLowerCase()) === expression };
}

/**
 * One expression for a package's list of licenses (all apply, so AND), or undefined when the list
 * is empty or any entry is not a valid expression: half a license list would misstate it.
 */
export function combineLicenses(licenses: readonly string[] | undefined): CheckedLicense | undefined {
  if (!licenses || licenses.length === 0 || licenses.length > MAX_TERMS) return undefined;
  const checked: CheckedLicense[] = [];
  const seen = new Set<string>();
  for (const license of licenses) {
    const one = checkLicenseExpression(license.trim());
    if (!one) return undefined;
    if (seen.has(one.expression)) continue;
    seen.add(one.expression);
    checked.push(one);
  }
  if (checked.length === 1) return checked[0];
  const joined = checked.map((c) => (/\s(?:AND|OR)\s/.test(c.expression) ? `(${c.expression})` : c.expression)).join(' AND ');
  return joined.length > MAX_EXPRESSION_LENGTH ? undefined : { expression: joined, singleListedId: false };
}

/** Recursive descent over `compound := simple (WITH exception)? | compound AND compound | compound OR compound | ( compound )`; AND binds tighter than OR. */
class Parser {
  private at = 0;
  terms = 0;

  constructor(private readonly tokens: readonly string[]) {}

  done(): boolean {
    return this.at === this.tokens.length;
  }

  private peekOperator(): string | undefined {
    // Operators are case-sensitive (Annex D): a lower-case `and` is a malformed expression.
    return this.tokens[this.at];
  }

  /** OR-separated list of AND-separated terms. */
  compound(depth: number): string | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const parts: string[] = [];
    for (;;) {
      const and = this.conjunction(depth);
      if (and === undefined) return undefined;
      parts.push(and);
      if (this.peekOperator() !== 'OR') return parts.join(' OR ');
      this.at++;
    }
  }

  private conjunction(depth: number): string | undefined {
    const parts: string[] = [];
    for (;;) {
      const term = this.term(depth);
      if (term === undefined) return undefined;
      parts.push(term);
      if (this.peekOperator() !== 'AND') return parts.join(' AND ');
      this.at++;
    }
  }

  private term(depth: number): string | undefined {
    const token = this.tokens[this.at];
    if (token === undefined) return undefined;
    if (token === '(') {
      this.at++;
      const inner = this.compound(depth + 1);
      if (inner === undefined || this.tokens[this.at] !== ')') return undefined;
      this.at++;
      return `(${inner})`;
    }
    const license = licenseId(token);
    if (license === undefined) return undefined;
    this.at++;
    this.terms++;
    if (this.peekOperator() !== 'WITH') return license;
    this.at++;
    const exception = EXCEPTIONS.get(this.tokens[this.at]?.toLowerCase() ?? '');
    if (exception === undefined) return undefined;
    this.at++;
    return `${license} WITH ${exception}`;
  }
}

function licenseId(token: string): string | undefined {
  if (LICENSE_REF.test(token)) return token;
  const plus = token.endsWith('+') && !LICENSES.has(token.toLowerCase());
  const id = LICENSES.get((plus ? token.slice(0, -1) : token).toLowerCase());
  if (id === undefined || (plus && id.endsWith('+'))) return undefined;
  return plus ? `${id}+` : id;
}
