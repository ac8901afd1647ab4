#!/usr/bin/env node
// Builds the optional native module at install (native/: blob downloads by sendfile(2), upload
// digests off the event loop). Without a C compiler, or off Linux, the build is skipped with a
// note, and Berth copies downloads and hashes uploads itself: the install never fails for it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

function nodeGyp() {
  // npm names its own node-gyp to the scripts it runs; otherwise look beside npm.
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  try {
    return createRequire(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

function skip(why) {
  console.log(`berth: the native module was not built (${why}); Berth copies blob downloads and hashes uploads on its event loop instead, a little slower.`);
  process.exit(0);
}

if (process.platform !== 'linux') skip('it is for Linux only');
const gyp = nodeGyp();
if (!gyp) skip('node-gyp was not found');
// Node's own headers where its install has them (Debian's nodejs, the official tarballs): node-gyp
// then needs no download, which a machine without internet access could not make.
const prefix = resolve(dirname(process.execPath), '..');
const localHeaders = !process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'));
const args = [gyp, 'rebuild', ...(localHeaders ? [`--nodedir=${prefix}`] : [])];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 120_000 });
if (result.status !== 0) {
  const lines = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.split('\n').filter((line) => /error|ERR!/i.test(line));
  skip(`node-gyp failed: ${lines.slice(0, 3).join(' | ').trim() || `exit ${result.status}`}`);
}
console.log('berth: built the native module (build/Release/berth_native.node).');
