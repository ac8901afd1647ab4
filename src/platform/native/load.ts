import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Berth's native module (native/*.c), built by `npm install` on Linux where a C compiler is at
 * hand. Everything it offers has a slower JavaScript path, taken when it is missing.
 */
export interface NativeModule {
  /** Sends `length` bytes of `fileFd` from `offset` to `socketFd` on a thread of its own; `done` gets an errno (0) and the bytes sent. */
  sendfileStart(socketFd: number, fileFd: number, offset: number, length: number, idleMs: number, done: (errno: number, sent: number) => void): object;
  /** Ends a transfer now (and its connection with it); nothing once it has finished. */
  sendfileCancel(handle: object): void;
  /** A SHA-256 whose updates run on libuv's thread pool. */
  sha256Create(): object;
  /** Hashes the buffers in order off the event loop; one update at a time per hasher. */
  sha256Update(hasher: object, buffers: Buffer[], done: (err: Error | null) => void): void;
  /** The digest, in hex; the hasher takes nothing more. */
  sha256Final(hasher: object): string;
  /** Advises the kernel to drop the node executable's resident read-only pages; the bytes advised. */
  releaseExecutablePages(): number;
  /** Returns malloc's free pages to the kernel (glibc's malloc_trim); whether any went back. */
  trimHeap(): boolean;
}

/** Where node-gyp puts the module, from this file's folder in src/ or dist/ alike. */
const MODULE_PATH = fileURLToPath(new URL('../../../build/Release/berth_native.node', import.meta.url));

let loaded: NativeModule | null | undefined;

/** The native module, or null where it was not built. */
export function nativeModule(): NativeModule | null {
  if (loaded !== undefined) return loaded;
  if (process.platform !== 'linux') return (loaded = null);
  try {
    loaded = createRequire(import.meta.url)(MODULE_PATH) as NativeModule;
  } catch {
    loaded = null;
  }
  return loaded;
}
