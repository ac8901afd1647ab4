import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nativeModule } from './index.js';

const built = nativeModule() !== null;
if (!built && process.env.CI === 'true') throw new Error('CI=true but the native module is not built (build/Release/berth_native.node)');

describe('giving back the pages only starting up used', { skip: built ? false : 'the native module is not built here' }, () => {
  it('advises out the node executable, and the process works on', () => {
    // In a process of its own: what it gives back, it must fault back in to go on.
    const loader = fileURLToPath(new URL('./load.ts', import.meta.url));
    const script = `
      const { nativeModule } = await import(${JSON.stringify(loader)});
      const { createHash } = await import('node:crypto');
      const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]);
      const before = rss();
      const advised = nativeModule().releaseExecutablePages();
      const after = rss();
      // Code and data of node used again after the advice still work.
      const digest = createHash('sha256').update('abc').digest('hex');
      const json = JSON.parse(JSON.stringify({ a: [1, 2, 3], b: new Date(0).toISOString() }));
      console.log(JSON.stringify({ advised, before, after, digest, json }));`;
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); ${script}`],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { advised: number; before: number; after: number; digest: string; json: unknown };
    assert.ok(result.advised > 10 * 1024 * 1024, `the executable's read-only mappings are advised out (${result.advised} bytes)`);
    // How much goes depends on what other node processes (this test's runner) share, so only a bound:
    // the advice itself must not cost memory.
    assert.ok(result.after <= result.before + 1024, `resident memory does not grow (${result.before} → ${result.after} KiB)`);
    assert.equal(result.digest, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.deepEqual(result.json, { a: [1, 2, 3], b: '1970-01-01T00:00:00.000Z' });
  });
});
