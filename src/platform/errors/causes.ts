/** How deep `cause` chains are followed: wrappers nest errors, but never deeply. */
const MAX_CAUSES = 5;

/** An error and the errors its `cause` chain keeps, outermost first, at most MAX_CAUSES deep. */
export function* causes(err: unknown): Generator<object> {
  let current: unknown = err;
  for (let depth = 0; depth <= MAX_CAUSES && typeof current === 'object' && current !== null; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}
