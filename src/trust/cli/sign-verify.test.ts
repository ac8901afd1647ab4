import assert from 'node:assert/strict';
import { sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer } from '../../../test/e2e/harness.js';
import { runBerth } from '../../testing/cli.js';
import { basic, TestClient } from '../../testing/client.js';
import { decryptPrivateKey, generateKeyPairFiles, sha256Digest } from '../sign/index.js';
import { pae } from '../verify/dsse.js';
import { pushCosignSignature } from '../testing/cosign-signature.suite.js';
import { TestSigstore } from '../testing/sigstore.suite.js';

const KEY_PASSWORD = 'key-Passw0rd';
const COSIGN_EXAMPLE = JSON.parse(
  readFileSync(new URL('../verify/fixtures/harbor-examples/cosign-tag-scheme-signature-manifest.json', import.meta.url), 'utf8'),
) as { manifest: Manifest };

interface Layer {
  mediaType: string;
  size: number;
  digest: string;
  annotations?: Record<string, string>;
}
interface Manifest {
  schemaVersion: number;
  mediaType?: string;
  artifactType?: string;
  config: Layer;
  layers: Layer[];
  subject?: Layer;
}
interface VerifyReport {
  image: string;
  verified: boolean;
  referrers: string;
  signatures: Array<{ format: string; source: string; layer: string; verdict: { verified: boolean; signer?: string; reason?: string } }>;
}

const NO_STACK = /\n\s+at /;
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** A sigstore bundle v0.3 as cosign v3 signs an image by default: DSSE over an in-toto statement about the digest. */
function cosignV3Bundle(key: KeyObject, repository: string, digest: string, predicateType: string): Buffer {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: repository, digest: { sha256: digest.slice('sha256:'.length) } }],
    predicateType,
    predicate: {},
  };
  const payload = Buffer.from(JSON.stringify(statement));
  const payloadType = 'application/vnd.in-toto+json';
  const sig = sign('sha256', pae(payloadType, payload), key).toString('base64');
  return Buffer.from(
    JSON.stringify({
      mediaType: BUNDLE_TYPE,
      verificationMaterial: { publicKey: { hint: 'test' } },
      dsseEnvelope: { payload: payload.toString('base64'), payloadType, signatures: [{ sig }] },
    }),
  );
}

describe('berth sign and berth verify against a Berth server', { timeout: 300_000 }, () => {
  let server: RegistryServer;
  let client: TestClient;
  let dir: string;
  let digest: string;
  let keyPath: string;
  let pubPath: string;
  let otherPubPath: string;
  let privateKey: KeyObject;
  let repository: string;
  let referrerDigest: string;
  const env = (extra: Record<string, string> = {}) => ({
    COSIGN_PASSWORD: KEY_PASSWORD,
    BERTH_REGISTRY_USERNAME: ADMIN_USER,
    BERTH_REGISTRY_PASSWORD: ADMIN_PASSWORD,
    ...extra,
  });
  const json = async <T>(path: string): Promise<T> => {
    const res = await client.request('GET', path, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(res.status, 200, path);
    return (await res.json()) as T;
  };

  before(async () => {
    server = await RegistryServer.start();
    client = new TestClient(server.url, basic(ADMIN_USER, ADMIN_PASSWORD));
    ({ digest } = await client.pushImage('library/app', '1.0'));
    repository = `${server.host}/library/app`;
    dir = mkdtempSync(join(tmpdir(), 'berth-sign-'));
    const [mine, other] = await Promise.all([generateKeyPairFiles(KEY_PASSWORD), generateKeyPairFiles('other')]);
    keyPath = join(dir, 'cosign.key');
    pubPath = join(dir, 'cosign.pub');
    otherPubPath = join(dir, 'other.pub');
    writeFileSync(keyPath, mine.privateKey, { mode: 0o600 });
    privateKey = await decryptPrivateKey(mine.privateKey, KEY_PASSWORD);
    writeFileSync(pubPath, mine.publicKey);
    writeFileSync(otherPubPath, other.publicKey);
  });
  after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("signs by digest in tag mode: a sha256-<hex>.sig manifest shaped like cosign's", async () => {
    const run = await runBerth(['sign', '--key', keyPath, '--plain-http', `${repository}@${digest}`], env());
    assert.equal(run.code, 0, run.stderr);
    const tag = `${digest.replace(':', '-')}.sig`;
    assert.match(run.stdout, new RegExp(`signature pushed to ${repository}:${tag}`));
    assert.match(run.stderr, /pushed manifest/);

    const manifest = await json<Manifest>(`/v2/library/app/manifests/${tag}`);
    const example = COSIGN_EXAMPLE.manifest;
    assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual(Object.keys(manifest), ['schemaVersion', 'mediaType', ...Object.keys(example).filter((k) => k !== 'schemaVersion')]);
    assert.equal(manifest.config.mediaType, example.config.mediaType);
    assert.equal(manifest.layers.length, 1);
    const [layer] = manifest.layers;
    assert.ok(layer);
    assert.equal(layer.mediaType, example.layers[0]?.mediaType);
    assert.deepEqual(Object.keys(layer.annotations ?? {}), Object.keys(example.layers[0]?.annotations ?? {}));

    const payload = (await (await client.request('GET', `/v2/library/app/blobs/${layer.digest}`)).text()) as string;
    assert.equal(
      payload,
      `{"critical":{"identity":{"docker-reference":"${repository}"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":null}`,
    );
    const config = JSON.parse(await (await client.request('GET', `/v2/library/app/blobs/${manifest.config.digest}`)).text()) as { rootfs: { diff_ids: string[] } };
    assert.deepEqual(config.rootfs.diff_ids, [layer.digest]);
  });

  it('a second signature, with annotations, is appended to the same .sig manifest', async () => {
    const run = await runBerth(['sign', '--key', keyPath, '--plain-http', '-a', 'release=1.0', '-a', 'by=ci', `${repository}@${digest}`], env());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(2 signature\(s\) there\)/);
    const manifest = await json<Manifest>(`/v2/library/app/manifests/${digest.replace(':', '-')}.sig`);
    assert.equal(manifest.layers.length, 2);
    const payload = await (await client.request('GET', `/v2/library/app/blobs/${manifest.layers[1]?.digest ?? ''}`)).text();
    assert.match(payload, /,"optional":\{"by":"ci","release":"1\.0"\}\}$/);
  });

  it('signs by tag in referrer mode (warning that the tag was resolved); the referrers API lists the signature', async () => {
    const run = await runBerth(['sign', '--key', keyPath, '--plain-http', '--mode', 'referrer', `${repository}:1.0`], env());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /WARNING: .*library\/app:1\.0 names the image by tag, not by digest/);
    assert.match(run.stdout, /listed by the referrers API/);

    const index = await json<{ manifests: Array<{ digest: string; artifactType: string }> }>(
      `/v2/library/app/referrers/${digest}?artifactType=${encodeURIComponent('application/vnd.dev.cosign.artifact.sig.v1+json')}`,
    );
    assert.equal(index.manifests.length, 1);
    referrerDigest = index.manifests[0]?.digest ?? '';
    assert.match(run.stdout, new RegExp(`signature pushed to ${repository}@${referrerDigest}`));
    const manifest = await json<Manifest>(`/v2/library/app/manifests/${referrerDigest}`);
    assert.equal(manifest.config.mediaType, 'application/vnd.dev.cosign.artifact.sig.v1+json');
    assert.equal(manifest.subject?.digest, digest);
    assert.equal(manifest.subject?.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(manifest.layers[0]?.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
  });

  it('Berth lists the referrer signature as a cosign signature of the image', async () => {
    const res = await fetch(`${server.url}/api/v2.0/projects/library/repositories/app/artifacts/${digest}/accessories`, {
      headers: { authorization: basic(ADMIN_USER, ADMIN_PASSWORD) },
    });
    assert.equal(res.status, 200);
    const accessories = (await res.json()) as Array<{ type: string; digest: string }>;
    assert.ok(
      accessories.some((a) => a.digest === referrerDigest && a.type === 'signature.cosign'),
      JSON.stringify(accessories),
    );
  });

  it('signing the same payload with the same key again pushes nothing, as cosign', async () => {
    const run = await runBerth(['sign', '--key', keyPath, '--plain-http', `${repository}@${digest}`], env());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /already carries this signature .*; nothing pushed/);
    const manifest = await json<Manifest>(`/v2/library/app/manifests/${digest.replace(':', '-')}.sig`);
    assert.equal(manifest.layers.length, 2);
  });

  it('verify accepts the signatures with the key, and refuses them with another key', async () => {
    const ok = await runBerth(['verify', '--key', pubPath, '--plain-http', `${repository}:1.0`], env());
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /3 of 3 signature\(s\) verified/);
    assert.match(ok.stdout, /verified +tag sha256-[0-9a-f]{64}\.sig/);
    assert.match(ok.stdout, /verified +referrer sha256:/);

    const report = await runBerth(['verify', '--key', pubPath, '--plain-http', '--output', 'json', `${repository}@${digest}`], env());
    assert.equal(report.code, 0, report.stderr);
    const parsed = JSON.parse(report.stdout) as VerifyReport;
    assert.equal(parsed.verified, true);
    assert.equal(parsed.referrers, 'api');
    assert.equal(parsed.signatures.length, 3);
    assert.ok(parsed.signatures.every((s) => s.verdict.verified && s.verdict.signer?.startsWith('sha256:')));

    const wrong = await runBerth(['verify', '--key', otherPubPath, '--plain-http', `${repository}@${digest}`], env());
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /NOT verified .*no trusted key made this signature/);
    assert.match(wrong.stdout, /0 of 3 signature\(s\) verified/);
  });

  it('an unsigned image does not verify', async () => {
    const { digest: unsigned } = await client.pushImage('library/app', '2.0', Buffer.from('another layer'));
    const run = await runBerth(['verify', '--key', pubPath, '--plain-http', `${repository}@${unsigned}`], env());
    assert.equal(run.code, 1);
    assert.match(run.stdout, /no cosign signatures found/);
  });

  it("reads cosign v3's default signatures (sigstore bundle referrers), and leaves its attestations alone", async () => {
    const { digest: subject, manifest: image } = await client.pushImage('library/app', '3.0', Buffer.from('a layer for cosign v3'));
    const subjectSize = Buffer.byteLength(JSON.stringify(image));
    const pushBundle = async (predicateType: string) => {
      const bundle = cosignV3Bundle(privateKey, repository, subject, predicateType);
      const empty = Buffer.from('{}');
      await client.pushBlob('library/app', empty);
      await client.pushBlob('library/app', bundle);
      // The shape of cosign's WriteReferrer manifest.
      const manifest = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2, digest: sha256Digest(empty), artifactType: BUNDLE_TYPE },
        layers: [{ mediaType: BUNDLE_TYPE, size: bundle.length, digest: sha256Digest(bundle) }],
        subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: subjectSize, digest: subject },
        annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': predicateType },
        artifactType: BUNDLE_TYPE,
      };
      const body = JSON.stringify(manifest);
      await client.pushManifest('library/app', sha256Digest(Buffer.from(body)), manifest);
    };
    await pushBundle('https://sigstore.dev/cosign/sign/v1');
    await pushBundle('https://slsa.dev/provenance/v1');

    const ok = await runBerth(['verify', '--key', pubPath, '--plain-http', '--output', 'json', `${repository}@${subject}`], env());
    assert.equal(ok.code, 0, ok.stderr);
    const report = JSON.parse(ok.stdout) as VerifyReport;
    assert.deepEqual(
      report.signatures.map((s) => [s.format, s.verdict.verified]),
      [['sigstore-bundle', true]],
    );
    const refused = await runBerth(['verify', '--key', otherPubPath, '--plain-http', `${repository}@${subject}`], env());
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /NOT verified .*no trusted key made this signature/);
  });

  it('says clearly what went wrong: key password, missing image, credentials, usage', async () => {
    const wrongPassword = await runBerth(['sign', '--key', keyPath, '--plain-http', `${repository}@${digest}`], env({ COSIGN_PASSWORD: 'nope' }));
    assert.equal(wrongPassword.code, 1);
    assert.match(wrongPassword.stderr, /berth sign: wrong password for the private key/);

    const missing = await runBerth(['verify', '--key', pubPath, '--plain-http', `${repository}:no-such-tag`], env());
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /berth verify: no such image: .*library\/app:no-such-tag/);

    const badCredentials = await runBerth(
      ['sign', '--key', keyPath, '--plain-http', '-a', 'new=payload', `${repository}@${digest}`],
      env({ BERTH_REGISTRY_PASSWORD: 'Wrong-passw0rd' }),
    );
    assert.equal(badCredentials.code, 1);
    assert.match(badCredentials.stderr, /refused the credentials of "admin" \(401 Unauthorized\)/);

    const anonymous = await runBerth(['sign', '--key', keyPath, '--plain-http', '-a', 'new=payload', `${repository}@${digest}`], {
      COSIGN_PASSWORD: KEY_PASSWORD,
    });
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /requires authentication \(401 Unauthorized\): pass --username and --password/);

    const usage = await runBerth(['verify', '--key', pubPath, 'app:1.0']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /names no registry/);

    for (const run of [wrongPassword, missing, badCredentials, anonymous, usage]) assert.doesNotMatch(run.stderr, NO_STACK);
  });

  it('verify checks keyless signatures against a trusted root and the identity and issuer asked for', async () => {
    const sigstore = new TestSigstore();
    const release = { subject: 'https://git.example.com/acme/app/.ci/release.yml@refs/tags/v1', issuer: 'https://token.ci.example.com' };
    const image = await client.pushImage('library/keyless', '1.0', Buffer.from('keyless cli layer'));
    await pushCosignSignature(client, 'library/keyless', image.digest, { annotate: (payload) => sigstore.signCosign(payload, release) });
    const bundle = sigstore.signBundle(image.digest, release);
    const bundleDigest = await client.pushBlob('library/keyless', bundle);
    const emptyConfig = await client.pushBlob('library/keyless', Buffer.from('{}'));
    await client.pushManifest('library/keyless', 'keyless-bundle', {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: BUNDLE_TYPE,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyConfig, size: 2 },
      layers: [{ mediaType: BUNDLE_TYPE, digest: bundleDigest, size: bundle.length }],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.digest, size: Buffer.byteLength(JSON.stringify(image.manifest)) },
    });
    const rootPath = join(dir, 'trusted_root.json');
    writeFileSync(rootPath, JSON.stringify(sigstore.trustedRoot()));
    const keyless = (identity: string, issuer = release.issuer) => [
      'verify',
      '--trusted-root',
      rootPath,
      '--certificate-identity',
      identity,
      '--certificate-oidc-issuer',
      issuer,
      '--plain-http',
      '--output',
      'json',
      `${server.host}/library/keyless:1.0`,
    ];

    const ok = await runBerth(keyless('https://git.example.com/acme/**'), env());
    assert.equal(ok.code, 0, ok.stderr);
    const report = JSON.parse(ok.stdout) as VerifyReport;
    assert.deepEqual(
      report.signatures.map((s) => [s.format, s.verdict.verified, s.verdict.signer]).sort(),
      [
        ['simple-signing', true, `${release.subject} (issuer ${release.issuer})`],
        ['sigstore-bundle', true, `${release.subject} (issuer ${release.issuer})`],
      ].sort(),
    );
    const stranger = await runBerth(keyless('https://git.example.com/other/**'), env());
    assert.equal(stranger.code, 1);
    assert.deepEqual(
      (JSON.parse(stranger.stdout) as VerifyReport).signatures.map((s) => s.verdict.reason),
      ['the signing identity is not trusted by the trust policy', 'the signing identity is not trusted by the trust policy'],
    );
    assert.equal((await runBerth(keyless('https://git.example.com/acme/**', 'https://accounts.example.com'), env())).code, 1);
    const text = await runBerth(
      keyless('https://git.example.com/acme/**').filter((arg) => arg !== '--output' && arg !== 'json'),
      env(),
    );
    assert.match(
      text.stdout,
      /verified {6}.*: signed by https:\/\/git\.example\.com\/acme\/app\/\.ci\/release\.yml@refs\/tags\/v1 \(issuer https:\/\/token\.ci\.example\.com\)/,
    );

    const half = await runBerth(['verify', '--trusted-root', rootPath, '--plain-http', `${server.host}/library/keyless:1.0`], env());
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--trusted-root needs --certificate-identity and --certificate-oidc-issuer/);
    const nothing = await runBerth(['verify', '--plain-http', `${server.host}/library/keyless:1.0`], env());
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /give --key, or --trusted-root/);
    writeFileSync(join(dir, 'not-root.json'), '{"tlogs": []}');
    const notRoot = await runBerth(
      [
        'verify',
        '--trusted-root',
        join(dir, 'not-root.json'),
        '--certificate-identity',
        'x',
        '--certificate-oidc-issuer',
        'y',
        '--plain-http',
        `${server.host}/library/keyless:1.0`,
      ],
      env(),
    );
    assert.equal(notRoot.code, 1);
    assert.match(notRoot.stderr, /not-root\.json: the trusted root/);
    for (const run of [stranger, half, nothing, notRoot]) assert.doesNotMatch(run.stderr, NO_STACK);
  });
});
