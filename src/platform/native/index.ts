export { nativeModule, type NativeModule } from './load.js';
export { runningSha256, type RunningSha256 } from './sha256.js';
export { TRIM_INTERVAL_MS, trimHeapEverySecond } from './heap-trim.js';
