import { mkdir, open, opendir, rename, rm, rmdir, stat, readFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { assertSafePath, PathNotFoundError, type ByteRange, type FileWriter, type StorageDriver } from '../driver.js';
import { freeBytesAt } from '../free-space.js';
import { FileRangeStream } from './read-stream.js';
import { FileSink } from './file-sink.js';
import { digestWorker, type DigestWorker } from './digest-worker.js';

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

export interface FilesystemDriverOptions {
  root: string;
  /** fsync files (and their directory) before a write is reported durable. */
  fsync: boolean;
  /** Hash what writers write on the process's digest thread, and offer `sha256Of` (storage.digestThread). */
  digestThread?: boolean;
  /** Send blob downloads with sendfile(2) where the native module is built (storage.sendfile). */
  sendfile?: boolean;
}

/** Blobs as plain files under a root directory; renames give atomic visibility. */
export class FilesystemDriver implements StorageDriver {
  readonly name = 'filesystem';
  /** Written bytes may sit in the page cache until a writer's commit syncs them. */
  readonly durableOnClose = false;
  private readonly root: string;
  private readonly fsync: boolean;
  private readonly sendfile: boolean;
  /** The digest thread, when this driver hashes on it. */
  private readonly digests: DigestWorker | undefined;
  /**
   * Set only with the digest thread: the caller then leaves hashing to it. Hashed there as each
   * writer reports bytes written, so by the time an upload commits most of it is hashed, and
   * none of it on the event loop.
   */
  readonly sha256Of?: (path: string, size: number) => Promise<string>;

  constructor(options: FilesystemDriverOptions) {
    this.root = options.root;
    this.fsync = options.fsync;
    this.sendfile = options.sendfile ?? false;
    if (options.digestThread) {
      const digests = (this.digests = digestWorker);
      this.sha256Of = (path, size) => this.hashed(digests, path, size);
    }
  }

  private full(path: string): string {
    assertSafePath(path);
    return join(this.root, path);
  }

  async stat(path: string): Promise<{ size: number } | undefined> {
    try {
      const info = await stat(this.full(path));
      return info.isFile() ? { size: info.size } : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async read(path: string, range?: ByteRange): Promise<Readable> {
    const full = this.full(path);
    let handle: FileHandle;
    try {
      handle = await open(full, 'r');
    } catch (err) {
      if (isNotFound(err)) throw new PathNotFoundError(path);
      throw err;
    }
    const start = range?.offset ?? 0;
    let end = range?.length === undefined ? undefined : start + range.length;
    if (end === undefined) {
      try {
        end = (await handle.stat()).size;
      } catch (err) {
        await handle.close();
        throw err;
      }
    }
    // Opening first means a missing file is reported before any byte is promised to a client.
    // The stream owns the handle and closes it exactly once.
    return new FileRangeStream(handle, start, end, this.sendfile);
  }

  async getContent(path: string): Promise<Buffer> {
    try {
      return await readFile(this.full(path));
    } catch (err) {
      if (isNotFound(err)) throw new PathNotFoundError(path);
      throw err;
    }
  }

  async putContent(path: string, data: Uint8Array): Promise<void> {
    const full = this.full(path);
    await mkdir(dirname(full), { recursive: true });
    const temp = `${full}.${randomUUID()}.tmp`;
    const handle = await open(temp, 'w');
    try {
      try {
        await handle.writeFile(data);
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, full);
    } catch (err) {
      // A write cut short (a full disk) leaves no half-written temp file taking space.
      await rm(temp, { force: true });
      throw err;
    }
    if (this.fsync) await syncDirectory(dirname(full));
  }

  async writer(path: string, options: { append: boolean }): Promise<FileWriter> {
    const full = this.full(path);
    await mkdir(dirname(full), { recursive: true });
    if (!options.append) this.digests?.forget(full);
    const handle = await open(full, options.append ? 'a' : 'w');
    const { size } = await handle.stat();
    const digests = this.digests;
    const follower = digests && { written: (total: number) => digests.follow(full, total), cut: () => digests.forget(full) };
    return new FilesystemWriter(handle, size, this.fsync, follower);
  }

  private async hashed(digests: DigestWorker, path: string, size: number): Promise<string> {
    const full = this.full(path);
    try {
      return await digests.sha256(full, size);
    } catch (err) {
      if (!(await this.stat(path))) throw new PathNotFoundError(path);
      throw err;
    }
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.full(from);
    const target = this.full(to);
    await mkdir(dirname(target), { recursive: true });
    try {
      await rename(source, target);
    } catch (err) {
      if (isNotFound(err)) throw new PathNotFoundError(from);
      throw err;
    }
    this.digests?.forget(source);
    if (this.fsync) await syncDirectory(dirname(target));
  }

  async *list(prefix: string): AsyncGenerator<string[]> {
    let dir;
    try {
      dir = await opendir(this.full(prefix), { bufferSize: LIST_PAGE });
    } catch (err) {
      if (isNotFound(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    let page: string[] = [];
    // Temp files of a write in progress are not objects yet.
    for await (const entry of dir) {
      if (entry.name.endsWith('.tmp')) continue;
      page.push(entry.name);
      if (page.length === LIST_PAGE) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  async delete(path: string): Promise<void> {
    const full = this.full(path);
    this.digests?.forget(full);
    // Most deletes are of an upload's directory its blob was just moved out of: an empty
    // directory goes in one call, where a recursive rm inspects it first.
    try {
      await rmdir(full);
      return;
    } catch (err) {
      if (isNotFound(err)) return;
    }
    await rm(full, { recursive: true, force: true });
  }

  freeBytes(): Promise<number> {
    return freeBytesAt(this.root);
  }

  /** Files are only reachable through Berth. */
  redirectUrl(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
}

/** Names listed per page. */
const LIST_PAGE = 1000;

/** Flush written data this often while a write streams, so the final sync has little left to do. */
const SYNC_EVERY_BYTES = 8 * 1024 * 1024;

class FilesystemWriter implements FileWriter {
  /** A flush running alongside the write; at most one at a time. */
  private syncing: Promise<void> | undefined;
  private unsynced = 0;

  /**
   * `follower` (the digest thread): told the file's size after each finished write, and told
   * before the file is cut back, so nothing that followed the cut bytes is kept.
   */
  constructor(
    private readonly handle: FileHandle,
    private written: number,
    private readonly fsync: boolean,
    private readonly follower: { written(size: number): void; cut(): void } | undefined,
  ) {}

  get size(): number {
    return this.written;
  }

  async write(source: Readable): Promise<number> {
    // A Writable over the FileHandle rather than fs.createWriteStream: destroying a
    // WriteStream closes its descriptor, and this writer must outlive a failed source.
    let size = this.written;
    const sink = new FileSink(this.handle, (bytes) => {
      size += bytes;
      this.follower?.written(size);
      this.flushInBackground(bytes);
    });
    let whole = false;
    try {
      await pipeline(source, sink);
      whole = true;
    } finally {
      await sink.settled().catch(() => undefined);
      if (whole) sink.release();
      // The file's own size is the truth, also when the client went away mid-stream:
      // a resumed upload continues from exactly what reached the disk.
      this.written = (await this.handle.stat()).size;
    }
    return this.written;
  }

  /**
   * With fsync on, dirty pages are flushed while the upload still streams: the disk
   * works alongside the network instead of all at once when the client waits for 201.
   */
  private flushInBackground(bytes: number): void {
    if (!this.fsync) return;
    this.unsynced += bytes;
    if (this.syncing || this.unsynced < SYNC_EVERY_BYTES) return;
    this.unsynced = 0;
    this.syncing = this.handle
      .datasync()
      .catch(() => undefined)
      .finally(() => {
        this.syncing = undefined;
      });
  }

  async commit(): Promise<void> {
    try {
      await this.syncing;
      if (this.fsync) await this.handle.sync();
    } finally {
      await this.handle.close();
    }
  }

  async close(): Promise<void> {
    await this.syncing;
    await this.handle.close();
  }

  async truncate(size: number): Promise<void> {
    await this.syncing;
    this.follower?.cut();
    await this.handle.truncate(size);
    this.written = size;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
