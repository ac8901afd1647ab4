import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageDriverSuite } from '../driver.suite.js';
import { FilesystemDriver } from './driver.js';

for (const fsync of [true, false]) {
  storageDriverSuite(`filesystem (fsync ${fsync ? 'on' : 'off'})`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-fs-'));
    return { driver: new FilesystemDriver({ root, fsync }), cleanup: async () => rmSync(root, { recursive: true, force: true }) };
  });
}
