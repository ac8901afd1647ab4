/**
 * Replication against skopeo: images sharing base layers are pushed into Berth (untimed), then
 * each round copies all of them to a fresh CNCF distribution twice: by a Berth push replication
 * policy (POST an execution, poll it until it is done) and by `skopeo sync --src docker --dest
 * docker`, one repository after another, into another fresh distribution. The order of the two
 * alternates between rounds so drift on the shared cores hits both; medians are reported.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { api, createdId, type Credentials } from './api.js';
import { RegistryClient } from './client.js';
import { blobBytes, sha256Digest, MiB } from './data.js';
import { cpuSeconds, sleep, startDistribution, type Placement, type Server } from './servers.js';
import { pool, pushSmallBlob } from './workloads.js';

export interface ReplicatePlan {
  images: number;
  repositories: number;
  baseLayers: number;
  baseLayerSize: number;
  /** Base layers each image has, out of `baseLayers`. */
  layersPerImage: number;
  uniqueLayerSize: number;
  rounds: number;
  pushConcurrency: number;
  /** Longest a replication or a sync may take before the round fails. */
  maxSeconds: number;
}

export interface ReplicateRound {
  /** Which ran first this round. */
  first: 'berth' | 'skopeo';
  berthSeconds: number;
  skopeoSeconds: number;
  /** CPU seconds of the Berth process during its replication, and during skopeo's reads from it. */
  berthCpu: number;
  berthCpuDuringSkopeo: number;
  /** CPU seconds of the skopeo processes. */
  skopeoCpu: number;
}

export interface ReplicateFigures {
  images: number;
  repositories: number;
  /** Distinct bytes in Berth (base layers once, unique layers, configs), and what all manifests list. */
  uniqueBytes: number;
  logicalBytes: number;
  pushSeconds: number;
  rounds: ReplicateRound[];
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar';
export const REPLICATE_PROJECT = 'bench-repl';

interface Image {
  repository: string;
  tag: string;
  manifest: Buffer;
  digest: string;
  blobs: Array<{ data: Buffer; digest: string }>;
}

/**
 * Image i lives in repository i mod R under tag v(i div R); its base layers are a window of the
 * shared ones that moves with the tag and the repository, so every repository holds all of them.
 */
function images(plan: ReplicatePlan): { list: Image[]; uniqueBytes: number; logicalBytes: number } {
  const base = Array.from({ length: plan.baseLayers }, (_, i) => {
    const data = blobBytes({ seed: `repl-base-${i}`, size: plan.baseLayerSize });
    return { data, digest: sha256Digest(data) };
  });
  let uniqueBytes = base.reduce((n, b) => n + b.data.length, 0);
  let logicalBytes = 0;
  const list = Array.from({ length: plan.images }, (_, i): Image => {
    const r = i % plan.repositories;
    const t = Math.floor(i / plan.repositories);
    const unique = blobBytes({ seed: `repl-unique-${i}`, size: plan.uniqueLayerSize });
    const layers = [
      ...Array.from({ length: plan.layersPerImage }, (_, k) => base[(t + k + 3 * r) % plan.baseLayers] as { data: Buffer; digest: string }),
      { data: unique, digest: sha256Digest(unique) },
    ];
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: '2024-01-01T00:00:00Z',
        config: { Env: [`BENCH_IMAGE=${i}`] },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: config.length },
        layers: layers.map((l) => ({ mediaType: LAYER, digest: l.digest, size: l.data.length })),
      }),
    );
    uniqueBytes += unique.length + config.length;
    logicalBytes += config.length + layers.reduce((n, l) => n + l.data.length, 0);
    return {
      repository: `${REPLICATE_PROJECT}/app${r}`,
      tag: `v${t}`,
      manifest,
      digest: sha256Digest(manifest),
      blobs: [{ data: config, digest: sha256Digest(config) }, ...layers],
    };
  });
  return { list, uniqueBytes, logicalBytes };
}

/** Pushes the images as docker does (HEAD each blob, upload the missing ones, PUT the manifest by tag), a client per repository. */
async function pushAll(server: Server, creds: Credentials, list: Image[], concurrency: number): Promise<void> {
  const byRepository = new Map<string, Image[]>();
  for (const image of list) byRepository.set(image.repository, [...(byRepository.get(image.repository) ?? []), image]);
  await pool([...byRepository], concurrency, async ([repository, own]) => {
    const c = new RegistryClient({ baseUrl: server.baseUrl, ...creds, repository, maxSockets: 2 });
    try {
      await c.login();
      for (const image of own) {
        for (const blob of image.blobs) {
          const head = await c.request('HEAD', `/v2/${repository}/blobs/${blob.digest}`, { expect: [200, 404] });
          if (head.status === 404) await pushSmallBlob(c, blob.data, blob.digest);
        }
        await c.request('PUT', `/v2/${repository}/manifests/${image.tag}`, { headers: { 'content-type': OCI_MANIFEST }, body: image.manifest, expect: [201] });
      }
    } finally {
      c.close();
    }
  });
}

/** Every image is on `dest` under its tag with its digest (distribution without auth). */
async function verify(dest: Server, list: Image[], who: string): Promise<void> {
  const c = new RegistryClient({ baseUrl: dest.baseUrl, username: '', password: '', repository: 'unused', maxSockets: 4 });
  try {
    await pool(list, 4, async (image) => {
      const reply = await c.raw('HEAD', `/v2/${image.repository}/manifests/${image.tag}`, { headers: { accept: OCI_MANIFEST }, expect: [200, 404] }, undefined);
      const digest = reply.headers['docker-content-digest'];
      if (reply.status !== 200 || digest !== image.digest)
        throw new Error(`${who}: ${image.repository}:${image.tag} on the destination is ${reply.status} ${String(digest)}, want ${image.digest}`);
    });
  } finally {
    c.close();
  }
}

/** CPU seconds (user + system) of this process's children that have been waited for; Linux USER_HZ is 100. */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (piece: Buffer) => {
      stderr = (stderr + piece.toString('utf8')).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.slice(0, 6).join(' ')} … exited ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

/** Berth's push replication of the project to `dest`: a registry endpoint, a policy, one execution, polled until done. */
async function berthReplication(berth: Server, creds: Credentials, dest: Server, round: number, plan: ReplicatePlan): Promise<number> {
  const registry = createdId(
    await api(berth.baseUrl, creds, 'POST', '/registries', { name: `bench-dest-${round}`, type: 'docker-registry', url: dest.baseUrl, insecure: true }),
  );
  const policy = createdId(
    await api(berth.baseUrl, creds, 'POST', '/replication/policies', {
      name: `bench-repl-${round}`,
      dest_registry: { id: registry },
      filters: [{ type: 'name', value: `${REPLICATE_PROJECT}/**` }],
      trigger: { type: 'manual' },
      override: true,
      enabled: true,
    }),
  );
  const t0 = performance.now();
  const execution = createdId(await api(berth.baseUrl, creds, 'POST', '/replication/executions', { policy_id: policy }));
  const deadline = t0 + plan.maxSeconds * 1000;
  for (;;) {
    const state = (await (await api(berth.baseUrl, creds, 'GET', `/replication/executions/${execution}`)).json()) as Record<string, unknown>;
    if (state.status !== 'InProgress') {
      const seconds = (performance.now() - t0) / 1000;
      if (state.status !== 'Succeed' || state.succeed !== plan.images)
        throw new Error(`replication execution ${execution} ended ${String(state.status)}: ${JSON.stringify(state).slice(0, 400)}`);
      return seconds;
    }
    if (performance.now() > deadline) throw new Error(`replication execution ${execution} still running after ${plan.maxSeconds} s`);
    await sleep(50);
  }
}

/** `skopeo sync --src docker --dest docker` of each repository in turn, as one would script it. */
async function skopeoSync(
  berth: Server,
  creds: Credentials,
  dest: Server,
  repositories: string[],
  home: string,
  policy: string,
  plan: ReplicatePlan,
): Promise<number> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_RUNTIME_DIR: join(home, 'run'),
    XDG_CONFIG_HOME: join(home, '.config'),
  };
  const src = new URL(berth.baseUrl).host;
  const dst = new URL(dest.baseUrl).host;
  const t0 = performance.now();
  for (const repository of repositories) {
    const remaining = plan.maxSeconds * 1000 - (performance.now() - t0);
    if (remaining <= 0) throw new Error(`skopeo sync still running after ${plan.maxSeconds} s`);
    await run(
      'skopeo',
      [
        '--policy',
        policy,
        'sync',
        '--src',
        'docker',
        '--dest',
        'docker',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        // A mirror keeps digests; without it skopeo gzips the tar layers on their way to a docker registry.
        '--preserve-digests',
        '--src-creds',
        `${creds.username}:${creds.password}`,
        `${src}/${repository}`,
        `${dst}/${REPLICATE_PROJECT}`,
      ],
      env,
      remaining,
    );
  }
  return (performance.now() - t0) / 1000;
}

export async function replicationRace(
  berth: Server,
  creds: Credentials,
  plan: ReplicatePlan,
  placement: Placement,
  log: (line: string) => void,
): Promise<ReplicateFigures> {
  const { list, uniqueBytes, logicalBytes } = images(plan);
  await api(berth.baseUrl, creds, 'POST', '/projects', { project_name: REPLICATE_PROJECT });
  log(
    `  (pushing ${plan.images} images in ${plan.repositories} repositories: ${plan.layersPerImage} of ${plan.baseLayers} shared ${plan.baseLayerSize / MiB} MiB base layers + a ${plan.uniqueLayerSize / 1024} KiB layer of its own each; ${(uniqueBytes / MiB).toFixed(0)} MiB distinct, ${(logicalBytes / MiB).toFixed(0)} MiB as listed)`,
  );
  const p0 = performance.now();
  await pushAll(berth, creds, list, plan.pushConcurrency);
  const pushSeconds = (performance.now() - p0) / 1000;
  const repositories = [...new Set(list.map((i) => i.repository))];
  const home = mkdtempSync(join(placement.dataRoot ?? tmpdir(), 'berth-bench-skopeo-'));
  const policy = join(home, 'policy.json');
  writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  const rounds: ReplicateRound[] = [];
  try {
    for (let round = 0; round < plan.rounds; round++) {
      const first = round % 2 === 0 ? 'berth' : 'skopeo';
      const figures: Partial<ReplicateRound> = { first };
      for (const side of first === 'berth' ? (['berth', 'skopeo'] as const) : (['skopeo', 'berth'] as const)) {
        const dest = await startDistribution(placement, false);
        try {
          const cpu0 = cpuSeconds(berth.pid);
          if (side === 'berth') {
            figures.berthSeconds = await berthReplication(berth, creds, dest, round, plan);
            figures.berthCpu = cpuSeconds(berth.pid) - cpu0;
          } else {
            const children0 = childrenCpuSeconds();
            figures.skopeoSeconds = await skopeoSync(berth, creds, dest, repositories, home, policy, plan);
            figures.skopeoCpu = childrenCpuSeconds() - children0;
            figures.berthCpuDuringSkopeo = cpuSeconds(berth.pid) - cpu0;
          }
          await verify(dest, list, side);
        } finally {
          await dest.stop();
        }
      }
      const done = figures as ReplicateRound;
      rounds.push(done);
      log(
        `  round ${round + 1} (${first} first): Berth replication ${done.berthSeconds.toFixed(2)} s (Berth CPU ${done.berthCpu.toFixed(2)} s), skopeo sync ${done.skopeoSeconds.toFixed(2)} s (skopeo CPU ${done.skopeoCpu.toFixed(2)} s, Berth CPU ${done.berthCpuDuringSkopeo.toFixed(2)} s); Berth/skopeo time ${(done.berthSeconds / done.skopeoSeconds).toFixed(2)}×`,
      );
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return { images: plan.images, repositories: plan.repositories, uniqueBytes, logicalBytes, pushSeconds, rounds };
}
