import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';

/** The committed OSV fixture files (see fixtures/README.md), for tests. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function fixtureFiles(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(join(FIXTURES, dir.name))
        .filter((name) => name.endsWith('.json'))
        .sort()
        .map((name) => join(FIXTURES, dir.name, name)),
    );
}

/** A zip in OSV's all.zip layout (one record per entry) of the fixtures, plus any extra entries. */
export function fixtureZip(extra: Record<string, string> = {}): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const file of fixtureFiles()) entries[file.slice(FIXTURES.length + 1).replace(/^[^/]+\//, '')] = readFileSync(file);
  for (const [name, text] of Object.entries(extra)) entries[name] = Buffer.from(text);
  return zipSync(entries);
}
