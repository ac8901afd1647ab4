import type { Readable } from 'node:stream';

/** Raised when a path names nothing. Services translate it to BLOB_UNKNOWN and friends. */
export class PathNotFoundError extends Error {
  constructor(readonly path: string) {
    super(`path not found: ${path}`);
  }
}

export class InvalidPathError extends Error {
  constructor(readonly path: string) {
    super(`invalid storage path: ${path}`);
  }
}

export interface ByteRange {
  offset: number;
  /** Number of bytes to read; to the end when omitted. */
  length?: number;
}

/**
 * An open object being written, possibly continuing an earlier write (resumable uploads).
 * Nothing written becomes visible under another name until the owner `move`s it.
 */
export interface FileWriter {
  /** Bytes in the object, counting what was there before this writer opened. */
  readonly size: number;
  /** Streams `source` onto the end of the object; resolves with the new total size. */
  write(source: Readable): Promise<number>;
  /** Flushes what was written to durable storage and closes the writer. */
  commit(): Promise<void>;
  /** Closes the writer without any durability promise (the upload may continue later). */
  close(): Promise<void>;
  /** Cuts the object back to `size` bytes: takes back a chunk that could not be stored whole. */
  truncate(size: number): Promise<void>;
}

/**
 * A blob store addressed by slash-separated paths. Paths are built by `paths.ts` only.
 * Small on purpose: content addressing, verification and visibility rules live above it.
 */
export interface StorageDriver {
  readonly name: string;
  /**
   * True where a writer's `close` leaves what it wrote durable already (an object store, where a
   * completed upload is stored for good), so an object whose writers all closed needs no `commit`
   * before it is moved into sight. False where only `commit` makes it so (a filesystem's fsync).
   */
  readonly durableOnClose: boolean;
  /**
   * Size of a whole object (one put with putContent, or moved into place), or undefined when there
   * is none. An object a FileWriter is still adding to may not count as one (object stores keep it
   * in pieces until it is moved): its size is its writer's.
   */
  stat(path: string): Promise<{ size: number } | undefined>;
  /** A stream of the object's bytes (or a range of them). Throws PathNotFoundError. */
  read(path: string, range?: ByteRange): Promise<Readable>;
  /** Whole content of a small object (manifests, keys). Throws PathNotFoundError. */
  getContent(path: string): Promise<Buffer>;
  /** Atomically replaces the object with `data`, durably. */
  putContent(path: string, data: Uint8Array): Promise<void>;
  /** Opens a writer; `append` continues an existing object instead of truncating it. */
  writer(path: string, options: { append: boolean }): Promise<FileWriter>;
  /** Atomically renames, replacing any object at `to`. Throws PathNotFoundError. */
  move(from: string, to: string): Promise<void>;
  /**
   * The names directly under a directory-like `prefix` (`uploads` gives each upload's id), a
   * page at a time, in no promised order: for sweeps that compare storage with the database.
   * Nothing under a missing prefix.
   */
  list(prefix: string): AsyncIterable<string[]>;
  /** Removes the object or every object under the prefix. Missing paths are not an error. */
  delete(path: string): Promise<void>;
  /** Bytes still free where the objects are kept, or undefined where space is not bounded (object storage). */
  freeBytes(): Promise<number | undefined>;
  /**
   * A URL a client can GET the object's bytes from directly (Range requests included), valid for
   * `expiresInSeconds`; undefined where the driver cannot give one (a filesystem, an object that
   * is not yet one plain object) or when there is no object.
   */
  redirectUrl(path: string, expiresInSeconds: number): Promise<string | undefined>;
  /**
   * The sha256 (hex) of the first `size` bytes of an object a FileWriter of this driver wrote,
   * computed off the event loop. Only drivers that can do so cheaply have it (the filesystem
   * hashes each file on a thread of its own as it is written); with the others the caller hashes
   * the bytes as they stream by. Throws PathNotFoundError.
   */
  sha256Of?(path: string, size: number): Promise<string>;
}

const SAFE_PATH = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-zA-Z0-9]+(?:[._-][a-zA-Z0-9]+)*)*$/;

/** Rejects paths that could escape the store (`..`, absolute, empty segments). */
export function assertSafePath(path: string): void {
  if (!SAFE_PATH.test(path)) throw new InvalidPathError(path);
}
