// The parts of s3rver (an in-process S3 endpoint for tests) that Berth's tests use; it ships no types.
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    configureBuckets?: { name: string }[];
    vhostBuckets?: boolean;
    /** Serve HTTPS with this key and certificate (PEM). */
    key?: string;
    cert?: string;
  }

  /** The few parts of a Koa context the test endpoint's own middleware uses. */
  interface S3rverContext {
    method: string;
    path: string;
    query: Record<string, string | string[] | undefined>;
    status: number;
    type: string;
    body: unknown;
    get(header: string): string;
  }

  interface S3rverStore {
    rootDirectory: string;
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    getObject(bucket: string, key: string, options?: { start: number; end: number }): Promise<{ content: import('node:stream').Readable | null } | null>;
    putPart(bucket: string, uploadId: string, partNumber: string, content: import('node:stream').Readable): Promise<{ size: number; md5: string }>;
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    readonly store: S3rverStore;
    /** Koa's middleware, in the order it runs. */
    readonly middleware: ((ctx: S3rverContext, next: () => Promise<void>) => Promise<void>)[];
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
