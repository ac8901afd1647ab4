import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RegistryError } from '../platform/registry-client/index.js';
import { isUpstreamUnavailable, upstreamFailure, upstreamRepository } from './upstream.js';
import { OciError } from '../platform/errors/index.js';

test('the upstream repository is the name after the project; Docker Hub official images live under library/', () => {
  assert.equal(upstreamRepository('docker-registry', 'cache/a/b'), 'a/b');
  assert.equal(upstreamRepository('docker-registry', 'cache/nginx'), 'nginx');
  assert.equal(upstreamRepository('docker-hub', 'hub/nginx'), 'library/nginx');
  assert.equal(upstreamRepository('docker-hub', 'hub/bitnami/redis'), 'bitnami/redis');
});

test('upstream failures are covered by the cache, bugs are not; a miss maps to the OCI error a client understands', () => {
  assert.equal(isUpstreamUnavailable(new RegistryError('limited', { status: 429 })), true);
  assert.equal(isUpstreamUnavailable(new RegistryError('broken', { status: 502 })), true);
  assert.equal(isUpstreamUnavailable(new RegistryError('refused', { reason: 'unreachable' })), true);
  assert.equal(isUpstreamUnavailable(new RegistryError('sign-in failed', { status: 404 })), true);
  assert.equal(isUpstreamUnavailable(new Error('a bug')), false);
  const codes = [429, 404, 403, 503].map((status) => (upstreamFailure(new RegistryError('x', { status }), 'blob') as OciError).code);
  assert.deepEqual(codes, ['TOOMANYREQUESTS', 'BLOB_UNKNOWN', 'DENIED', 'UNAVAILABLE']);
});
