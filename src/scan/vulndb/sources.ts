import { open as openFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type yauzl from 'yauzl';
import type { BlockReader } from './zip-reader.js';

/**
 * What `berth vulndb import` reads: OSV `.json` files, directories of them (recursively), and
 * zips of them (OSV's `<ecosystem>/all.zip`: one record per entry). Every read is bounded: a
 * record's bytes, the files a walk visits, the entries a zip may hold.
 */

/** The zip reader, and yauzl with it, loaded when a zip is first opened: a server that never imports one never loads them. */
const zipReader = () => import('./zip-reader.js');

/** OSV's largest records (kernel CVEs with long version lists) are a few MiB. */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;
/** OSV's biggest ecosystem dumps hold a few hundred thousand records. */
export const MAX_ZIP_ENTRIES = 2_000_000;
const MAX_WALK_FILES = 2_000_000;
const MAX_WALK_DEPTH = 32;

export interface InputPlan {
  /** JSON files, in walk order. */
  files: string[];
  /** Zips with the number of entries their central directory lists. */
  zips: { path: string; entries: number }[];
  /** Inputs that cannot be read at all. */
  problems: { input: string; reason: string }[];
}

/** One document read from an input, or why it could not be. */
export type InputDocument =
  | { origin: string; source: string; text: string }
  /** `whole`: the input itself (a zip) could not be read, not one record of it. */
  | { origin: string; source: string; error: string; whole?: true };

/** Finds what the given paths hold, without reading any record yet (so progress knows the total). */
export async function planInputs(paths: readonly string[]): Promise<InputPlan> {
  const plan: InputPlan = { files: [], zips: [], problems: [] };
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      plan.problems.push({ input: path, reason: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message });
      continue;
    }
    if (info.isDirectory()) await walk(path, 0, plan);
    else await addFile(path, plan, true);
  }
  return plan;
}

async function walk(dir: string, depth: number, plan: InputPlan): Promise<void> {
  if (depth > MAX_WALK_DEPTH) {
    plan.problems.push({ input: dir, reason: `deeper than ${MAX_WALK_DEPTH} directories; not read` });
    return;
  }
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    plan.problems.push({ input: dir, reason: (error as Error).message });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (plan.files.length + plan.zips.length >= MAX_WALK_FILES) {
      plan.problems.push({ input: dir, reason: `more than ${MAX_WALK_FILES} files; the rest not read` });
      return;
    }
    const path = join(dir, entry.name);
    // Symbolic links are not followed: a link cycle would never end.
    if (entry.isDirectory()) await walk(path, depth + 1, plan);
    else if (entry.isFile()) await addFile(path, plan, false);
  }
}

async function addFile(path: string, plan: InputPlan, named: boolean): Promise<void> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.zip')) {
    const { openZip } = await zipReader();
    try {
      const { zip } = await openZip(path);
      plan.zips.push({ path, entries: zip.entryCount });
      zip.close();
    } catch (error) {
      plan.problems.push({ input: path, reason: `not a readable zip: ${(error as Error).message}` });
    }
  } else if (lower.endsWith('.json')) plan.files.push(path);
  // Other files inside a directory (READMEs, checksums) are not records; one named on the command line is a mistake.
  else if (named) plan.problems.push({ input: path, reason: 'neither a .json nor a .zip file' });
}

/** Every document of the plan, one at a time. */
export async function* readInputs(plan: InputPlan): AsyncGenerator<InputDocument> {
  for (const file of plan.files) yield await readJsonFile(file);
  for (const { path } of plan.zips) yield* readZip(path);
}

async function readJsonFile(path: string): Promise<InputDocument> {
  let handle;
  try {
    handle = await openFile(path, 'r');
    const { size } = await handle.stat();
    if (size > MAX_RECORD_BYTES) return { origin: path, source: path, error: `larger than ${MAX_RECORD_BYTES} bytes` };
    const text = await handle.readFile({ encoding: 'utf8' });
    return { origin: path, source: path, text };
  } catch (error) {
    return { origin: path, source: path, error: (error as Error).message };
  } finally {
    await handle?.close();
  }
}

/** The zip's JSON entries in central-directory order; an entry that cannot be read is an error document, the next one is still read. */
async function* readZip(path: string): AsyncGenerator<InputDocument> {
  const { openZip, readEntryText } = await zipReader();
  let zip: yauzl.ZipFile;
  let reader: BlockReader;
  try {
    ({ zip, reader } = await openZip(path));
  } catch (error) {
    yield { origin: path, source: path, error: `not a readable zip: ${(error as Error).message}`, whole: true };
    return;
  }
  try {
    if (zip.entryCount > MAX_ZIP_ENTRIES) {
      yield { origin: path, source: path, error: `more than ${MAX_ZIP_ENTRIES} entries; not read`, whole: true };
      return;
    }
    for (;;) {
      const entry = await nextEntry(zip);
      if (entry === undefined) return;
      if (entry.fileName.endsWith('/') || !entry.fileName.toLowerCase().endsWith('.json')) continue;
      const origin = `${path}:${entry.fileName}`;
      let text: string;
      try {
        text = await readEntryText(reader, entry, MAX_RECORD_BYTES);
      } catch (error) {
        yield { origin, source: path, error: (error as Error).message };
        continue;
      }
      yield { origin, source: path, text };
    }
  } catch (error) {
    // The central directory itself is damaged past this point: the entries read so far stand.
    yield { origin: path, source: path, error: `zip unreadable from here on: ${(error as Error).message}`, whole: true };
  } finally {
    zip.close();
  }
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => (cleanup(), resolve(entry));
    const onEnd = () => (cleanup(), resolve(undefined));
    const onError = (err: Error) => (cleanup(), reject(err));
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}
