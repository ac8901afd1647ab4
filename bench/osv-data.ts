/**
 * Generated OSV data for the vulndb workload: records shaped like OSV's own dumps (and the
 * fixtures in src/scan/vulndb/fixtures/) — Debian and Alpine records naming one package in
 * several releases, GHSA records for npm, PyPI, Go and Maven with one to four affected ranges,
 * CVSS v3.1 / v2 / v4 vectors drawn from a few thousand combinations, references and CWE ids —
 * written to a zip in OSV's `all.zip` layout (one record per entry), streamed to disk.
 * Deterministic: the same count gives the same bytes.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Zip, ZipDeflate } from 'fflate';

/** A small seeded PRNG (mulberry32): the data must be the same on every run. */
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
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)] as T;
const between = (rng: Rng, low: number, high: number): number => low + Math.floor(rng() * (high - low + 1));

const WORDS =
  'the a of in to buffer overflow heap use after free denial service remote attacker crafted input request parser allows via function memory corruption'.split(' ');
function sentence(rng: Rng, words: number): string {
  return Array.from({ length: words }, () => pick(rng, WORDS)).join(' ');
}

function cvss31(rng: Rng): string {
  return `CVSS:3.1/AV:${pick(rng, ['N', 'A', 'L', 'P'])}/AC:${pick(rng, ['L', 'H'])}/PR:${pick(rng, ['N', 'L', 'H'])}/UI:${pick(rng, ['N', 'R'])}/S:${pick(rng, ['U', 'C'])}/C:${pick(rng, ['N', 'L', 'H'])}/I:${pick(rng, ['N', 'L', 'H'])}/A:${pick(rng, ['N', 'L', 'H'])}`;
}

function cvss2(rng: Rng): string {
  return `AV:${pick(rng, ['N', 'A', 'L'])}/AC:${pick(rng, ['L', 'M', 'H'])}/Au:${pick(rng, ['N', 'S', 'M'])}/C:${pick(rng, ['N', 'P', 'C'])}/I:${pick(rng, ['N', 'P', 'C'])}/A:${pick(rng, ['N', 'P', 'C'])}`;
}

function cvss4(rng: Rng): string {
  const hl = () => pick(rng, ['N', 'L', 'H']);
  return `CVSS:4.0/AV:${pick(rng, ['N', 'A', 'L', 'P'])}/AC:${pick(rng, ['L', 'H'])}/AT:${pick(rng, ['N', 'P'])}/PR:${pick(rng, ['N', 'L', 'H'])}/UI:${pick(rng, ['N', 'P', 'A'])}/VC:${hl()}/VI:${hl()}/VA:${hl()}/SC:${hl()}/SI:${hl()}/SA:${hl()}`;
}

/**
 * The vectors records draw from: real data repeats a few thousand vectors (most advisories share
 * a handful of common ones), so the importer's per-vector score cache sees what it would in OSV.
 */
const pools = (() => {
  const rng = random(42);
  return {
    v3: Array.from({ length: 2000 }, () => cvss31(rng)),
    v4: Array.from({ length: 500 }, () => cvss4(rng)),
    v2: Array.from({ length: 300 }, () => cvss2(rng)),
  };
})();

function severities(rng: Rng): { type: string; score: string }[] {
  const roll = rng();
  if (roll < 0.55) return [{ type: 'CVSS_V3', score: pick(rng, pools.v3) }];
  if (roll < 0.7)
    return [
      { type: 'CVSS_V3', score: pick(rng, pools.v3) },
      { type: 'CVSS_V4', score: pick(rng, pools.v4) },
    ];
  if (roll < 0.8) return [{ type: 'CVSS_V2', score: pick(rng, pools.v2) }];
  return [];
}

const version = (rng: Rng): string => `${between(rng, 0, 12)}.${between(rng, 0, 30)}.${between(rng, 0, 20)}`;

function ecosystemRange(introduced: string, fixed: string | undefined, type = 'ECOSYSTEM') {
  return { type, events: fixed === undefined ? [{ introduced }] : [{ introduced }, { fixed }] };
}

/** The `modified` time of record `i` in generation `generation` (a later generation is newer). */
function modified(i: number, generation: number): string {
  return new Date(Date.UTC(2024, 0, 1) + i * 60_000 + generation * 86_400_000).toISOString().replace('.000Z', 'Z');
}

function debian(rng: Rng, i: number, generation: number): object {
  const cve = `CVE-${between(rng, 2014, 2026)}-${10000 + i}`;
  const pkg = `libpkg${between(rng, 1, 3000)}`;
  const releases = ['Debian:11', 'Debian:12', 'Debian:13'].slice(0, between(rng, 1, 3));
  return {
    schema_version: '1.7.5',
    id: `DEBIAN-${cve}`,
    modified: modified(i, generation),
    published: modified(i, 0),
    upstream: [cve],
    summary: `${pkg} security update`,
    details: sentence(rng, between(rng, 20, 80)),
    affected: releases.map((ecosystem) => ({
      package: { ecosystem, name: pkg, purl: `pkg:deb/debian/${pkg}?arch=source` },
      ranges: [ecosystemRange('0', rng() < 0.8 ? `${version(rng)}-1+deb12u${between(rng, 1, 9)}` : undefined)],
      ecosystem_specific: { urgency: pick(rng, ['low', 'medium', 'high', 'unimportant', 'not yet assigned']) },
    })),
    references: [{ type: 'ADVISORY', url: `https://security-tracker.debian.org/tracker/${cve}` }],
  };
}

function alpine(rng: Rng, i: number, generation: number): object {
  const cve = `CVE-${between(rng, 2014, 2026)}-${20000 + i}`;
  const pkg = `apk${between(rng, 1, 1500)}`;
  const first = between(rng, 10, 20);
  return {
    schema_version: '1.6.0',
    id: `ALPINE-${cve}`,
    modified: modified(i, generation),
    upstream: [cve],
    details: sentence(rng, between(rng, 10, 40)),
    affected: Array.from({ length: between(rng, 1, 4) }, (_, k) => ({
      package: { ecosystem: `Alpine:v3.${first + k}`, name: pkg, purl: `pkg:apk/alpine/${pkg}` },
      ranges: [ecosystemRange('0', `${version(rng)}-r${between(rng, 0, 5)}`)],
    })),
    references: [{ type: 'ADVISORY', url: `https://security.alpinelinux.org/vuln/${cve}` }],
  };
}

const GHSA_ECOSYSTEMS = ['npm', 'PyPI', 'Go', 'Maven'] as const;

function ghsa(rng: Rng, i: number, generation: number): object {
  const ecosystem = pick(rng, GHSA_ECOSYSTEMS);
  const name =
    ecosystem === 'Maven'
      ? `org.example${between(rng, 1, 400)}:lib-${between(rng, 1, 50)}`
      : ecosystem === 'Go'
        ? `github.com/example${between(rng, 1, 800)}/mod`
        : ecosystem === 'PyPI'
          ? `Py_Package.${between(rng, 1, 2000)}`
          : `pkg-${between(rng, 1, 5000)}`;
  const cve = `CVE-${between(rng, 2014, 2026)}-${30000 + i}`;
  const code = i.toString(36).padStart(4, '0');
  return {
    schema_version: '1.4.0',
    id: `GHSA-${code}-${between(rng, 1000, 9999).toString(36)}-x${(i % 997).toString(36).padStart(3, '0')}`,
    modified: modified(i, generation),
    published: modified(i, 0),
    aliases: [cve],
    summary: sentence(rng, between(rng, 5, 12)),
    details: sentence(rng, between(rng, 40, 200)),
    severity: severities(rng),
    affected: Array.from({ length: between(rng, 1, 4) }, () => ({
      package: { ecosystem, name },
      ranges: [ecosystemRange(version(rng), rng() < 0.9 ? version(rng) : undefined, ecosystem === 'Go' ? 'SEMVER' : 'ECOSYSTEM')],
      database_specific: { source: 'https://github.com/github/advisory-database' },
    })),
    references: Array.from({ length: between(rng, 1, 10) }, (_, k) => ({ type: k === 0 ? 'ADVISORY' : 'WEB', url: `https://example.org/${code}/${k}` })),
    database_specific: {
      cwe_ids: [`CWE-${between(rng, 20, 1400)}`],
      severity: pick(rng, ['LOW', 'MODERATE', 'HIGH', 'CRITICAL']),
      github_reviewed: true,
    },
  };
}

/** Record `i` as OSV JSON; `generation` > 0 gives the same id with a later `modified`. */
export function osvRecord(i: number, generation = 0): { id: string; json: string } {
  const rng = random(i * 7919 + 1);
  const roll = rng();
  const record = roll < 0.45 ? debian(rng, i, generation) : roll < 0.6 ? alpine(rng, i, generation) : ghsa(rng, i, generation);
  return { id: (record as { id: string }).id, json: JSON.stringify(record, null, 2) };
}

/** Writes records [0, count) to `path` as a zip of one entry per record; resolves to the zip's size in bytes. */
export async function writeOsvZip(path: string, count: number, generation = 0): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  let failure: Error | undefined;
  const zip = new Zip((err, chunk, final) => {
    if (err) failure = err;
    else {
      bytes += chunk.length;
      out.write(chunk);
      if (final) out.end();
    }
  });
  for (let i = 0; i < count; i += 1) {
    const { id, json } = osvRecord(i, generation);
    const entry = new ZipDeflate(`${id}.json`, { level: 6 });
    zip.add(entry);
    entry.push(Buffer.from(json), true);
    // Let the file stream drain now and then, so the zip never sits in memory.
    if (out.writableNeedDrain) await once(out, 'drain');
    if (failure) throw failure;
  }
  zip.end();
  await once(out, 'finish');
  if (failure) throw failure;
  return bytes;
}
