import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { FilesystemDriver } from './filesystem/driver.js';
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
  }
}
