/**
 * A real OpenLDAP server (Debian's slapd) for the LDAP tests: a temporary directory, a random
 * port, a slapd.conf, the directory loaded with slapadd before start, and a CA the test makes
 * for ldaps:// and StartTLS. Without slapd installed the tests skip (except with CI=true);
 * a slapd that is installed but cannot start fails the test with its own words.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Change, Attribute, Client } from 'ldapts';

export const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';

export const BASE_DN = 'dc=example,dc=org';
export const PEOPLE_DN = `ou=people,${BASE_DN}`;
export const GROUPS_DN = `ou=groups,${BASE_DN}`;
export const ROOT_DN = `cn=admin,${BASE_DN}`;
export const ROOT_PASSWORD = 'root-secret';
/** The account Berth searches with (`ldap_search_dn`). */
export const READER_DN = `cn=reader,${BASE_DN}`;
export const READER_PASSWORD = 'reader-secret';

export const userDn = (uid: string): string => `uid=${uid},${PEOPLE_DN}`;
export const groupDn = (cn: string): string => `cn=${cn},${GROUPS_DN}`;
/** Every test user's password is `<uid>-pass`. */
export const passwordOf = (uid: string): string => `${uid}-pass`;

/**
 * The `skip` option of an LDAP suite: outside CI a machine without slapd skips with a reason;
 * with CI=true it never skips, so the suite fails instead of passing silently.
 */
export function skipUnlessSlapd(): string | false {
  if (process.env.CI === 'true') return false;
  try {
    accessSync(SLAPD, constants.X_OK);
    return false;
  } catch {
    return 'slapd is not installed (apt-get install slapd ldap-utils)';
  }
}

export interface DirectoryUser {
  uid: string;
  cn?: string;
  mail?: string;
}

export interface DirectoryGroup {
  cn: string;
  /** Users' uids or other groups' cns (nested groups), as `{ group: 'cn' }`. */
  members: Array<string | { group: string }>;
}

export interface SlapdOptions {
  users: DirectoryUser[];
  groups: DirectoryGroup[];
}

function memberDn(member: string | { group: string }): string {
  return typeof member === 'string' ? userDn(member) : groupDn(member.group);
}

function ldif(options: SlapdOptions): string {
  const entries = [
    `dn: ${BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
    `dn: ${READER_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: reader\nuserPassword: ${READER_PASSWORD}`,
    `dn: ${PEOPLE_DN}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ${GROUPS_DN}\nobjectClass: organizationalUnit\nou: groups`,
    `dn: ou=policies,${BASE_DN}\nobjectClass: organizationalUnit\nou: policies`,
    // ppolicy's default policy: an account with pwdAccountLockedTime cannot bind.
    `dn: cn=default,ou=policies,${BASE_DN}\nobjectClass: organizationalRole\nobjectClass: pwdPolicy\ncn: default\npwdAttribute: userPassword\npwdLockout: TRUE`,
    ...options.users.map(
      (u) =>
        `dn: ${userDn(u.uid)}\nobjectClass: inetOrgPerson\nuid: ${u.uid}\ncn: ${u.cn ?? u.uid}\nsn: ${u.uid}\n` +
        `mail: ${u.mail ?? `${u.uid}@example.org`}\nuserPassword: ${passwordOf(u.uid)}`,
    ),
    ...options.groups.map((g) => `dn: ${groupDn(g.cn)}\nobjectClass: groupOfNames\ncn: ${g.cn}\n${g.members.map((m) => `member: ${memberDn(m)}`).join('\n')}`),
  ];
  return `${entries.join('\n\n')}\n`;
}

function slapdConf(dir: string, tls: { ca: string; cert: string; key: string }): string {
  return [
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    'include /etc/ldap/schema/nis.schema',
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload ppolicy',
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    `TLSCACertificateFile ${tls.ca}`,
    `TLSCertificateFile ${tls.cert}`,
    `TLSCertificateKeyFile ${tls.key}`,
    'database mdb',
    `suffix "${BASE_DN}"`,
    `rootdn "${ROOT_DN}"`,
    `rootpw ${ROOT_PASSWORD}`,
    `directory ${join(dir, 'db')}`,
    'maxsize 104857600',
    'overlay ppolicy',
    `ppolicy_default "cn=default,ou=policies,${BASE_DN}"`,
    'access to attrs=userPassword by self write by anonymous auth by * none',
    'access to * by * read',
    '',
  ].join('\n');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function runSync(cmd: string, args: string[]): void {
  const result = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
}

/** A CA and a server certificate for 127.0.0.1 and localhost, made with openssl. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.pem');
  const ext = join(dir, 'server.ext');
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  runSync('openssl', ['req', '-x509', ...ecKey, '-keyout', caKey, '-out', ca, '-days', '2', '-subj', '/CN=Berth LDAP test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']); // prettier-ignore
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n');
  runSync('openssl', ['req', ...ecKey, '-keyout', key, '-out', csr, '-subj', '/CN=localhost']);
  runSync('openssl', ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-set_serial', '0x1d', '-days', '2', '-extfile', ext, '-out', cert]);
  return { ca, cert, key };
}

export class Slapd {
  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    /** ldap://127.0.0.1:port (StartTLS available). */
    readonly url: string,
    /** ldaps://localhost:port. */
    readonly ldapsUrl: string,
    /** The PEM file of the CA that signed the server's certificate. */
    readonly caFile: string,
    private readonly output: () => string,
  ) {}

  static async start(options: SlapdOptions): Promise<Slapd> {
    const dir = mkdtempSync(join(tmpdir(), 'berth-slapd-'));
    mkdirSync(join(dir, 'db'));
    const tls = makeCertificates(dir);
    const conf = join(dir, 'slapd.conf');
    writeFileSync(conf, slapdConf(dir, tls));
    writeFileSync(join(dir, 'data.ldif'), ldif(options));
    runSync(SLAPADD, ['-f', conf, '-l', join(dir, 'data.ldif')]);
    const [port, tlsPort] = [await freePort(), await freePort()];
    const url = `ldap://127.0.0.1:${port}`;
    const ldapsUrl = `ldaps://localhost:${tlsPort}`;
    // -d keeps slapd in the foreground, a child of the test that ends with it.
    const child = spawn(SLAPD, ['-f', conf, '-h', `${url}/ ldaps://127.0.0.1:${tlsPort}/`, '-d', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const slapd = new Slapd(child, dir, url, ldapsUrl, tls.ca, () => output);
    try {
      await slapd.waitReady();
    } catch (err) {
      // The caller never gets it to stop: left running, it would keep the test process alive.
      await slapd.stop();
      throw err;
    }
    return slapd;
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`slapd exited (${this.child.exitCode ?? this.child.signalCode}) before serving: ${this.output().trim()}`);
      }
      try {
        await this.withRoot(async () => undefined);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`slapd did not answer within 15 s: ${String(error)}; output: ${this.output().trim()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Runs `work` with a client bound as the directory's root. */
  async withRoot<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ url: this.url, timeout: 5000, connectTimeout: 2000 });
    try {
      await client.bind(ROOT_DN, ROOT_PASSWORD);
      return await work(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  async addUser(user: DirectoryUser): Promise<void> {
    await this.withRoot((c) =>
      c.add(userDn(user.uid), {
        objectClass: 'inetOrgPerson',
        uid: user.uid,
        cn: user.cn ?? user.uid,
        sn: user.uid,
        mail: user.mail ?? `${user.uid}@example.org`,
        userPassword: passwordOf(user.uid),
      }),
    );
  }

  async addMember(group: string, member: string | { group: string }): Promise<void> {
    await this.withRoot((c) =>
      c.modify(groupDn(group), new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [memberDn(member)] }) })),
    );
  }

  async removeMember(group: string, member: string | { group: string }): Promise<void> {
    await this.withRoot((c) =>
      c.modify(groupDn(group), new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [memberDn(member)] }) })),
    );
  }

  /** Locks the account as ppolicy does for good (the administrator's lock): it can no longer bind. */
  async lock(uid: string): Promise<void> {
    await this.withRoot((c) =>
      c.modify(userDn(uid), new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }) })),
    );
  }

  async unlock(uid: string): Promise<void> {
    await this.withRoot((c) =>
      c.modify(userDn(uid), new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdAccountLockedTime', values: [] }) })),
    );
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
