/**
 * Blob pulls from Berth on S3 (s3rver), streamed through Berth against redirected to S3
 * (storage.redirect). Two Berths share the s3rver, each with its own key prefix and database:
 * one serves blob GETs itself, the other answers them with 307 to a presigned URL. Both hold the
 * same blobs, pushed untimed. A pull GETs each blob on `concurrency` keep-alive connections; on a
 * 307 the client GETs the Location from S3 on a connection of its own, without the Authorization
 * header (as a client must: S3 refuses a presigned request that also carries one). After one
 * untimed pull each, rounds alternate which mode goes first.
 */
import { performance } from 'node:perf_hooks';
import type { RegistryClient } from './client.js';
import { type BlobSpec, MiB } from './data.js';
import { FastGetter } from './fastget.js';
import { cpuSeconds, writtenBytes, type S3Server, type Server } from './servers.js';
import { blobPush, blobSpecs, digests } from './workloads.js';

export interface RedirectPlan {
  count: number;
  size: number;
  concurrency: number;
  rounds: number;
}

export type RedirectMode = 'through' | 'redirect';

/** One mode's pull of every blob. */
export interface RedirectPull {
  mibPerSecond: number;
  seconds: number;
  /** Response body bytes the client received from Berth: the blobs themselves unless redirected. */
  berthBodyBytes: number;
  /** Bytes Berth's process wrote over the pull (sockets, log, database): /proc/<pid>/io wchar. */
  berthWrittenBytes: number;
  /** Response body bytes the client received from S3. */
  s3BodyBytes: number;
  redirects: number;
  berthCpuSeconds: number;
  s3CpuSeconds: number;
}

export interface RedirectFigures {
  blobs: number;
  blobSize: number;
  seedSeconds: number;
  rounds: Array<{ first: RedirectMode; through: RedirectPull; redirect: RedirectPull }>;
}

export interface RedirectSide {
  server: Server;
  client: RegistryClient;
}

const auth = (value: string | undefined): Record<string, string> => (value ? { authorization: value } : {});

/** GETs every blob once; a 307 is followed to S3 without credentials. */
async function pull(side: RedirectSide, s3: S3Server, specs: readonly BlobSpec[], ds: readonly string[], concurrency: number): Promise<RedirectPull> {
  const { client: c, server } = side;
  const width = Math.min(concurrency, specs.length);
  const berthConns = Array.from({ length: width }, () => new FastGetter(c.base));
  const s3Conns = Array.from({ length: width }, () => new FastGetter(new URL(s3.endpoint)));
  const s3Origin = new URL(s3.endpoint).origin;
  const cpu0 = cpuSeconds(server.pid);
  const s3Cpu0 = cpuSeconds(s3.pid);
  const written0 = writtenBytes(server.pid);
  let berthBodyBytes = 0;
  let s3BodyBytes = 0;
  let redirects = 0;
  const t0 = performance.now();
  try {
    let next = 0;
    await Promise.all(
      berthConns.map(async (conn, worker) => {
        while (next < specs.length) {
          const i = next++;
          const path = `/v2/${c.repository}/blobs/${ds[i]}`;
          let reply = await conn.get(path, auth(await c.authorizationHeader()));
          if (reply.status === 401) reply = await conn.get(path, auth(await c.authorizationHeader(true)));
          berthBodyBytes += reply.bytes;
          if (reply.status === 307 && reply.location) {
            const target = new URL(reply.location, c.base);
            if (target.origin !== s3Origin) throw new Error(`GET ${path} → 307 to ${target.origin}, not the S3 endpoint ${s3Origin}`);
            redirects++;
            reply = await (s3Conns[worker] as FastGetter).get(target.pathname + target.search, {});
            s3BodyBytes += reply.bytes;
          }
          const size = (specs[i] as BlobSpec).size;
          if (reply.status !== 200 || reply.bytes !== size)
            throw new Error(`GET ${path} → ${reply.status} with ${reply.bytes} bytes, want 200 with ${size}${reply.errorBody ? `: ${reply.errorBody}` : ''}`);
        }
      }),
    );
  } finally {
    for (const conn of [...berthConns, ...s3Conns]) conn.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const bytes = specs.reduce((n, s) => n + s.size, 0);
  return {
    mibPerSecond: bytes / MiB / seconds,
    seconds,
    berthBodyBytes,
    berthWrittenBytes: writtenBytes(server.pid) - written0,
    s3BodyBytes,
    redirects,
    berthCpuSeconds: cpuSeconds(server.pid) - cpu0,
    s3CpuSeconds: cpuSeconds(s3.pid) - s3Cpu0,
  };
}

/** The first blob again through node:http, following the redirect, hashed: the bytes are right. */
async function check(side: RedirectSide, digest: string, redirected: boolean): Promise<void> {
  const c = side.client;
  const first = await c.request('GET', `/v2/${c.repository}/blobs/${digest}`, { expect: [redirected ? 307 : 200], hash: !redirected });
  const reply = redirected ? await c.raw('GET', String(first.headers.location), { expect: [200], hash: true }, undefined) : first;
  if (reply.sha256 !== digest) throw new Error(`GET blob ${digest}${redirected ? ' (redirected)' : ''}: content hashes to ${reply.sha256}`);
}

/** Seeds both sides untimed, then pulls everything through each, alternating which goes first. */
export async function redirectRace(
  sides: Record<RedirectMode, RedirectSide>,
  s3: S3Server,
  plan: RedirectPlan,
  log: (line: string) => void,
): Promise<RedirectFigures> {
  const specs = blobSpecs('redirect', plan.count, plan.size);
  const ds = await digests(specs);
  log(`  (pushing ${plan.count} × ${plan.size / MiB} MiB blobs to each Berth on S3, untimed)`);
  const seedStart = performance.now();
  for (const side of Object.values(sides)) await blobPush(side.client, specs, plan.concurrency);
  const seedSeconds = (performance.now() - seedStart) / 1000;
  // One untimed pull each first: the first pass pays for JIT warm-up and cold connections to S3.
  for (const mode of ['through', 'redirect'] as const) await pull(sides[mode], s3, specs, ds, plan.concurrency);
  const rounds: RedirectFigures['rounds'] = [];
  for (let round = 0; round < plan.rounds; round++) {
    const order: RedirectMode[] = round % 2 === 0 ? ['through', 'redirect'] : ['redirect', 'through'];
    const figures: Partial<Record<RedirectMode, RedirectPull>> = {};
    for (const mode of order) {
      const m = await pull(sides[mode], s3, specs, ds, plan.concurrency);
      if (mode === 'redirect' && m.redirects !== specs.length) throw new Error(`${m.redirects} of ${specs.length} GETs were redirected`);
      if (mode === 'through' && m.redirects !== 0) throw new Error(`${m.redirects} GETs were redirected by the Berth without storage.redirect`);
      figures[mode] = m;
      log(
        `  (round ${round + 1}, ${mode}: ${m.mibPerSecond.toFixed(0)} MiB/s, ${(m.berthBodyBytes / MiB).toFixed(2)} MiB of bodies from Berth, Berth wrote ${(m.berthWrittenBytes / MiB).toFixed(2)} MiB, CPU Berth ${m.berthCpuSeconds.toFixed(2)} s / s3rver ${m.s3CpuSeconds.toFixed(2)} s)`,
      );
    }
    rounds.push({ first: order[0] as RedirectMode, through: figures.through as RedirectPull, redirect: figures.redirect as RedirectPull });
  }
  await check(sides.through, ds[0] as string, false);
  await check(sides.redirect, ds[0] as string, true);
  return { blobs: plan.count, blobSize: plan.size, seedSeconds, rounds };
}
