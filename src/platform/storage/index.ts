import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { FilesystemDriver } from './filesystem/driver.js';
import type { StorageDriver } from './driver.js';

export * from './driver.js';
export * from './paths.js';
export * from './free-space.js';
export { sendfileStatus } from './filesystem/sendfile.js';

/**
 * The configured storage driver. The S3 driver, and the AWS SDK with it (several MiB of code and
 * heap), is loaded only when storage.driver is s3.
 */
export async function createStorage(config: Config): Promise<StorageDriver> {
  switch (config.storage.driver) {
    case 'filesystem':
      return new FilesystemDriver({
        root: resolve(config.storage.rootDirectory ?? join(config.dataDir, 'storage')),
        fsync: config.storage.fsync,
        digestThread: config.storage.digestThread,
        sendfile: config.storage.sendfile,
      });
    case 's3': {
      const s3 = config.storage.s3;
      // The schema refuses driver s3 without a bucket; this only narrows the type.
      if (!s3?.bucket) throw new Error('storage.s3.bucket is required with storage.driver s3');
      const { S3Driver } = await import('./s3/driver.js');
      return new S3Driver({ ...s3, bucket: s3.bucket });
    }
  }
}
