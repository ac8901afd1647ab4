/**
 * Content trust's cost on pulls: manifest GETs by tag at c16 of the same kind of image in a
 * project without content trust and in one with cosign content trust and a verified signature
 * required (the strictest check, a trusted key and a signature by it), alternated, on one Berth.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { RegistryClient } from './client.js';
import { sha256Digest } from './data.js';
import { imageParts, manifestFor, manifestGet, pushImage, pushSmallBlob, type Measured } from './workloads.js';

export interface TrustPlan {
  concurrency: number;
  seconds: number;
  maxRequests: number;
  rounds: number;
}

type Credentials = { username: string; password: string };

async function api(baseUrl: string, creds: Credentials, method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${baseUrl}/api/v2.0${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
}

/** Pushes cosign's tag-scheme signature of `digest`, signed with `key`. */
async function pushSignature(c: RegistryClient, digest: string, key: Parameters<typeof sign>[2]): Promise<void> {
  const payload = Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': c.repository }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
      optional: null,
    }),
  );
  const config = Buffer.from('{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}');
  for (const blob of [payload, config]) await pushSmallBlob(c, blob, sha256Digest(blob));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: config.length },
    layers: [
      {
        mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
        digest: sha256Digest(payload),
        size: payload.length,
        annotations: { 'dev.cosignproject.cosign/signature': sign('sha256', payload, key).toString('base64') },
      },
    ],
  };
  await c.request('PUT', `/v2/${c.repository}/manifests/${digest.replace(':', '-')}.sig`, {
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: Buffer.from(JSON.stringify(manifest)),
    expect: [201],
  });
}

export async function contentTrustPulls(baseUrl: string, creds: Credentials, plan: TrustPlan, log: (line: string) => void): Promise<Measured> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  await api(baseUrl, creds, 'POST', '/projects', { project_name: 'bench-trust-off' });
  await api(baseUrl, creds, 'POST', '/projects', {
    project_name: 'bench-trust-on',
    metadata: { enable_content_trust_cosign: 'true', require_verified_signature: 'true' },
  });
  await api(baseUrl, creds, 'POST', '/projects/bench-trust-on/trust/material', {
    kind: 'cosign-key',
    name: 'bench',
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  const clients = {
    off: new RegistryClient({ baseUrl, ...creds, repository: 'bench-trust-off/app', maxSockets: plan.concurrency }),
    on: new RegistryClient({ baseUrl, ...creds, repository: 'bench-trust-on/app', maxSockets: plan.concurrency }),
  };
  try {
    for (const c of Object.values(clients)) {
      await c.login();
      await pushImage(c, 'trust-bench', 'latest');
    }
    const { config, layer } = imageParts('trust-bench', 64 * 1024);
    await pushSignature(clients.on, sha256Digest(manifestFor(config, layer)), privateKey);
    const rates = { off: [] as number[], on: [] as number[] };
    const p50 = { off: [] as number[], on: [] as number[] };
    for (let round = 0; round < plan.rounds; round++) {
      for (const mode of ['off', 'on'] as const) {
        const m = await manifestGet(clients[mode], 'latest', plan.concurrency, plan.seconds, plan.maxRequests);
        rates[mode].push(m.value);
        p50[mode].push(m.p50Ms ?? 0);
        log(`  round ${round + 1} content trust ${mode}: ${m.value.toFixed(0)} req/s, p50 ${(m.p50Ms ?? 0).toFixed(2)} ms`);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;
    const latencyRatio = median(p50.on) / median(p50.off);
    return {
      value: latencyRatio,
      seconds: 0,
      requests: 0,
      detail: `c${plan.concurrency} manifest GET by tag: off ${median(rates.off).toFixed(0)} req/s (p50 ${median(p50.off).toFixed(2)} ms), on ${median(rates.on).toFixed(0)} req/s (p50 ${median(p50.on).toFixed(2)} ms); target ≤ 1.2×`,
    };
  } finally {
    for (const c of Object.values(clients)) c.close();
  }
}
