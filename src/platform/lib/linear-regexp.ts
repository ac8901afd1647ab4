import { setFlagsFromString } from 'node:v8';

/** Longest pattern accepted: a filter names groups, it is not a program. */
export const MAX_LINEAR_PATTERN_LENGTH = 512;

let engineEnabled = false;

/**
 * V8's linear-time engine (the `l` flag) runs only when this flag is set; setting it changes no
 * other expression: those without the flag keep the backtracking engine.
 */
function enableLinearEngine(): void {
  if (engineEnabled) return;
  setFlagsFromString('--enable-experimental-regexp-engine');
  engineEnabled = true;
}

/**
 * A user's regular expression (Harbor's `oidc_group_filter`, a Go RE2 pattern there), compiled for
 * V8's linear-time engine: matching time grows with the text only, whatever the pattern, so no
 * pattern can stall the sign-in path. What that engine cannot run in linear time (back-references,
 * lookaround) is refused, as RE2 refuses it too. Unanchored, as Go's `MatchString`.
 */
export function compileLinearRegExp(pattern: string): RegExp | { problem: string } {
  if (pattern.length > MAX_LINEAR_PATTERN_LENGTH) return { problem: `a pattern has at most ${MAX_LINEAR_PATTERN_LENGTH} characters` };
  enableLinearEngine();
  try {
    // ESLint knows only the standard flags; `l` is V8's, enabled just above.
    // eslint-disable-next-line no-invalid-regexp
    return new RegExp(pattern, 'l');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes('linear time')) return { problem: 'back-references and lookaround are not supported: the pattern must match in linear time' };
    return { problem: `not a valid regular expression: ${message.replace(/^Invalid regular expression: /, '')}` };
  }
}

/** Why a pattern is refused, or undefined when it compiles for the linear engine. */
export function linearRegExpProblem(pattern: string): string | undefined {
  const compiled = compileLinearRegExp(pattern);
  return compiled instanceof RegExp ? undefined : compiled.problem;
}
