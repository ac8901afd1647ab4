import type { Readable } from 'node:stream';
import type { ByteRange, FileWriter, StorageDriver } from '../platform/storage/index.js';

/** A storage driver that hands every call to `inner`: tests extend it to watch or slow down what they need. */
export class ForwardingStorage implements StorageDriver {
  constructor(protected readonly inner: StorageDriver) {}
  get name(): string {
    return this.inner.name;
  }
  get durableOnClose(): boolean {
    return this.inner.durableOnClose;
  }
  stat(path: string): Promise<{ size: number } | undefined> {
    return this.inner.stat(path);
  }
  read(path: string, range?: ByteRange): Promise<Readable> {
    return this.inner.read(path, range);
  }
  getContent(path: string): Promise<Buffer> {
    return this.inner.getContent(path);
  }
  putContent(path: string, data: Uint8Array): Promise<void> {
    return this.inner.putContent(path, data);
  }
  writer(path: string, options: { append: boolean }): Promise<FileWriter> {
    return this.inner.writer(path, options);
  }
  move(from: string, to: string): Promise<void> {
    return this.inner.move(from, to);
  }
  list(prefix: string): AsyncIterable<string[]> {
    return this.inner.list(prefix);
  }
  delete(path: string): Promise<void> {
    return this.inner.delete(path);
  }
  freeBytes(): Promise<number | undefined> {
    return this.inner.freeBytes();
  }
  redirectUrl(path: string, expiresInSeconds: number): Promise<string | undefined> {
    return this.inner.redirectUrl(path, expiresInSeconds);
  }
}
