/**
 * Berth serving HTTPS with a certificate from a private CA (server.tls.cert/key): skopeo and
 * podman trust the CA through --cert-dir and verify the certificate, and a renewed
 * certificate is served after SIGHUP without a restart.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { issueServerCertificate, makeTestCa, type ServerCertificate, type TestCa } from './certificates.js';
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  BERTH_ONLY,
  ClientEnv,
  freePort,
  makeTempDir,
  reachableBlobs,
  RegistryServer,
  removeDir,
  REPO_ROOT,
  requireTools,
  run,
  sleep,
  skipUnlessTools,
  umociImage,
  type LayoutManifest,
} from './harness.js';

const TOOLS = ['skopeo', 'podman', 'umoci', 'openssl'];

/** The serial number of the certificate a new TLS connection to the server is shown, checked against the CA. */
function servedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(ca), servername: 'localhost' }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

/** The Bearer challenge of GET /v2/ over verified HTTPS. */
function challenge(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(`${url}/v2/`, { ca: readFileSync(ca), agent: false }, (res) => {
        res.resume();
        resolve(String(res.headers['www-authenticate']));
      })
      .on('error', reject);
  });
}

describe('HTTPS with a private CA', { skip: BERTH_ONLY || skipUnlessTools(...TOOLS), timeout: 240_000 }, () => {
  let server: RegistryServer;
  let work: string;
  let ca: TestCa;
  let first: ServerCertificate;
  let renewed: ServerCertificate;
  let servedCert: string;
  let servedKey: string;
  let layout: string;
  let image: LayoutManifest;

  before(async () => {
    requireTools(...TOOLS);
    work = makeTempDir('https');
    ca = await makeTestCa(join(work, 'ca'));
    first = await issueServerCertificate(ca, 'first', '0a01');
    renewed = await issueServerCertificate(ca, 'renewed', '0b02');
    // The files the server is configured with; the test renews them in place.
    servedCert = join(work, 'tls.crt');
    servedKey = join(work, 'tls.key');
    copyFileSync(first.cert, servedCert);
    copyFileSync(first.key, servedKey);
    server = await RegistryServer.start({ BERTH_SERVER_TLS_CERT: servedCert, BERTH_SERVER_TLS_KEY: servedKey });
    layout = join(work, 'layout');
    image = await umociImage(new ClientEnv(join(work, 'maker'), server.host), layout, 'v1', { 'etc/greeting': 'hello over TLS\n' });
  });

  after(async () => {
    await server?.stop();
    if (work) removeDir(work);
  });

  test('the token realm in the challenge is https', async () => {
    assert.match(await challenge(server.url, ca.cert), new RegExp(`^Bearer realm="https://${server.host}/service/token"`));
  });

  test('skopeo verifies the certificate: refused without the CA, pushes and pulls back byte-identical with --cert-dir', async () => {
    const client = new ClientEnv(join(work, 'skopeo'), server.host, false);
    const untrusted = await client.skopeo(['login', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host], { allowFail: true });
    assert.notEqual(untrusted.code, 0, 'login succeeded without trusting the CA');
    assert.match(untrusted.stderr, /x509|certificate/);

    const login = await client.skopeo(['login', '--cert-dir', ca.certDir, '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host]);
    assert.match(login.stdout, /Login Succeeded/);
    const ref = `docker://${server.host}/library/tls-app:v1`;
    await client.skopeo(['copy', '--dest-cert-dir', ca.certDir, `oci:${layout}:v1`, ref]);
    const out = join(work, 'pulled');
    await client.skopeo(['copy', '--src-cert-dir', ca.certDir, ref, `oci:${out}:v1`]);
    const want = reachableBlobs(layout, image.digest);
    const got = reachableBlobs(out, image.digest);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [digest, bytes] of got) assert.ok(bytes.equals(want.get(digest) ?? Buffer.alloc(0)), `blob ${digest} differs`);
  });

  test('podman logs in with --cert-dir and pulls the image over HTTPS', async () => {
    const client = new ClientEnv(join(work, 'podman'), server.host, false);
    const untrusted = await client.podman(['login', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host], { allowFail: true });
    assert.notEqual(untrusted.code, 0, 'login succeeded without trusting the CA');
    const login = await client.podman(['login', '--cert-dir', ca.certDir, '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host]);
    assert.match(login.stdout, /Login Succeeded/);
    await client.podman(['pull', '--cert-dir', ca.certDir, `${server.host}/library/tls-app:v1`]);
    const digest = (await client.podman(['image', 'inspect', '--format', '{{.Digest}}', `${server.host}/library/tls-app:v1`])).stdout.trim();
    assert.equal(digest, image.digest);
  });

  test('after SIGHUP new connections get the renewed certificate; a broken file at SIGHUP keeps the one served', async () => {
    assert.equal(await servedSerial(server.port, ca.cert), '0A01');
    copyFileSync(renewed.key, servedKey);
    copyFileSync(renewed.cert, servedCert);
    server.signal('SIGHUP');
    let serial = '';
    for (let i = 0; i < 50 && serial !== '0B02'; i++) {
      await sleep(100);
      serial = await servedSerial(server.port, ca.cert);
    }
    assert.equal(serial, '0B02', 'the renewed certificate is not served after SIGHUP');

    writeFileSync(servedCert, 'not a certificate\n');
    server.signal('SIGHUP');
    for (let i = 0; i < 50 && !/certificate was not reloaded/.test(server.output()); i++) await sleep(100);
    assert.match(server.output(), /certificate was not reloaded, the previous one is still served: server\.tls\.cert .*tls\.crt holds no PEM certificate/);
    assert.equal(await servedSerial(server.port, ca.cert), '0B02');
    // The registry still answers over the certificate it kept.
    assert.match(await challenge(server.url, ca.cert), /^Bearer realm="https:/);
  });

  test('a missing or mismatched certificate file stops the start with the file named and a non-zero exit', async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, BERTH_SERVER_TLS_KEY: servedKey };
    const serve = async (cert: string) =>
      run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--port', String(await freePort()), '--data-dir', join(work, 'refused')], {
        env: { ...env, BERTH_SERVER_TLS_CERT: cert },
        cwd: REPO_ROOT,
        allowFail: true,
        timeoutMs: 30_000,
      });
    const missing = await serve(join(work, 'nowhere.crt'));
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /cannot read server\.tls\.cert .*nowhere\.crt/);
    // The key now on disk is the renewed one: the first certificate does not belong to it.
    const mismatched = await serve(first.cert);
    assert.notEqual(mismatched.code, 0);
    assert.match(mismatched.stderr, /server\.tls\.key .* is not the PEM private key of .*first\.crt/);
  });
});
