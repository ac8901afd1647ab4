import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode, Tag } from 'cbor2';
import { NOTATION_PAYLOAD_TYPE, TIMESTAMP_HEADER } from '../verify/notation.js';

/** Test helpers for notation signatures with RFC 3161 timestamps: a real TSA (`openssl ts`) and envelopes signed here. */
export const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

/** A certificate authority, a timestamp authority and a code-signing certificate, made by openssl in a scratch folder. */
export class Pki {
  readonly dir = mkdtempSync(join(tmpdir(), 'berth-tsa-'));
  private run(...args: string[]): Buffer {
    return execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  }
  private write(name: string, text: string): string {
    writeFileSync(join(this.dir, name), text);
    return name;
  }
  read(name: string): Buffer {
    return readFileSync(join(this.dir, name));
  }

  root(name: string, subject: string): X509Certificate {
    this.run(
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`,
      '-subj', subject, '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ); // prettier-ignore
    return new X509Certificate(this.read(`${name}.crt`));
  }

  /** A certificate issued by `issuer`, with the extensions given (openssl extension syntax). */
  issue(name: string, issuer: string, subject: string, days: number, extensions: string): { cert: X509Certificate; key: KeyObject } {
    this.run('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    const ext = this.write(`${name}.ext`, `${extensions}\n`);
    this.run(
      'x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial',
      '-days', String(days), '-sha256', '-extfile', ext, '-out', `${name}.crt`,
    ); // prettier-ignore
    const cert = new X509Certificate(this.read(`${name}.crt`));
    writeFileSync(join(this.dir, `${name}.crt.der`), cert.raw);
    return { cert, key: createPrivateKey(this.read(`${name}.key`)) };
  }

  /** `openssl ts`: a timestamp request over `data`, answered by the TSA `tsa` (issued by `tsaRoot`); the DER TimeStampToken. */
  stamp(data: Uint8Array, tsa: string, tsaRoot: string, options: { hash?: string; accuracy?: string } = {}): Buffer {
    writeFileSync(join(this.dir, 'data.bin'), data);
    this.write('tsaserial', '01\n');
    const config = this.write(
      'ts.cnf',
      [
        '[ tsa ]',
        'default_tsa = tsa_config',
        '[ tsa_config ]',
        `serial = ${join(this.dir, 'tsaserial')}`,
        'crypto_device = builtin',
        'signer_digest = sha256',
        'default_policy = 1.2.3.4.1',
        'digests = sha256, sha384, sha512',
        // No accuracy by default: a signing certificate issued in the same second as the stamp
        // would otherwise start after the stamp's earliest possible time.
        ...(options.accuracy ? [`accuracy = ${options.accuracy}`] : []),
        'ordering = yes',
        'tsa_name = yes',
        'ess_cert_id_chain = no',
        'ess_cert_id_alg = sha256',
      ].join('\n'),
    );
    this.run('ts', '-query', '-data', 'data.bin', `-${options.hash ?? 'sha256'}`, '-cert', '-out', 'request.tsq');
    this.run(
      'ts', '-reply', '-config', config, '-queryfile', 'request.tsq', '-signer', `${tsa}.crt`, '-inkey', `${tsa}.key`,
      '-chain', `${tsaRoot}.crt`, '-token_out', '-out', 'token.der',
    ); // prettier-ignore
    return this.read('token.der');
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const TSA_EXTENSIONS = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping';
export const SIGNING_EXTENSIONS = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning';

const exampleManifest = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
/** The artifact the envelopes name unless told otherwise. */
export const exampleSubject = {
  digest: `sha256:${createHash('sha256').update(exampleManifest).digest('hex')}`,
  size: exampleManifest.length,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
};
export type Target = { readonly digest: string; readonly size: number; readonly mediaType: string };

export interface Signed {
  readonly signature: Buffer;
  /** The envelope, with the timestamp token given (if any) among its unsigned attributes. */
  envelope(token?: Buffer): Buffer;
}

/** A notation JWS envelope (ES256) signed by `key`, its chain in x5c. */
export function signJws(
  key: KeyObject,
  chain: readonly X509Certificate[],
  scheme: 'notary.x509' | 'notary.x509.signingAuthority',
  signingTime: Date,
  target: Target = exampleSubject,
): Signed {
  const payload = Buffer.from(JSON.stringify({ targetArtifact: target }));
  const timeHeader = scheme === 'notary.x509' ? 'io.cncf.notary.signingTime' : 'io.cncf.notary.authenticSigningTime';
  const protectedHeader = Buffer.from(
    JSON.stringify({
      alg: 'ES256',
      cty: NOTATION_PAYLOAD_TYPE,
      crit: ['io.cncf.notary.signingScheme', ...(scheme === 'notary.x509' ? [] : [timeHeader])],
      'io.cncf.notary.signingScheme': scheme,
      [timeHeader]: signingTime.toISOString(),
    }),
  ).toString('base64url');
  const body = payload.toString('base64url');
  const signature = sign('sha256', Buffer.from(`${protectedHeader}.${body}`), { key, dsaEncoding: 'ieee-p1363' });
  return {
    signature,
    envelope: (token) =>
      Buffer.from(
        JSON.stringify({
          payload: body,
          protected: protectedHeader,
          header: {
            x5c: chain.map((c) => c.raw.toString('base64')),
            'io.cncf.notary.signingAgent': 'berth-tests',
            ...(token ? { [TIMESTAMP_HEADER]: token.toString('base64') } : {}),
          },
          signature: signature.toString('base64url'),
        }),
      ),
  };
}

/** The same as a COSE_Sign1 envelope, as notation writes one. */
export function signCose(key: KeyObject, chain: readonly X509Certificate[], signingTime: Date, target: Target = exampleSubject): Signed {
  const payload = Buffer.from(JSON.stringify({ targetArtifact: target }));
  const protectedBytes = encode(
    new Map<unknown, unknown>([
      [1, -7],
      [2, ['io.cncf.notary.signingScheme']],
      [3, NOTATION_PAYLOAD_TYPE],
      ['io.cncf.notary.signingScheme', 'notary.x509'],
      ['io.cncf.notary.signingTime', new Tag(1, Math.floor(signingTime.getTime() / 1000))],
    ]),
  );
  const signed = encode(['Signature1', protectedBytes, new Uint8Array(0), new Uint8Array(payload)]);
  const signature = sign('sha256', signed, { key, dsaEncoding: 'ieee-p1363' });
  return {
    signature,
    envelope: (token) => {
      const unprotected = new Map<unknown, unknown>([[33, chain.map((c) => new Uint8Array(c.raw))]]);
      if (token) unprotected.set(TIMESTAMP_HEADER, new Uint8Array(token));
      return Buffer.from(encode(new Tag(18, [protectedBytes, unprotected, new Uint8Array(payload), new Uint8Array(signature)])));
    },
  };
}
