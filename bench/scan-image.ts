/**
 * The scan workload's image, written to disk as gzip layers (streamed, never held whole):
 *  0. a Debian base: os-release, a dpkg status of the first `osPackages` stanzas of this machine's
 *     (or a generated one elsewhere), a `.list` file per package, and shared libraries (0644) and
 *     executables (0755, ELF magic, so the Go and Rust binary readers look into them);
 *  1. an npm application: `npmPackages` packages under node_modules (some scoped, some nested,
 *     minimist 1.2.5 among them for a known finding), each with its package.json, sources and README;
 *  2. application assets.
 * Padding files (1 KiB – 1 MiB, log-uniform) fill each layer to its share of `compressedBytes`:
 * half their 32 KiB pieces random bytes, half text, so they compress about as binaries do.
 * Deterministic: the same plan gives the same bytes.
 */
import { createCipheriv, createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { pack as tarPack, type Header } from 'tar-stream';

export interface ScanImagePlan {
  /** Total size of the gzip layers, roughly (each layer stops at the first file past its share). */
  compressedBytes: number;
  osPackages: number;
  npmPackages: number;
}

export interface WrittenLayer {
  path: string;
  /** sha256 of the gzip blob, and of the tar inside (the config's diff_id). */
  digest: string;
  diffId: string;
  bytes: number;
  tarBytes: number;
  entries: number;
}

export interface WrittenImage {
  layers: WrittenLayer[];
  config: Buffer;
  /** Packages the scanner should find: the dpkg stanzas plus every package.json with name and version. */
  expectedPackages: number;
}

/** A small seeded PRNG (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type Rng = () => number;

const PIECE = 32 * 1024;
const WORDS =
  'const let function return require module exports value buffer stream error callback options this that length index result data string number object array push slice map filter reduce async await promise resolve reject'.split(
    ' ',
  );

/** 1 MiB of source-like text to slice pieces from. */
const TEXT = (() => {
  const rng = random(7);
  const parts: string[] = [];
  let size = 0;
  while (size < 1024 * 1024 + PIECE) {
    const line = `${'  '.repeat(Math.floor(rng() * 4))}${Array.from({ length: 3 + Math.floor(rng() * 9) }, () => WORDS[Math.floor(rng() * WORDS.length)]).join(' ')};\n`;
    parts.push(line);
    size += line.length;
  }
  return Buffer.from(parts.join(''));
})();

function text(rng: Rng, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let at = 0; at < size; at += PIECE) {
    const n = Math.min(PIECE, size - at);
    const from = Math.floor(rng() * (TEXT.length - PIECE));
    TEXT.copy(out, at, from, from + n);
  }
  return out;
}

/** `size` bytes, each 32 KiB piece random with probability `randomShare`, else text. */
function mixed(rng: Rng, seed: string, size: number, randomShare: number): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const out = text(rng, size);
  for (let at = 0; at < size; at += PIECE) {
    if (rng() >= randomShare) continue;
    const n = Math.min(PIECE, size - at);
    cipher.update(out.subarray(at, at + n)).copy(out, at);
  }
  return out;
}

/** Log-uniform between 1 KiB and 1 MiB. */
const paddingSize = (rng: Rng): number => Math.round(1024 * Math.pow(1024, rng()));

/** A tar.gz written to `path` as entries are added, with both digests and the compressed size so far. */
class LayerWriter {
  private readonly tar = tarPack();
  private readonly gzip = createGzip({ level: 6 });
  private readonly out;
  private readonly tarHash: Hash = createHash('sha256');
  private readonly gzHash: Hash = createHash('sha256');
  tarBytes = 0;
  bytes = 0;
  entries = 0;

  constructor(readonly path: string) {
    this.out = createWriteStream(path);
    this.tar.on('data', (data: unknown) => {
      const chunk = data as Buffer;
      this.tarHash.update(chunk);
      this.tarBytes += chunk.length;
      if (!this.gzip.write(chunk)) this.tar.pause();
    });
    this.gzip.on('drain', () => this.tar.resume());
    this.tar.on('end', () => this.gzip.end());
    this.gzip.on('data', (chunk: Buffer) => {
      this.gzHash.update(chunk);
      this.bytes += chunk.length;
      if (!this.out.write(chunk)) this.gzip.pause();
    });
    this.out.on('drain', () => this.gzip.resume());
    this.gzip.on('end', () => this.out.end());
  }

  /** Resolves once the entry has gone into the tar stream (its backpressure). */
  add(header: Partial<Header> & { name: string }, body: Buffer | string = ''): Promise<void> {
    this.entries++;
    return new Promise((resolve, reject) => this.tar.entry({ mode: 0o644, mtime: new Date(0), ...header }, body, (err) => (err ? reject(err) : resolve())));
  }

  async finish(): Promise<WrittenLayer> {
    this.tar.finalize();
    await once(this.out, 'finish');
    return {
      path: this.path,
      digest: `sha256:${this.gzHash.digest('hex')}`,
      diffId: `sha256:${this.tarHash.digest('hex')}`,
      bytes: this.bytes,
      tarBytes: this.tarBytes,
      entries: this.entries,
    };
  }
}

/** Padding files under `dir` until the layer's compressed size reaches `until`. */
async function pad(layer: LayerWriter, rng: Rng, until: number, files: (i: number) => { name: string; mode: number; randomShare: number }): Promise<void> {
  for (let i = 0; layer.bytes < until; i++) {
    const { name, mode, randomShare } = files(i);
    const body = mixed(rng, name, paddingSize(rng), randomShare);
    // An executable starts as an ELF file does, so the binary readers look into it as into a real one.
    if (mode & 0o111 && body.length >= 64) Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(body);
    await layer.add({ name, mode }, body);
  }
}

/** The first `count` stanzas of this machine's dpkg status, or generated ones. */
function dpkgStatus(count: number): { text: string; names: string[] } {
  const machine = existsSync('/var/lib/dpkg/status') ? readFileSync('/var/lib/dpkg/status', 'utf8').split(/\n\n+/) : [];
  const stanzas = machine.filter((s) => /^Package: /m.test(s) && /^Status: install ok installed$/m.test(s)).slice(0, count);
  for (let i = stanzas.length; i < count; i++) {
    stanzas.push(`Package: benchpkg${i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.${i}.0-1\nDescription: generated package ${i}`);
  }
  const names = stanzas.map((s) => /^Package: (.+)$/m.exec(s)?.[1] ?? 'unknown');
  return { text: `${stanzas.join('\n\n')}\n`, names };
}

const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nID=debian\n';

function npmName(rng: Rng, i: number): string {
  if (i === 0) return 'minimist';
  const base = `${WORDS[Math.floor(rng() * WORDS.length)]}-${WORDS[Math.floor(rng() * WORDS.length)]}-${i}`;
  return i % 10 === 3 ? `@scope${i % 7}/${base}` : base;
}

function packageJson(rng: Rng, name: string, version: string): string {
  return JSON.stringify(
    {
      name,
      version,
      description: text(rng, 120).toString('latin1').replace(/\s+/g, ' ').trim(),
      main: 'index.js',
      license: rng() < 0.8 ? 'MIT' : 'ISC',
      repository: { type: 'git', url: `git+https://example.org/${name}.git` },
      dependencies: Object.fromEntries(Array.from({ length: Math.floor(rng() * 5) }, (_, k) => [`dep-${k}`, `^${k}.0.0`])),
      scripts: { test: 'node test.js' },
    },
    null,
    2,
  );
}

export async function writeScanImage(dir: string, plan: ScanImagePlan): Promise<WrittenImage> {
  const rng = random(plan.compressedBytes);
  const layers: WrittenLayer[] = [];

  const base = new LayerWriter(join(dir, 'layer-0.tar.gz'));
  const dpkg = dpkgStatus(plan.osPackages);
  await base.add({ name: 'etc/os-release' }, OS_RELEASE);
  await base.add({ name: 'var/lib/dpkg/status' }, dpkg.text);
  for (const name of dpkg.names) await base.add({ name: `var/lib/dpkg/info/${name}.list` }, text(rng, 200 + Math.floor(rng() * 3000)));
  await pad(base, rng, plan.compressedBytes * 0.5, (i) =>
    i % 5 === 4 ? { name: `usr/bin/tool${i}`, mode: 0o755, randomShare: 0.5 } : { name: `usr/lib/x86_64-linux-gnu/libpad${i}.so.1`, mode: 0o644, randomShare: 0.5 },
  );
  layers.push(await base.finish());

  const app = new LayerWriter(join(dir, 'layer-1.tar.gz'));
  const root = 'usr/src/app';
  await app.add({ name: `${root}/package.json` }, JSON.stringify({ name: 'bench-app', private: true, dependencies: {} }));
  let parent = '';
  for (let i = 0; i < plan.npmPackages; i++) {
    const name = npmName(rng, i);
    // Every tenth package is nested under the one before, as npm does for a conflicting version.
    const dir = i % 10 === 7 && parent ? `${root}/node_modules/${parent}/node_modules/${name}` : `${root}/node_modules/${name}`;
    parent = name;
    const version = i === 0 ? '1.2.5' : `${Math.floor(rng() * 5)}.${Math.floor(rng() * 20)}.${Math.floor(rng() * 10)}`;
    await app.add({ name: `${dir}/package.json` }, packageJson(rng, name, version));
    await app.add({ name: `${dir}/index.js` }, text(rng, 512 + Math.floor(rng() * 8192)));
    await app.add({ name: `${dir}/README.md` }, text(rng, 256 + Math.floor(rng() * 4096)));
    for (let k = 0; k < 2; k++) await app.add({ name: `${dir}/lib/part${k}.js` }, text(rng, 256 + Math.floor(rng() * 16384)));
  }
  await pad(app, rng, plan.compressedBytes * 0.2, (i) => ({ name: `${root}/dist/chunk${i}.js.map`, mode: 0o644, randomShare: 0.5 }));
  layers.push(await app.finish());

  const assets = new LayerWriter(join(dir, 'layer-2.tar.gz'));
  const done = layers.reduce((n, l) => n + l.bytes, 0);
  await pad(assets, rng, plan.compressedBytes - done, (i) => ({ name: `${root}/static/asset${i}.bin`, mode: 0o644, randomShare: 0.8 }));
  layers.push(await assets.finish());

  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }),
  );
  return { layers, config, expectedPackages: dpkg.names.length + plan.npmPackages };
}
