/**
 * Manifest bytes by digest. Content under a digest never changes, so entries never go
 * stale; the cache only bounds its memory, dropping the least recently used first.
 */
export class ManifestCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(digest: string): Buffer | undefined {
    const hit = this.entries.get(digest);
    if (hit) {
      this.entries.delete(digest);
      this.entries.set(digest, hit);
    }
    return hit;
  }

  set(digest: string, body: Buffer): void {
    if (body.length > this.maxBytes || this.entries.has(digest)) return;
    this.entries.set(digest, body);
    this.bytes += body.length;
    for (const [key, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= value.length;
    }
  }
}
