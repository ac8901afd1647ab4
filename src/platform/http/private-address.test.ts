import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPrivateAddress, namesPrivateHost } from './private-address.js';

const PRIVATE = [
  '0.0.0.0',
  '0.1.2.3',
  '10.0.0.1',
  '10.255.255.255',
  '100.64.0.1',
  '100.127.255.254',
  '127.0.0.1',
  '127.255.255.254',
  '169.254.169.254',
  '172.16.0.1',
  '172.31.255.255',
  '192.0.0.8',
  '192.0.2.1',
  '192.168.1.1',
  '198.18.0.1',
  '198.51.100.7',
  '203.0.113.9',
  '224.0.0.1',
  '239.255.255.250',
  '240.0.0.1',
  '255.255.255.255',
  '::',
  '::1',
  '0:0:0:0:0:0:0:1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::ffff:10.1.2.3',
  '::ffff:169.254.169.254',
  '::127.0.0.1',
  '64:ff9b::127.0.0.1',
  '64:ff9b::a9fe:a9fe',
  '64:ff9b:1::1',
  '2002:7f00:1::1',
  '2002:c0a8:101::',
  '2001::1',
  '2001:db8::1',
  'fc00::1',
  'fd12:3456:789a::1',
  'fe80::1',
  'febf:ffff::1',
  'fec0::1',
  'ff02::1',
  'fe80::1%eth0',
  'not-an-address',
];

const PUBLIC = [
  '1.1.1.1',
  '8.8.8.8',
  '9.255.255.255',
  '11.0.0.1',
  '100.63.255.255',
  '100.128.0.1',
  '126.255.255.255',
  '128.0.0.1',
  '169.253.255.255',
  '172.15.255.255',
  '172.32.0.1',
  '192.167.255.255',
  '192.169.0.1',
  '223.255.255.255',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
  '2606:4700:4700::1111',
  '2a00:1450:4001:80b::200e',
];

describe('private address classifier', () => {
  for (const address of PRIVATE) it(`counts ${address} as private`, () => assert.equal(isPrivateAddress(address), true));
  for (const address of PUBLIC) it(`counts ${address} as public`, () => assert.equal(isPrivateAddress(address), false));

  it('sees through the spellings the URL parser normalises (decimal, hex, octal, short, mapped IPv6)', () => {
    const spellings = {
      'http://2130706433/': '127.0.0.1',
      'http://0x7f.1/': '127.0.0.1',
      'http://017700000001/': '127.0.0.1',
      'http://127.1/': '127.0.0.1',
      'http://0/': '0.0.0.0',
      'http://0xa9fea9fe/': '169.254.169.254',
      'http://[::ffff:127.0.0.1]/': '[::ffff:7f00:1]',
      'http://[0:0:0:0:0:0:0:1]/': '[::1]',
    };
    for (const [url, hostname] of Object.entries(spellings)) {
      assert.equal(new URL(url).hostname, hostname, url);
      assert.equal(namesPrivateHost(new URL(url)), true, url);
    }
  });

  it('takes localhost names as private without a lookup, and leaves other names to the connection', () => {
    for (const url of [
      'http://localhost/',
      'http://LOCALHOST:8080/',
      'http://localhost./',
      'http://api.localhost/',
      'http://[::1]:9000/',
      'https://10.0.0.5/hook',
    ]) {
      assert.equal(namesPrivateHost(new URL(url)), true, url);
    }
    for (const url of ['https://hooks.example.com/x', 'http://8.8.8.8/', 'http://[2606:4700::1111]/', 'http://localhost.example.com/', 'http://mylocalhost/']) {
      assert.equal(namesPrivateHost(new URL(url)), false, url);
    }
  });
});
