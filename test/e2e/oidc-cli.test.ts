/**
 * An OIDC user's CLI secret with real clients: the user signs in once through a real OpenID
 * provider (`oidc-provider`, started here), reads their CLI secret, and skopeo and podman log in
 * with it, push and pull; the old secret stops working once a new one is set; the local admin
 * keeps their password.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { basic } from '../../src/testing/client.js';
import { signInThroughProvider, startOidcProvider, type TestOidcProvider } from '../../src/testing/oidc.js';
import { ADMIN_PASSWORD, ADMIN_USER, ClientEnv, makeTempDir, RegistryServer, removeDir, requireTools, skipUnlessTools, TARGET, umociImage } from './harness.js';

const TOOLS = ['skopeo', 'podman', 'umoci'];

describe('OIDC CLI secrets with skopeo and podman', { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools(...TOOLS), timeout: 240_000 }, () => {
  let server: RegistryServer;
  let provider: TestOidcProvider;
  let work: string;
  let client: ClientEnv;
  let secret: string;
  const admin = basic(ADMIN_USER, ADMIN_PASSWORD);

  const asAdmin = async (method: string, path: string, body: unknown): Promise<void> => {
    const res = await fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: admin, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.text()}`);
  };

  before(async () => {
    requireTools(...TOOLS);
    server = await RegistryServer.start({ BERTH_OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true' });
    provider = await startOidcProvider({ redirectUris: [`${server.url}/c/oidc/callback`] });
    provider.accounts.set('alice-sub', { preferred_username: 'alice', groups: ['team-dev'] });
    await asAdmin('PUT', '/configurations', {
      auth_mode: 'oidc_auth',
      oidc_endpoint: provider.issuer,
      oidc_client_id: provider.clientId,
      oidc_client_secret: provider.clientSecret,
      oidc_scope: 'openid,profile,groups',
      oidc_groups_claim: 'groups',
      oidc_user_claim: 'preferred_username',
      oidc_auto_onboard: true,
    });
    await asAdmin('POST', '/projects', { project_name: 'oidc-cli', metadata: { public: 'false' } });
    // Alice signs in once through the provider: that onboards her and gives her a CLI secret.
    const { jar } = await signInThroughProvider(server.url, 'alice-sub');
    const me = (await (await fetch(`${server.url}/api/v2.0/users/current`, { headers: { cookie: jar.header(server.url) } })).json()) as {
      oidc_user_meta?: { secret: string };
    };
    secret = me.oidc_user_meta?.secret ?? '';
    assert.match(secret, /^[A-Za-z0-9]{32}$/);
    await asAdmin('POST', '/projects/oidc-cli/members', { role_id: 2, member_user: { username: 'alice' } });
    work = makeTempDir('oidc-cli');
    client = new ClientEnv(join(work, 'client'), server.host);
  });

  after(async () => {
    await server?.stop();
    await provider?.close();
    if (work) removeDir(work);
  });

  test('skopeo logs in with the CLI secret, pushes and pulls', async () => {
    const login = await client.skopeo(['login', '--tls-verify=false', '-u', 'alice', '-p', secret, server.host]);
    assert.match(login.stdout, /Login Succeeded/);
    const layout = join(work, 'layout');
    await umociImage(client, layout, 'v1', { 'etc/greeting': 'hello from an OIDC user\n' });
    await client.skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${server.host}/oidc-cli/app:v1`]);
    const inspected = JSON.parse((await client.skopeo(['inspect', '--tls-verify=false', `docker://${server.host}/oidc-cli/app:v1`])).stdout) as {
      RepoTags: string[];
    };
    assert.deepEqual(inspected.RepoTags, ['v1']);
    const refused = await client.skopeo(['login', '--tls-verify=false', '-u', 'alice', '-p', 'Not-the-secret-1', server.host], { allowFail: true });
    assert.notEqual(refused.code, 0);
  });

  test('podman logs in with the CLI secret, pulls and pushes another tag', async () => {
    const login = await client.podman(['login', '--tls-verify=false', '-u', 'alice', '-p', secret, server.host]);
    assert.match(login.stdout, /Login Succeeded/);
    await client.podman(['pull', '--tls-verify=false', `${server.host}/oidc-cli/app:v1`]);
    await client.podman(['tag', `${server.host}/oidc-cli/app:v1`, `${server.host}/oidc-cli/app:v2`]);
    await client.podman(['push', '--tls-verify=false', `${server.host}/oidc-cli/app:v2`]);
    const tags = (await (await fetch(`${server.url}/v2/oidc-cli/app/tags/list`, { headers: { authorization: basic('alice', secret) } })).json()) as {
      tags: string[];
    };
    assert.deepEqual(tags.tags.sort(), ['v1', 'v2']);
  });

  test('a new CLI secret replaces the old one for podman; the local admin keeps the password', async () => {
    const me = (await (await fetch(`${server.url}/api/v2.0/users/current`, { headers: { authorization: basic('alice', secret) } })).json()) as { user_id: number };
    const set = await fetch(`${server.url}/api/v2.0/users/${me.user_id}/cli_secret`, {
      method: 'PUT',
      headers: { authorization: basic('alice', secret), 'content-type': 'application/json' },
      body: JSON.stringify({ secret: 'Alice-New-Secret-7' }),
    });
    assert.equal(set.status, 200, await set.text());
    await client.podman(['logout', '--all']);
    const old = await client.podman(['login', '--tls-verify=false', '-u', 'alice', '-p', secret, server.host], { allowFail: true });
    assert.notEqual(old.code, 0);
    const fresh = await client.podman(['login', '--tls-verify=false', '-u', 'alice', '-p', 'Alice-New-Secret-7', server.host]);
    assert.match(fresh.stdout, /Login Succeeded/);
    const adminLogin = await client.skopeo(['login', '--tls-verify=false', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host]);
    assert.match(adminLogin.stdout, /Login Succeeded/);
  });
});
