import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { FilesystemDriver } from './filesystem/driver.js';
import { S3Driver } from './s3/driver.js';
import type { StorageDriver } from './driver.js';

export * from './driver.js';
export * from './paths.js';
export * from './free-space.js';

export function createStorage(config: Config): StorageDriver {
  switch (config.storage.driver) {
    case 'filesystem':
      return new FilesystemDriver({
        root: resolve(config.storage.rootDirectory ?? join(config.dataDir, 'storage')),
        fsync: config.storage.fsync,
      });
    case 's3': {
      const s3 = config.storage.s3;
      // The schema refuses driver s3 without a bucket; this only narrows the type.
      if (!s3?.bucket) throw new Error('storage.s3.bucket is required with storage.driver s3');
      return new S3Driver({ ...s3, bucket: s3.bucket });
    }
  }
}
