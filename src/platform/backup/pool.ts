/** Runs `work` on each item with at most `limit` at a time; the first failure stops taking new items and is thrown. */
export async function eachBounded<T>(items: AsyncIterable<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: unknown;
  for await (const item of items) {
    if (failure !== undefined) break;
    const task: Promise<void> = work(item).then(
      () => void running.delete(task),
      (err: unknown) => {
        running.delete(task);
        failure ??= err;
      },
    );
    running.add(task);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure;
}
