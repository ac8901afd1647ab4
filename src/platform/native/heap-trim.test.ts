import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nativeModule } from './index.js';

const built = nativeModule() !== null;
if (!built && process.env.CI === 'true') throw new Error('CI=true but the native module is not built (build/Release/berth_native.node)');

interface Figures {
  /** KiB resident before the buffers were made, with them, after they were collected, and after the wait. */
  idle: number;
  full: number;
  collected: number;
  waited: number;
  digest: string;
}

/**
 * In a process of its own, with glibc's default malloc settings: 3,000 buffers of 64 KiB (as
 * socket reads make), every tenth kept alive so the freed ones lie between live chunks, where
 * malloc does not give them back by itself.
 */
function run(trimming: boolean): Figures {
  const index = fileURLToPath(new URL('./index.ts', import.meta.url));
  const script = `
    const { trimHeapEverySecond, TRIM_INTERVAL_MS } = await import(${JSON.stringify(index)});
    const { readFileSync } = await import('node:fs');
    const { createHash } = await import('node:crypto');
    const { setTimeout: sleep } = await import('node:timers/promises');
    const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
    const stop = ${trimming} ? trimHeapEverySecond() : () => undefined;
    const idle = rss();
    let buffers = [];
    for (let i = 0; i < 3000; i++) buffers.push(Buffer.alloc(64 * 1024, i));
    const full = rss();
    const kept = buffers.filter((_, i) => i % 10 === 0);
    buffers = [];
    globalThis.gc();
    const collected = rss();
    await sleep(TRIM_INTERVAL_MS + 500);
    const waited = rss();
    // What stayed alive is intact.
    const digest = createHash('sha256').update(Buffer.concat(kept)).digest('hex');
    stop();
    console.log(JSON.stringify({ idle, full, collected, waited, digest }));`;
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MALLOC_'))),
  });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as Figures;
}

describe('malloc gives collected buffers back', { skip: built ? false : 'the native module is not built here' }, () => {
  it('within a second, the collected buffers leave resident memory; without trimming they stay', () => {
    const without = run(false);
    const trimmed = run(true);
    const MiB = 1024;
    // 3,000 × 64 KiB is 188 MiB; a tenth stays alive.
    assert.ok(without.full - without.idle > 150 * MiB, `the buffers were resident (${without.idle} → ${without.full} KiB)`);
    assert.ok(without.waited - without.idle > 100 * MiB, `without trimming, malloc keeps the freed chunks (${without.waited - without.idle} KiB above idle)`);
    assert.ok(trimmed.waited - trimmed.idle < 50 * MiB, `with trimming, all but the live tenth went back (${trimmed.waited - trimmed.idle} KiB above idle)`);
    assert.equal(trimmed.digest, without.digest, 'the buffers still alive kept their bytes');
  });
});
