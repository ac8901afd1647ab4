import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';

/** How long and how slowly a client may hold a connection, in milliseconds and bytes. */
export interface ClientLimits {
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  minBodyBytesPerSecond: number;
  bodyRateWindowMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
}

export function clientLimits(server: Config['server']): ClientLimits {
  return {
    headersTimeoutMs: server.headersTimeoutSeconds * 1000,
    idleTimeoutMs: server.idleTimeoutSeconds * 1000,
    minBodyBytesPerSecond: server.minBodyBytesPerSecond,
    bodyRateWindowMs: server.bodyRateWindowSeconds * 1000,
    requestTimeoutMs: server.requestTimeoutMinutes * 60_000,
    maxConnections: server.maxConnections,
  };
}

/**
 * The limits Node's HTTP server enforces itself: the headers deadline (checked as often as
 * it is short, so a 30 s deadline cuts at 30 s, not up to a minute later), and the socket
 * idle timeout, which also ends keep-alive connections nobody uses. Node's own request
 * timeout stays off: it would cut a long upload that is still live; the guard below bounds
 * requests instead.
 */
export function serverLimitOptions(limits: ClientLimits) {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    requestTimeout: 0,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: 0,
      connectionsCheckingInterval: Math.min(1000, Math.max(100, limits.headersTimeoutMs / 4)),
    },
  };
}

/** Answered (408) when a request is cut for being too slow or too long. */
export class SlowRequestError extends Error {
  readonly statusCode = 408;
}

interface Watch {
  request: FastifyRequest;
  reply: FastifyReply;
  socket: Socket;
  startedAt: number;
  windowStartedAt: number;
  windowStartBytes: number;
  /** Whether the server, not the client, held the body back at some point in this window. */
  held: boolean;
}

/**
 * Keeps a client that trickles its request from holding a connection forever, without
 * cutting a slow-but-live upload: a body must average `minBodyBytesPerSecond` over each
 * window, and every request ends within `requestTimeoutMs`. Only waits on the client
 * count: a window in which the server did not take the body as fast as it came (storage
 * busy, the handler not reading yet) is not held against it, and the socket idle timer is
 * kept from firing while the server works on a request whose body has all arrived.
 */
export class SlowClientGuard {
  private readonly watches = new Set<Watch>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly limits: ClientLimits) {}

  install(app: FastifyInstance): void {
    app.server.maxConnections = this.limits.maxConnections;
    app.addHook('onRequest', async (request, reply) => this.watch(request, reply));
    // An answer sent before the body is all in (a 401, a 413) ends the connection: otherwise
    // Node reads the rest of the body to reach the next request, and a client could trickle
    // a body nobody wants for as long as it likes.
    app.addHook('onSend', async (request, reply, payload) => {
      if (!request.raw.complete) reply.header('connection', 'close');
      return payload;
    });
    app.addHook('onReady', async () => this.start());
    app.addHook('onClose', async () => this.stop());
  }

  private watch(request: FastifyRequest, reply: FastifyReply): void {
    const socket = request.raw.socket;
    const now = Date.now();
    const watch: Watch = { request, reply, socket, startedAt: now, windowStartedAt: now, windowStartBytes: socket.bytesRead, held: false };
    this.watches.add(watch);
    reply.raw.once('close', () => this.watches.delete(watch));
  }

  private start(): void {
    // Often enough to see the server holding a body back, and to cut close to the deadline.
    const every = Math.min(1000, this.limits.bodyRateWindowMs / 4);
    this.timer = setInterval(() => this.sweep(Date.now()), every);
    this.timer.unref();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.watches.clear();
  }

  private sweep(now: number): void {
    for (const watch of this.watches) {
      if (now - watch.startedAt > this.limits.requestTimeoutMs) {
        this.cut(watch, `the request took longer than ${this.limits.requestTimeoutMs / 60_000} minutes`);
        continue;
      }
      const { request, reply, socket } = watch;
      if (request.raw.complete) {
        // The whole body is in and the server is working on the answer: the client may be silent.
        if (!reply.raw.headersSent) this.keepAlive(socket);
        continue;
      }
      // Bytes the handler has not taken yet: the server is the slow side at this moment.
      if (request.raw.readableLength > 0) {
        watch.held = true;
        this.keepAlive(socket);
      }
      if (now - watch.windowStartedAt < this.limits.bodyRateWindowMs) continue;
      const received = socket.bytesRead - watch.windowStartBytes;
      const required = (this.limits.minBodyBytesPerSecond * (now - watch.windowStartedAt)) / 1000;
      if (!watch.held && received < required) {
        this.cut(watch, `the request body arrived slower than ${this.limits.minBodyBytesPerSecond} bytes per second`);
        continue;
      }
      watch.windowStartedAt = now;
      watch.windowStartBytes = socket.bytesRead;
      watch.held = false;
    }
  }

  /** Restarts the socket's idle countdown. */
  private keepAlive(socket: Socket): void {
    socket.setTimeout(this.limits.idleTimeoutMs);
  }

  /** A 408 if an answer can still be sent, and the connection closed either way. */
  private cut(watch: Watch, message: string): void {
    this.watches.delete(watch);
    const { request, reply, socket } = watch;
    // Node forgets a request once its answer is written, so closing the socket would not end
    // the body its handler is still reading: end it here, and the handler lets go (an upload
    // is released and can be resumed).
    socket.once('close', () => request.raw.destroy(new SlowRequestError(message)));
    if (reply.sent || reply.raw.headersSent) {
      socket.destroy();
      return;
    }
    // `Connection: close` makes Node end the socket once the 408 is written; a client that
    // does not read even that loses the socket shortly after.
    reply.header('connection', 'close').send(new SlowRequestError(message));
    setTimeout(() => socket.destroy(), 5000).unref();
  }
}
