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

  export default class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
