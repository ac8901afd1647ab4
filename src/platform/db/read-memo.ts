import type { Database } from './database.js';

/**
 * Results of a hot read, kept while nothing in the database has changed since they were read
 * (`Database.changes`): not a time-to-live, so a tag pushed is seen by the very next request
 * (a commit by another process on the file, within a millisecond). Where the database cannot
 * tell (PostgreSQL, shared by instances), every call reads.
 * Any write empties it, so it pays only where reads far outnumber writes, as manifest GETs do.
 * Values are shared between callers: they must not be changed.
 */
export class ReadMemo<T> {
  private readonly entries = new Map<string, T>();
  private version: number | undefined;

  constructor(
    private readonly database: Database,
    private readonly maxEntries: number,
  ) {}

  async get(key: string, read: () => Promise<T>): Promise<T> {
    const before = this.database.changes?.();
    if (before === undefined) return read();
    if (before !== this.version) {
      this.entries.clear();
      this.version = before;
    }
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const value = await read();
    // A write between the check and the read (another request, while this one awaited) may or
    // may not be in what was read: kept only when nothing changed meanwhile.
    if (this.database.changes?.() === before) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(key, value);
    }
    return value;
  }
}
