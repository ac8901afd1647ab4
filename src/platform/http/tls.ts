import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import https from 'node:https';
import { createSecureContext } from 'node:tls';
import type { FastifyServerFactory } from 'fastify';
import { serverLimitOptions, type ClientLimits } from './client-limits.js';

/** A certificate or key that cannot be read or used; the message names the file and the problem. */
export class TlsFilesError extends Error {}

export interface TlsFiles {
  cert: string;
  key: string;
}

interface KeyPair {
  cert: Buffer;
  key: Buffer;
  certificate: X509Certificate;
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TlsFilesError(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

/** Reads both files and proves they make a usable pair before anything serves them. */
function loadPair(files: TlsFiles): KeyPair {
  const cert = read(files.cert, 'server.tls.cert');
  const key = read(files.key, 'server.tls.key');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (err) {
    throw new TlsFilesError(`server.tls.cert ${files.cert} holds no PEM certificate: ${(err as Error).message}`);
  }
  try {
    // Fails on a key that is not PEM and on a key that does not belong to the certificate.
    createSecureContext({ cert, key });
  } catch (err) {
    throw new TlsFilesError(`server.tls.key ${files.key} is not the PEM private key of ${files.cert}: ${(err as Error).message}`);
  }
  return { cert, key, certificate };
}

/**
 * The HTTPS side of the server: the certificate it serves, and a reload that swaps it for
 * new connections (a renewed certificate, on SIGHUP) while connections already open keep
 * theirs. A reload that fails leaves the certificate being served as it was.
 */
export class ServerTls {
  private server: https.Server | undefined;

  private constructor(
    readonly files: TlsFiles,
    private pair: KeyPair,
  ) {}

  /** Throws TlsFilesError when either file is missing or unusable. */
  static load(files: TlsFiles): ServerTls {
    return new ServerTls(files, loadPair(files));
  }

  /** Subject, serial and expiry of the certificate being served, for the log. */
  describe(): string {
    const { subject, serialNumber, validTo } = this.pair.certificate;
    return `${subject.replace(/\n/g, ', ')} (serial ${serialNumber}, valid until ${validTo})`;
  }

  /** Reads the files again and serves the new pair to new connections; throws TlsFilesError and keeps the old pair otherwise. */
  reload(): string {
    const pair = loadPair(this.files);
    this.server?.setSecureContext({ cert: pair.cert, key: pair.key });
    this.pair = pair;
    return this.describe();
  }

  /** Fastify's serverFactory: an HTTPS server with the same connection limits Fastify gives its own HTTP server. */
  serverFactory(limits: ClientLimits): FastifyServerFactory {
    return (handler) => {
      const options = serverLimitOptions(limits);
      const server = https.createServer({ ...options.http, cert: this.pair.cert, key: this.pair.key }, handler);
      server.keepAliveTimeout = options.keepAliveTimeout;
      server.requestTimeout = options.requestTimeout;
      server.setTimeout(options.connectionTimeout);
      this.server = server;
      // https.Server is an http.Server for everything Fastify does with it.
      const asHttp: Server = server;
      return asHttp;
    };
  }
}
