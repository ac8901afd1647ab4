import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bannerLines } from './banner.js';

const base = { port: 5000, hostname: 'registry-host', role: 'all', dataDir: '/var/lib/berth', dialect: 'sqlite' } as const;

describe('the start banner', () => {
  it('says a wildcard bind listens on every address and gives a URL with the host name and the login command', () => {
    const lines = bannerLines({ ...base, scheme: 'https', address: '0.0.0.0' });
    assert.match(lines[0] ?? '', /^Berth is listening on https:\/\/0\.0\.0\.0:5000 \(every IPv4 address of this machine; role: all/);
    assert.equal(lines[1], 'Registry URL: https://registry-host:5000');
    assert.match(lines[2] ?? '', /^Log in with: {2}docker login registry-host:5000 -u admin/);
    assert.equal(lines.length, 3, 'no plain-HTTP note when serving HTTPS');
  });

  it('brackets an IPv6 address, prefers server.externalUrl, and notes when the registry speaks plain HTTP', () => {
    const v6 = bannerLines({ ...base, scheme: 'http', address: '::1' });
    assert.match(v6[0] ?? '', /^Berth is listening on http:\/\/\[::1\]:5000 \(role/);
    assert.match(v6.at(-1) ?? '', /plain HTTP/);
    const external = bannerLines({ ...base, scheme: 'http', address: '::', externalUrl: 'https://registry.example.com/' });
    assert.equal(external[1], 'Registry URL: https://registry.example.com');
    assert.match(external[2] ?? '', /docker login registry\.example\.com -u admin/);
  });
});
