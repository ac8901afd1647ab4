import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { guardedLookup, PrivateTargetError, sendOutbound, systemResolver, type Resolver } from './outbound.js';

/** A server on loopback that counts what reaches it and answers a secret. */
function loopbackServer(): { server: Server; hits: string[] } {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? '/');
    if (request.url === '/redirect') return void response.writeHead(302, { location: '/elsewhere' }).end();
    if (request.url === '/silent') return;
    response.writeHead(200).end('internal-secret-answer');
  });
  return { server, hits };
}

const resolvesTo =
  (...addresses: string[]): Resolver =>
  () =>
    Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

describe('outbound requests', () => {
  const { server, hits } = loopbackServer();
  let port = 0;

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (url: string, allowPrivateNetworks: boolean, resolver?: Resolver) =>
    sendOutbound({ url, method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'payload', allowPrivateNetworks, ...(resolver ? { resolver } : {}) });

  it('refuses loopback, private and link-local IP literals before connecting, naming the config key', async () => {
    const before = hits.length;
    for (const host of ['127.0.0.1', '[::1]', '[::ffff:127.0.0.1]', '2130706433', '0.0.0.0', '10.1.2.3', '169.254.169.254', 'localhost']) {
      await assert.rejects(post(`http://${host}:${port}/literal`, false), (err: unknown) => {
        assert.ok(err instanceof PrivateTargetError, host);
        assert.match(err.message, /outbound\.allowPrivateNetworks/);
        return true;
      });
    }
    assert.equal(hits.length, before, 'nothing reached the loopback server');
  });

  it('refuses a name resolving to loopback in the connection lookup, so a rebinding name never connects', async () => {
    const before = hits.length;
    await assert.rejects(post(`http://hooks.example.com:${port}/rebound`, false, resolvesTo('127.0.0.1')), PrivateTargetError);
    // One private answer among public ones is enough: the connection may pick any of them.
    await assert.rejects(post(`http://hooks.example.com:${port}/mixed`, false, resolvesTo('93.184.215.14', '::1')), PrivateTargetError);
    assert.equal(hits.length, before, 'nothing reached the loopback server');
  });

  it('checks what the system resolver answers for the connection', async () => {
    const lookup = guardedLookup(systemResolver, false);
    const error = await new Promise<Error | null>((resolve) => lookup('localhost', { all: true }, (err) => resolve(err)));
    assert.ok(error instanceof PrivateTargetError);
  });

  it('reaches loopback when private networks are allowed, and returns the status alone', async () => {
    const answer = await post(`http://127.0.0.1:${port}/allowed`, true);
    assert.deepEqual(answer, { status: 200 });
    assert.ok(!JSON.stringify(answer).includes('internal-secret-answer'));
    assert.deepEqual(await post(`http://allowed.example:${port}/by-name`, true, resolvesTo('127.0.0.1')), { status: 200 });
    assert.ok(hits.includes('/allowed') && hits.includes('/by-name'));
  });

  it('does not follow redirects', async () => {
    const before = hits.length;
    assert.deepEqual(await post(`http://127.0.0.1:${port}/redirect`, true), { status: 302 });
    assert.deepEqual(hits.slice(before), ['/redirect']);
  });

  it('gives up on a target that does not answer in time', async () => {
    await assert.rejects(
      sendOutbound({ url: `http://127.0.0.1:${port}/silent`, method: 'POST', headers: {}, body: 'x', allowPrivateNetworks: true, timeoutMs: 300 }),
      /no answer within 0.3 s/,
    );
  });
});
