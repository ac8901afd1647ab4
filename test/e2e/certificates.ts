/**
 * Test certificates made with openssl at test time: a private CA and server certificates it
 * signs for 127.0.0.1 and localhost (as subject alternative names, which Go clients require).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './harness.js';

export interface TestCa {
  dir: string;
  /** The CA certificate, to trust (skopeo/podman --cert-dir take a directory holding it as ca.crt). */
  cert: string;
  key: string;
  /** A directory holding only ca.crt, for --cert-dir. */
  certDir: string;
}

export interface ServerCertificate {
  cert: string;
  key: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function makeTestCa(dir: string): Promise<TestCa> {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, 'ca.pem');
  const key = join(dir, 'ca.key');
  await run('openssl', [
    'req', '-x509', ...EC_KEY, '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=Berth e2e test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]); // prettier-ignore
  const certDir = join(dir, 'trust');
  mkdirSync(certDir, { recursive: true });
  await run('cp', [cert, join(certDir, 'ca.crt')]);
  return { dir, cert, key, certDir };
}

/** A server certificate for 127.0.0.1 and localhost, with the given serial number (hex). */
export async function issueServerCertificate(ca: TestCa, name: string, serialHex: string): Promise<ServerCertificate> {
  const key = join(ca.dir, `${name}.key`);
  const csr = join(ca.dir, `${name}.csr`);
  const cert = join(ca.dir, `${name}.crt`);
  const ext = join(ca.dir, `${name}.ext`);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['req', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${serialHex}`, '-days', '2', '-extfile', ext, '-out', cert]);
  return { cert, key };
}
