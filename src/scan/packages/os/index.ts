/**
 * The OS package databases the built-in scanner reads from image layers: dpkg, apk and rpm
 * (SQLite and Berkeley DB). Each analyzer is pure; the layer walker (scan/image) hands it files.
 */
import type { FileAnalyzer } from '../../inventory/types.js';
import { apkAnalyzer } from './apk.js';
import { dpkgAnalyzer } from './dpkg.js';
import { rpmAnalyzer } from './rpm.js';

export { apkAnalyzer } from './apk.js';
export { dpkgAnalyzer } from './dpkg.js';
export { MalformedPackageDbError } from './errors.js';
export { isOsPackageType, osPurl } from './purl.js';
export { rpmAnalyzer } from './rpm.js';

export const OS_ANALYZERS: readonly FileAnalyzer[] = [dpkgAnalyzer, apkAnalyzer, rpmAnalyzer];
