import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import { constants } from 'node:os';
import { getSystemErrorName } from 'node:util';
import { nativeModule } from '../../native/index.js';

/**
 * Ranges smaller than this are copied by the event loop: starting a thread costs more than
 * copying a few hundred KiB, and manifests, configs and small layers are that size.
 */
export const SENDFILE_MIN_BYTES = 512 * 1024;
/** Transfers running at once; beyond this, downloads fall back to copying on the event loop. */
const MAX_RUNNING = 256;
/** A client that takes no byte for this long loses the connection, when the socket has no idle timeout of its own. */
const DEFAULT_IDLE_MS = 5 * 60_000;

let running = 0;
let started = 0;

/** Whether this process can send files with sendfile(2), and how many transfers it has started and runs now. */
export function sendfileStatus(): { available: boolean; started: number; running: number } {
  return { available: nativeModule() !== null, started, running };
}

/** The descriptor of a plain TCP socket (not TLS, not a pipe), or undefined. */
function plainSocketFd(socket: Socket): number | undefined {
  if ('encrypted' in socket) return undefined;
  const handle: unknown = Reflect.get(socket, '_handle');
  if (typeof handle !== 'object' || handle === null || !('fd' in handle)) return undefined;
  const fd = handle.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** A socket ready for bytes written behind Node's back: its descriptor, once all Node queued on it is in the kernel. */
export interface SendfileTarget {
  socket: Socket;
  fd: number;
}

/**
 * The response's socket when a range of `length` bytes can go out by sendfile: the module is
 * built, the response is plain HTTP/1.1 with a length (no chunked framing to write around the
 * bytes), and not too many transfers run already.
 */
export function sendfileTarget(response: ServerResponse, length: number): SendfileTarget | undefined {
  if (length < SENDFILE_MIN_BYTES || running >= MAX_RUNNING || !nativeModule()) return undefined;
  const socket = response.socket;
  if (!socket || socket.destroyed || response.chunkedEncoding || response.getHeader('content-length') === undefined) return undefined;
  const fd = plainSocketFd(socket);
  return fd === undefined ? undefined : { socket, fd };
}

/** Sends the headers and waits until Node has handed every byte it queued on the socket to the kernel. */
export function flushHeaders(response: ServerResponse, socket: Socket): Promise<void> {
  response.flushHeaders();
  return new Promise((resolve, reject) => {
    // Writes on a socket complete in order: once this empty one has, the headers are in the kernel.
    socket.write(Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Sends `length` bytes of the file `fileFd` from `offset` to the socket, on a thread of its own.
 * `done` resolves with the bytes sent; it rejects when the client goes away or takes no byte for
 * the socket's idle timeout. While it runs the socket's own idle timer is off (Node sees none of
 * these writes and would count the connection idle), and `cancel` ends the transfer. Undefined
 * when no thread could be started (the process is at its limit): the caller copies instead.
 */
export function sendFileRange(target: SendfileTarget, fileFd: number, offset: number, length: number): { done: Promise<number>; cancel: () => void } | undefined {
  const module = nativeModule();
  if (!module) return undefined;
  const { socket, fd } = target;
  const idleMs = socket.timeout ?? 0;
  let settle: { resolve: (sent: number) => void; reject: (err: Error) => void } | undefined;
  const done = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
  let finished = false;
  let handle: object;
  try {
    handle = module.sendfileStart(fd, fileFd, offset, length, idleMs > 0 ? idleMs : DEFAULT_IDLE_MS, (errno, sent) => {
      finished = true;
      running--;
      if (!socket.destroyed) socket.setTimeout(idleMs);
      if (errno === 0) settle?.resolve(sent);
      else settle?.reject(sendfileError(errno, sent, length));
    });
  } catch {
    return undefined;
  }
  socket.setTimeout(0);
  running++;
  started++;
  return {
    done,
    cancel: () => {
      if (!finished) module.sendfileCancel(handle);
    },
  };
}

function sendfileError(errno: number, sent: number, length: number): Error {
  const code = getSystemErrorName(-errno);
  const why =
    errno === constants.errno.ENODATA
      ? 'the file ended before the requested range'
      : errno === constants.errno.ETIMEDOUT
        ? 'the client took no bytes for too long'
        : 'the connection ended';
  return Object.assign(new Error(`sendfile stopped after ${sent} of ${length} bytes (${code}): ${why}`), { code });
}
