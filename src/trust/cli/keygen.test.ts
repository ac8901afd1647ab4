import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBerth } from '../../testing/cli.js';
import { decryptPrivateKey, signPayload, WrongPasswordError } from '../sign/index.js';

const PASSWORD = 'correct horse battery staple';

describe('berth keygen', () => {
  let dir: string;
  let prefix: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-keygen-'));
    prefix = join(dir, 'cosign');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes cosign.key in cosign's encrypted format and cosign.pub, and the key opens with the password only", async () => {
    const run = await runBerth(['keygen', '--output-key-prefix', prefix], { COSIGN_PASSWORD: PASSWORD });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Private key written to .*cosign\.key/);
    assert.match(run.stdout, /Public key written to .*cosign\.pub \(sha256:[0-9a-f]{64}\)/);

    const keyText = readFileSync(`${prefix}.key`, 'utf8');
    assert.equal(statSync(`${prefix}.key`).mode & 0o777, 0o600);
    const block = /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n([A-Za-z0-9+/=\n]+)\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n$/.exec(keyText);
    assert.ok(block, keyText);
    assert.ok((block[1] ?? '').split('\n').every((line) => line.length <= 64));
    const envelope = JSON.parse(Buffer.from(block[1] ?? '', 'base64').toString('utf8')) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(envelope), ['kdf', 'cipher', 'ciphertext']);
    assert.deepEqual(envelope.kdf?.params, { N: 32768, r: 8, p: 1 });
    assert.equal(envelope.kdf?.name, 'scrypt');
    assert.equal(Buffer.from(String(envelope.kdf?.salt), 'base64').length, 32);
    assert.equal(envelope.cipher?.name, 'nacl/secretbox');
    assert.equal(Buffer.from(String(envelope.cipher?.nonce), 'base64').length, 24);

    const publicPem = readFileSync(`${prefix}.pub`, 'utf8');
    assert.match(publicPem, /^-----BEGIN PUBLIC KEY-----\n/);
    const privateKey = await decryptPrivateKey(keyText, PASSWORD);
    assert.equal(privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(), publicPem);
    const payload = Buffer.from('payload');
    assert.ok(verify('sha256', payload, createPublicKey(publicPem), Buffer.from(signPayload(privateKey, payload), 'base64')));

    await assert.rejects(decryptPrivateKey(keyText, 'not the password'), WrongPasswordError);
    // cosign's older label holds the same envelope and is still read.
    const older = keyText.replaceAll('ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY');
    assert.equal(
      createPublicKey(await decryptPrivateKey(older, PASSWORD))
        .export({ type: 'spki', format: 'pem' })
        .toString(),
      publicPem,
    );
  });

  it('refuses to overwrite existing key files unless --force', async () => {
    const before = readFileSync(`${prefix}.key`, 'utf8');
    const refused = await runBerth(['keygen', '--output-key-prefix', prefix], { COSIGN_PASSWORD: PASSWORD });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /cosign\.key already exists; use --force/);
    assert.equal(readFileSync(`${prefix}.key`, 'utf8'), before);

    const forced = await runBerth(['keygen', '--output-key-prefix', prefix, '--force'], { COSIGN_PASSWORD: 'another' });
    assert.equal(forced.code, 0, forced.stderr);
    assert.notEqual(readFileSync(`${prefix}.key`, 'utf8'), before);
    await assert.rejects(decryptPrivateKey(readFileSync(`${prefix}.key`, 'utf8'), PASSWORD), WrongPasswordError);
  });

  it('without COSIGN_PASSWORD and no terminal, says how to give the password', async () => {
    const run = await runBerth(['keygen', '--output-key-prefix', join(dir, 'other')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no terminal to ask for the key password on: set COSIGN_PASSWORD/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it('a key file that is not a cosign key is refused with a clear reason', async () => {
    const file = join(dir, 'not-a-key.pem');
    writeFileSync(file, readFileSync(`${prefix}.pub`));
    await assert.rejects(decryptPrivateKey(readFileSync(file, 'utf8'), PASSWORD), /a "PUBLIC KEY" PEM block, not a cosign private key/);
  });
});

describe('a key cosign wrote', () => {
  it('opens with its password (empty here) and not with another', async () => {
    const text = readFileSync(new URL('./fixtures/cosign-written-key/cosign.key', import.meta.url), 'utf8');
    const key = await decryptPrivateKey(text, '');
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    await assert.rejects(decryptPrivateKey(text, 'x'), WrongPasswordError);
  });
});
