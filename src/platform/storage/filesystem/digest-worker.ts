import type { Hash } from 'node:crypto';
import { Worker, type MessagePort } from 'node:worker_threads';

type Request = { op: 'follow'; path: string; size: number } | { op: 'digest'; path: string; size: number; seq: number } | { op: 'forget'; prefix: string };

type Reply = { seq: number; hex: string } | { seq: number; error: string };

/** The thread's bounds, handed to it when it starts (its code sees nothing of this module). */
const LIMITS = {
  /** Files followed at once; past it the least recently written is dropped (and hashed afresh if asked). */
  maxFollowed: 1000,
  /**
   * A file the thread has not followed from its first bytes (the thread was stopped while idle,
   * or another instance wrote them) is taken up again only this small; a bigger one is read once,
   * when its digest is asked, rather than again after every pause of a slow upload.
   */
  takeUpBytes: 8 * 1024 * 1024,
  /** Bytes per read: a quarter of a copy buffer, since the page cache, not a disk, is read. */
  readBytes: 128 * 1024,
};

/** With no digest awaited and nothing posted for this long, the thread stops and its memory goes back. */
const IDLE_MS = 1000;

/**
 * The digest thread. It hashes a file's bytes from the page cache as its writer reports them
 * written, so a digest asked at commit has little left to read, and the event loop, which
 * receives every upload, hashes none of it. It runs through `toString` in an eval'd worker that
 * loads fs and crypto only: a few MiB, not a second copy of Berth.
 *
 * Only bytes a finished write reported are read: a range still being written may be half
 * copied. The owner posts `forget` before it cuts a file back, so no hash outlives the bytes
 * it covered; messages arrive in the order they were posted.
 */
function digestThread(port: MessagePort, fs: typeof import('node:fs'), crypto: typeof import('node:crypto'), limits: typeof LIMITS): void {
  const { maxFollowed, takeUpBytes, readBytes } = limits;
  // Off a page boundary, as copy buffers are (platform/lib/copy-buffer.ts): reads into it run faster.
  const buffer = Buffer.allocUnsafeSlow(readBytes + 64).subarray(64);
  const followed = new Map<string, { hash: Hash; offset: number }>();

  const fresh = (): { hash: Hash; offset: number } => ({ hash: crypto.createHash('sha256'), offset: 0 });

  function advance(path: string, state: { hash: Hash; offset: number }, size: number): void {
    if (state.offset >= size) return;
    const fd = fs.openSync(path, 'r');
    try {
      while (state.offset < size) {
        const read = fs.readSync(fd, buffer, 0, Math.min(readBytes, size - state.offset), state.offset);
        if (read === 0) throw new Error(`${path} holds ${state.offset} bytes, not ${size}`);
        state.hash.update(buffer.subarray(0, read));
        state.offset += read;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  port.on('message', (message: Request) => {
    if (message.op === 'forget') {
      for (const path of [...followed.keys()]) {
        if (path === message.prefix || path.startsWith(`${message.prefix}/`)) followed.delete(path);
      }
      return;
    }
    let state = followed.get(message.path);
    followed.delete(message.path);
    if (state && state.offset > message.size) state = undefined;
    if (message.op === 'follow' && !state && message.size > takeUpBytes) return;
    state ??= fresh();
    if (message.op === 'follow') {
      try {
        advance(message.path, state, message.size);
        if (followed.size >= maxFollowed) followed.delete(followed.keys().next().value as string);
        followed.set(message.path, state);
      } catch {
        // The file went away or is shorter than reported: a digest asked later starts afresh.
      }
      return;
    }
    try {
      advance(message.path, state, message.size);
      port.postMessage({ seq: message.seq, hex: state.hash.digest('hex') } satisfies Reply);
    } catch (err) {
      port.postMessage({ seq: message.seq, error: err instanceof Error ? err.message : String(err) } satisfies Reply);
    }
  });
}

// `__name`: a source transform that keeps function names (tsx, in tests) calls it from inside the function.
const THREAD_SOURCE = `const __name = (fn) => fn;
(${digestThread.toString()})(require('node:worker_threads').parentPort, require('node:fs'), require('node:crypto'), ${JSON.stringify(LIMITS)});`;

/**
 * The main thread's side: one thread for the process, started by the first write and stopped
 * when idle (unreferenced while no digest is awaited). When it stops or dies, what it followed
 * is lost, and the next digest of each file reads it whole.
 */
export class DigestWorker {
  private worker: Worker | undefined;
  private idle: NodeJS.Timeout | undefined;
  private seq = 0;
  private digestsGiven = 0;
  private readonly pending = new Map<number, { resolve: (hex: string) => void; reject: (err: Error) => void }>();

  /** Digests the thread has given: how a test tells the thread's work from the fallback's. */
  get given(): number {
    return this.digestsGiven;
  }

  /** `size` bytes of the file at `path` are written (by a write that has finished). */
  follow(path: string, size: number): void {
    this.post({ op: 'follow', path, size });
  }

  /** Drops what was hashed of the file at `prefix`, or of any file under it. */
  forget(prefix: string): void {
    if (this.worker) this.post({ op: 'forget', prefix });
  }

  /** The sha256 (hex) of the first `size` bytes of the file at `path`. */
  sha256(path: string, size: number): Promise<string> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.post({ op: 'digest', path, size, seq });
      // Posting may have started the thread: held referenced until the answer comes.
      this.worker?.ref();
    });
  }

  private post(request: Request): void {
    this.thread().postMessage(request);
    this.idle?.refresh();
  }

  private stopIfIdle(): void {
    const worker = this.worker;
    if (!worker) return;
    if (this.pending.size > 0) {
      this.idle?.refresh();
      return;
    }
    this.worker = undefined;
    clearTimeout(this.idle);
    this.idle = undefined;
    void worker.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    // Small heap limits: the thread holds one hash per followed file and a read buffer.
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, codeRangeSizeMb: 2, stackSizeMb: 1 },
    });
    worker.unref();
    this.idle = setTimeout(() => this.stopIfIdle(), IDLE_MS).unref();
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.seq);
      this.pending.delete(reply.seq);
      if (this.pending.size === 0) worker.unref();
      if (!waiting) return;
      if ('hex' in reply) {
        this.digestsGiven++;
        waiting.resolve(reply.hex);
      } else waiting.reject(new Error(reply.error));
    });
    const lost = (err: Error): void => {
      // A thread stopped while idle had nothing awaited; what is awaited now is its successor's.
      if (this.worker !== worker) return;
      this.worker = undefined;
      clearTimeout(this.idle);
      this.idle = undefined;
      for (const waiting of this.pending.values()) waiting.reject(err);
      this.pending.clear();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`digest thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}

/** The process's one digest thread, shared by every filesystem driver (paths are absolute). */
export const digestWorker = new DigestWorker();
