/**
 * The built-in scanner (Berth only): an image of a few gzip layers with a Debian package database
 * and an npm tree (bench/scan-image.ts) is pushed to a Berth of its own, whose database holds the
 * OSV fixtures of src/scan/vulndb/fixtures (imported with `berth vulndb import` before it starts).
 * Each repetition times a scan through Harbor's API — POST …/scan, then GET the artifact with
 * its scan overview every 20 ms until the new report is done — against `zcat` of the same layer
 * files to /dev/null, the floor any scanner that decompresses the layers has to pay. The figure
 * is the ratio of their medians (target ≤ 1.5×). Berth's RSS is sampled during each scan; a
 * second, smaller image shows whether the peak grows with the image.
 */
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { header, withQuery, type RegistryClient } from './client.js';
import { sha256Digest, MiB } from './data.js';
import { cpuSeconds, RssSampler, sleep, type Placement, type Server } from './servers.js';
import { writeScanImage, type ScanImagePlan, type WrittenImage } from './scan-image.js';

export interface ScanPlan {
  /** The images, largest first: the ratio is reported for each, the RSS comparison between them. */
  images: (ScanImagePlan & { label: string })[];
  reps: number;
}

export const SCAN_TARGET_RATIO = 1.5;
const REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const POLL_MS = 20;

export interface ScanImageFigures {
  label: string;
  compressedBytes: number;
  tarBytes: number;
  entries: number;
  layers: number;
  /** Medians over the repetitions, in seconds. */
  scanSeconds: number;
  zcatSeconds: number;
  scanRuns: number[];
  zcatRuns: number[];
  /** zcat's CPU seconds (median): with scanCpuSeconds, the comparison other load does not skew. */
  zcatCpuSeconds: number;
  /** Berth's CPU seconds per scan (median). */
  scanCpuSeconds: number;
  /** Peak RSS during any scan of this image, and the RSS just before the first. */
  peakRss: number;
  startRss: number;
  packages: number;
  expectedPackages: number;
  vulnerabilities: number;
}

export interface ScanFigures {
  images: ScanImageFigures[];
  /** OSV fixture records imported before the server started, and the rate the command printed. */
  vulndb: { records: number; seconds: number };
  generateSeconds: number;
  pushSeconds: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] as number;

async function pushLayerFile(c: RegistryClient, path: string, digest: string): Promise<void> {
  const started = await c.request('POST', `/v2/${c.repository}/blobs/uploads/`, { expect: [202] });
  const url = withQuery(header(started, 'location'), c.base, { digest });
  const length = statSync(path).size;
  await c.request('PUT', url, { headers: { 'content-type': 'application/octet-stream' }, body: { length, open: () => createReadStream(path) }, expect: [201] });
}

async function pushImage(c: RegistryClient, image: WrittenImage, tag: string): Promise<string> {
  for (const layer of image.layers) await pushLayerFile(c, layer.path, layer.digest);
  const configDigest = sha256Digest(image.config);
  const started = await c.request('POST', `/v2/${c.repository}/blobs/uploads/`, { expect: [202] });
  await c.request('PUT', withQuery(header(started, 'location'), c.base, { digest: configDigest }), { body: image.config, expect: [201] });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: image.config.length },
      layers: image.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.bytes })),
    }),
  );
  await c.request('PUT', `/v2/${c.repository}/manifests/${tag}`, { headers: { 'content-type': OCI_MANIFEST }, body: manifest, expect: [201] });
  return sha256Digest(manifest);
}

/**
 * `zcat` of the layer files to /dev/null, timed from spawn to exit; its CPU seconds from the shell's
 * `times` (children's user and system time), which other load on the machine does not inflate.
 */
function zcat(files: string[]): Promise<{ seconds: number; cpuSeconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('bash', ['-c', 'zcat -- "$@" > /dev/null && times', 'bash', ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      // The second line of `times`: the children's user and system time, e.g. "0m1.236s 0m0.028s".
      const children = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/m.exec(stdout.trim().split('\n')[1] ?? '');
      if (code !== 0 || !children) return reject(new Error(`zcat exited ${code}: ${stderr}${stdout}`));
      const [, um, us, sm, ss] = children.map(Number) as [number, number, number, number, number];
      resolve({ seconds, cpuSeconds: um * 60 + us + sm * 60 + ss });
    });
  });
}

interface Overview {
  report_id: string;
  scan_status: string;
  summary?: { total: number };
}

class ScanApi {
  private readonly authorization: string;

  constructor(
    private readonly baseUrl: string,
    credentials: { username: string; password: string },
    private readonly repository: string,
  ) {
    this.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }

  private async call(method: string, path: string): Promise<Response> {
    const res = await fetch(`${this.baseUrl}/api/v2.0${path}`, { method, headers: { authorization: this.authorization } });
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return res;
  }

  private get artifactPath(): string {
    const [project, ...rest] = this.repository.split('/');
    return `/projects/${project}/repositories/${encodeURIComponent(rest.join('/'))}/artifacts`;
  }

  async overview(digest: string): Promise<Overview | undefined> {
    const artifact = (await (await this.call('GET', `${this.artifactPath}/${digest}?with_scan_overview=true`)).json()) as {
      scan_overview?: Record<string, Overview>;
    };
    return artifact.scan_overview?.[REPORT_MIME];
  }

  /** POST scan, then poll until a report other than `previous` is finished; its overview. */
  async scan(digest: string, previous: string | undefined, timeoutMs: number): Promise<Overview> {
    await this.call('POST', `${this.artifactPath}/${digest}/scan`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const o = await this.overview(digest);
      if (o && o.report_id !== previous && !['Pending', 'Running'].includes(o.scan_status)) {
        if (o.scan_status !== 'Success') throw new Error(`scan of ${digest} ended ${o.scan_status}:\n${await this.log(digest, o.report_id)}`);
        return o;
      }
      await sleep(POLL_MS);
    }
    throw new Error(`scan of ${digest} not done after ${timeoutMs} ms`);
  }

  async log(digest: string, reportId: string): Promise<string> {
    return (await this.call('GET', `${this.artifactPath}/${digest}/scan/${reportId}/log`)).text();
  }
}

/**
 * On `server` (started with the fixtures imported): per image, generate (untimed), push
 * (untimed), then `plan.reps` rounds of zcat and scan, alternating.
 */
export async function scanImages(
  server: Server,
  client: (repository: string) => Promise<RegistryClient>,
  credentials: { username: string; password: string },
  plan: ScanPlan,
  placement: Placement,
  log: (line: string) => void,
): Promise<Omit<ScanFigures, 'vulndb'>> {
  const dir = mkdtempSync(join(placement.dataRoot ?? tmpdir(), 'berth-bench-scan-'));
  const sampler = new RssSampler(server.pid);
  const images: ScanImageFigures[] = [];
  let generateSeconds = 0;
  let pushSeconds = 0;
  try {
    for (const spec of plan.images) {
      const imageDir = mkdtempSync(join(dir, `${spec.label}-`));
      let t0 = performance.now();
      const image = await writeScanImage(imageDir, spec);
      const seconds = (performance.now() - t0) / 1000;
      generateSeconds += seconds;
      const compressed = image.layers.reduce((n, l) => n + l.bytes, 0);
      const tarBytes = image.layers.reduce((n, l) => n + l.tarBytes, 0);
      const entries = image.layers.reduce((n, l) => n + l.entries, 0);
      log(
        `  (${spec.label}: generated ${image.layers.length} gzip layers, ${(compressed / MiB).toFixed(0)} MiB (${(tarBytes / MiB).toFixed(0)} MiB of tar, ${entries} entries) in ${seconds.toFixed(1)} s, untimed)`,
      );
      const repository = `library/scan-${spec.label}`;
      const c = await client(repository);
      t0 = performance.now();
      let digest: string;
      try {
        digest = await pushImage(c, image, 'v1');
      } finally {
        c.close();
      }
      pushSeconds += (performance.now() - t0) / 1000;
      const api = new ScanApi(server.baseUrl, credentials, repository);
      const files = image.layers.map((l) => l.path);
      const scanRuns: number[] = [];
      const zcatRuns: number[] = [];
      const zcatCpuRuns: number[] = [];
      const cpuRuns: number[] = [];
      let previous: string | undefined;
      let last: Overview | undefined;
      let startRss = 0;
      let peakRss = 0;
      for (let rep = 0; rep < plan.reps; rep++) {
        const { seconds: z, cpuSeconds: zCpu } = await zcat(files);
        zcatRuns.push(z);
        zcatCpuRuns.push(zCpu);
        await sleep(200);
        const rss = sampler.mark();
        if (rep === 0) startRss = rss;
        const cpu = cpuSeconds(server.pid);
        const s0 = performance.now();
        last = await api.scan(digest, previous, 600_000);
        const s = (performance.now() - s0) / 1000;
        cpuRuns.push(cpuSeconds(server.pid) - cpu);
        peakRss = Math.max(peakRss, sampler.peak().peak);
        scanRuns.push(s);
        previous = last.report_id;
        log(
          `  ${spec.label} #${rep + 1}: scan ${s.toFixed(2)} s, zcat ${z.toFixed(2)} s (${(s / z).toFixed(2)}×); CPU ${(cpuRuns[rep] ?? NaN).toFixed(2)} s vs ${zCpu.toFixed(2)} s; peak RSS ${(sampler.peak().peak / MiB).toFixed(0)} MiB`,
        );
      }
      const scanLog = last ? await api.log(digest, last.report_id) : '';
      const found = /(\d+) package\(s\) found/.exec(scanLog);
      const packages = found ? Number(found[1]) : NaN;
      if (packages < image.expectedPackages) throw new Error(`the scan found ${packages} packages, want ${image.expectedPackages}:\n${scanLog}`);
      images.push({
        label: spec.label,
        compressedBytes: compressed,
        tarBytes,
        entries,
        layers: image.layers.length,
        scanSeconds: median(scanRuns),
        zcatSeconds: median(zcatRuns),
        scanRuns,
        zcatRuns,
        zcatCpuSeconds: median(zcatCpuRuns),
        scanCpuSeconds: median(cpuRuns),
        peakRss,
        startRss,
        packages,
        expectedPackages: image.expectedPackages,
        vulnerabilities: last?.summary?.total ?? 0,
      });
      if (!placement.keep) rmSync(imageDir, { recursive: true, force: true });
    }
  } finally {
    sampler.stop();
    if (!placement.keep) rmSync(dir, { recursive: true, force: true });
  }
  return { images, generateSeconds, pushSeconds };
}
