import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureGroups, GROUP_TYPES } from '../../auth/index.js';
import { api, expectJson } from '../../testing/api.js';
import { basic, TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { CookieJar, jarFetch, signInThroughProvider, startOidcProvider, type TestOidcProvider } from '../../testing/oidc.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { eventually } from '../../testing/wait.js';
import { OidcProviderClient } from './provider.js';

type UserResp = { user_id: number; username: string; email: string; admin_role_in_auth: boolean; oidc_user_meta?: { secret: string; subiss: string } };
type ErrorBody = { errors: Array<{ code: string; message: string }> };

/** Access and ID tokens last this long at the test provider, so the CLI secret's session check has something to refresh. */
const TOKEN_TTL_SECONDS = 2;

async function configureOidc(server: TestServer, provider: TestOidcProvider, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await api(server.url, 'PUT', '/configurations', {
    body: {
      auth_mode: 'oidc_auth',
      oidc_name: 'Test IdP',
      oidc_endpoint: provider.issuer,
      oidc_client_id: provider.clientId,
      oidc_client_secret: provider.clientSecret,
      oidc_scope: 'openid,profile,email,groups',
      oidc_groups_claim: 'groups',
      oidc_admin_group: 'berth-admins',
      oidc_group_filter: '^team-',
      oidc_user_claim: 'preferred_username',
      oidc_auto_onboard: true,
      ...extra,
    },
  });
  assert.equal(res.status, 200, await res.text());
}

/** Signs in through the provider as `login` and answers the session's cookie header. */
async function portalSignIn(server: TestServer, login: string): Promise<{ cookie: string; location: string }> {
  const { jar, callback } = await signInThroughProvider(server.url, login);
  const location = callback.headers.get('location') ?? '';
  return { cookie: jar.header(server.url), location };
}

async function currentUser(server: TestServer, authorization: { cookie?: string; basic?: string }): Promise<Response> {
  return fetch(`${server.url}/api/v2.0/users/current`, {
    headers: authorization.cookie ? { cookie: authorization.cookie } : { authorization: authorization.basic ?? '' },
  });
}

describe('the OIDC provider client', () => {
  it('refuses a provider on a loopback address unless outbound.allowPrivateNetworks is on', async () => {
    const provider = await startOidcProvider({ redirectUris: ['http://127.0.0.1:1/c/oidc/callback'] });
    try {
      await assert.rejects(new OidcProviderClient(false).discover(provider.issuer, true), /private networks are refused unless outbound.allowPrivateNetworks/);
      const discovered = await new OidcProviderClient(true).discover(provider.issuer, true);
      assert.equal(discovered.serverMetadata().issuer, provider.issuer);
    } finally {
      await provider.close();
    }
  });
});

for (const dialect of testDialects()) {
  describe(`OIDC sign-in (${dialect.name})`, () => {
    let server: TestServer;
    let provider: TestOidcProvider;

    before(async () => {
      server = await startTestServer(dialect, { outbound: { allowPrivateNetworks: true } });
      provider = await startOidcProvider({ redirectUris: [`${server.url}/c/oidc/callback`], accessTokenTtlSeconds: TOKEN_TTL_SECONDS });
      provider.accounts.set('alice-sub', { preferred_username: 'alice', name: 'Alice Liddell', email: 'alice@example.com', groups: ['team-dev', 'outsiders'] });
      provider.accounts.set('bob-sub', { preferred_username: 'bob', groups: ['berth-admins'] });
      provider.accounts.set('carol-sub', { preferred_username: 'carol', groups: [] });
      provider.accounts.set('dave-sub', { groups: [] });
      provider.accounts.set('mallory-sub', { preferred_username: 'alice', groups: [] });
      await configureOidc(server, provider);
    });
    after(async () => {
      await server?.close();
      await provider?.close();
    });

    it('POST /system/oidc/ping reads the discovery document, and says clearly why one cannot be read', async () => {
      const ok = await api(server.url, 'POST', '/system/oidc/ping', { body: { url: provider.issuer, verify_cert: true } });
      assert.equal(ok.status, 200, await ok.text());
      const nothing = await api(server.url, 'POST', '/system/oidc/ping', { body: { url: 'http://127.0.0.1:1/nothing' } });
      const body = await expectJson<ErrorBody>(nothing, 400);
      assert.match(body.errors[0]?.message ?? '', /could not be discovered/);
      const notUrl = await expectJson<ErrorBody>(await api(server.url, 'POST', '/system/oidc/ping', { body: { url: 'not a url' } }), 400);
      assert.match(notUrl.errors[0]?.message ?? '', /is not a URL/);
      assert.equal((await api(server.url, 'POST', '/system/oidc/ping', { authorization: null, body: { url: provider.issuer } })).status, 401);
    });

    it('tells the sign-in page the mode and the provider name without signing in', async () => {
      const info = await expectJson<{ auth_mode: string; oidc_provider_name?: string }>(await api(server.url, 'GET', '/systeminfo', { authorization: null }), 200);
      assert.equal(info.auth_mode, 'oidc_auth');
      assert.equal(info.oidc_provider_name, 'Test IdP');
    });

    it('refuses a group filter that cannot match in linear time', async () => {
      const res = await api(server.url, 'PUT', '/configurations', { body: { oidc_group_filter: '(a)\\1' } });
      const body = await expectJson<ErrorBody>(res, 400);
      assert.match(body.errors[0]?.message ?? '', /linear time/);
    });

    it('onboards a new user from the user claim, records the filtered groups, and the group gives its project role', async () => {
      // A project whose members include the OIDC group team-dev as developer (the /usergroups API comes with the groups work).
      const created = await api(server.url, 'POST', '/projects', { body: { project_name: 'oidc-team', metadata: { public: 'false' } } });
      assert.equal(created.status, 201, await created.text());
      const project = await expectJson<{ project_id: number }>(await api(server.url, 'GET', '/projects/oidc-team'), 200);
      const db = server.database.db;
      const [groupId] = await ensureGroups(db, [{ type: GROUP_TYPES.oidc, name: 'team-dev' }], Date.now());
      await db
        .insertInto('project_members')
        .values({
          project_id: project.project_id,
          entity_type: 'g',
          entity_id: groupId ?? 0,
          role: 2,
          repository_patterns: null,
          created_at: Date.now(),
          updated_at: Date.now(),
        })
        .execute();

      const { cookie, location } = await portalSignIn(server, 'alice-sub');
      assert.equal(location, '/');
      const me = await expectJson<UserResp>(await currentUser(server, { cookie }), 200);
      assert.equal(me.username, 'alice');
      assert.equal(me.email, 'alice@example.com');
      assert.equal(me.admin_role_in_auth, false);
      const secret = me.oidc_user_meta?.secret ?? '';
      assert.match(secret, /^[A-Za-z0-9]{32}$/);
      assert.equal(me.oidc_user_meta?.subiss, `alice-sub${provider.issuer}`);

      const groups = await db
        .selectFrom('user_group_members')
        .innerJoin('user_groups', 'user_groups.id', 'user_group_members.group_id')
        .select('user_groups.group_name')
        .where('user_group_members.user_id', '=', me.user_id)
        .execute();
      assert.deepEqual(
        groups.map((g) => g.group_name),
        ['team-dev'],
        'the filter ^team- kept team-dev and dropped outsiders',
      );

      // The CLI secret is alice's password for the registry: her group makes her a developer of oidc-team.
      const client = new TestClient(server.url, basic('alice', secret));
      await client.pushBlob('oidc-team/app', new TextEncoder().encode('pushed by a group member'));
      const outsider = await fetch(`${server.url}/service/token?service=berth-registry&scope=repository:library/x:push`, {
        headers: { authorization: basic('alice', secret) },
      });
      const token = (await outsider.json()) as { token: string };
      const claims = JSON.parse(Buffer.from(token.token.split('.')[1] ?? '', 'base64url').toString()) as { access: Array<{ actions: string[] }> };
      assert.deepEqual(
        claims.access.flatMap((a) => a.actions),
        [],
        'no push to a project her groups are not members of',
      );
    });

    it('signs a known user in again without onboarding, and checks the CLI secret as the Basic password', async () => {
      const { cookie, location } = await portalSignIn(server, 'alice-sub');
      assert.equal(location, '/');
      const me = await expectJson<UserResp>(await currentUser(server, { cookie }), 200);
      const secret = me.oidc_user_meta?.secret ?? '';
      assert.equal((await currentUser(server, { basic: basic('alice', secret) })).status, 200);
      assert.equal((await currentUser(server, { basic: basic('alice', 'Wrong-secret-1') })).status, 401);
      // The local admin keeps signing in with the local password in oidc_auth mode.
      assert.equal((await api(server.url, 'GET', '/users/current')).status, 200);
    });

    it('PUT /users/{id}/cli_secret sets a new secret by Harbor’s rule, for the user themself or an administrator', async () => {
      const { cookie } = await portalSignIn(server, 'alice-sub');
      const me = await expectJson<UserResp>(await currentUser(server, { cookie }), 200);
      const old = me.oidc_user_meta?.secret ?? '';
      const asAlice = basic('alice', old);
      const weak = await api(server.url, 'PUT', `/users/${me.user_id}/cli_secret`, { authorization: asAlice, body: { secret: 'short' } });
      assert.match((await expectJson<ErrorBody>(weak, 400)).errors[0]?.message ?? '', /CLI secret must be 8 to 128 characters/);
      const set = await api(server.url, 'PUT', `/users/${me.user_id}/cli_secret`, { authorization: asAlice, body: { secret: 'Chosen-Secret-42' } });
      assert.equal(set.status, 200, await set.text());
      assert.equal((await currentUser(server, { basic: asAlice })).status, 401, 'the old secret stops working at once');
      assert.equal((await currentUser(server, { basic: basic('alice', 'Chosen-Secret-42') })).status, 200);

      // Bob (an OIDC user, not an admin yet) may not set alice's.
      provider.accounts.set('bob-sub', { preferred_username: 'bob', groups: [] });
      const bob = await portalSignIn(server, 'bob-sub');
      const bobMe = await expectJson<UserResp>(await currentUser(server, { cookie: bob.cookie }), 200);
      const asBob = basic('bob', bobMe.oidc_user_meta?.secret ?? '');
      const denied = await api(server.url, 'PUT', `/users/${me.user_id}/cli_secret`, { authorization: asBob, body: { secret: 'Bobs-Choice-42' } });
      assert.equal(denied.status, 403);
      // The administrator may; the local admin has no CLI secret to set.
      assert.equal((await api(server.url, 'PUT', `/users/${me.user_id}/cli_secret`, { body: { secret: 'Admin-Reset-42' } })).status, 200);
      const adminId = (await expectJson<UserResp>(await api(server.url, 'GET', '/users/current'), 200)).user_id;
      assert.equal((await api(server.url, 'PUT', `/users/${adminId}/cli_secret`, { body: { secret: 'Admin-Reset-42' } })).status, 400);
    });

    it('makes a member of the admin group a system administrator, until a sign-in without it', async () => {
      provider.accounts.set('bob-sub', { preferred_username: 'bob', groups: ['berth-admins'] });
      const first = await portalSignIn(server, 'bob-sub');
      const me = await expectJson<UserResp>(await currentUser(server, { cookie: first.cookie }), 200);
      assert.equal(me.admin_role_in_auth, true);
      const asBob = basic('bob', me.oidc_user_meta?.secret ?? '');
      assert.equal((await api(server.url, 'GET', '/users', { authorization: asBob })).status, 200);

      provider.accounts.set('bob-sub', { preferred_username: 'bob', groups: [] });
      const again = await portalSignIn(server, 'bob-sub');
      assert.equal((await expectJson<UserResp>(await currentUser(server, { cookie: again.cookie }), 200)).admin_role_in_auth, false);
      assert.equal((await api(server.url, 'GET', '/users', { authorization: asBob })).status, 403);
    });

    it('refuses auto-onboarding clearly when the user claim is missing or the name is taken', async () => {
      const missing = await portalSignIn(server, 'dave-sub');
      const missingError = new URL(missing.location, server.url);
      assert.equal(missingError.pathname, '/sign-in');
      assert.match(missingError.searchParams.get('oidc_error') ?? '', /no "preferred_username" claim/);
      const taken = await portalSignIn(server, 'mallory-sub');
      assert.match(new URL(taken.location, server.url).searchParams.get('oidc_error') ?? '', /username "alice" is taken/);
    });

    it('without auto-onboarding, asks for a username and refuses a taken one', async () => {
      await configureOidc(server, provider, { oidc_auto_onboard: false });
      try {
        const { jar, callback } = await signInThroughProvider(server.url, 'carol-sub');
        const onboarding = new URL(callback.headers.get('location') ?? '', server.url);
        assert.equal(onboarding.pathname, '/oidc-onboard');
        assert.equal(onboarding.searchParams.get('username'), 'carol');
        const onboard = (username: string) =>
          jarFetch(jar, `${server.url}/c/oidc/onboard`, { method: 'POST', contentType: 'application/json', body: JSON.stringify({ username }) });
        const taken = await onboard('alice');
        assert.equal(taken.status, 409);
        assert.match(((await taken.json()) as ErrorBody).errors[0]?.message ?? '', /taken/);
        assert.equal((await onboard('bad,name')).status, 400);
        const done = await onboard('carol-c');
        assert.equal(done.status, 200, await done.text());
        const me = await expectJson<UserResp>(await currentUser(server, { cookie: jar.header(server.url) }), 200);
        assert.equal(me.username, 'carol-c');
        // The waiting sign-in is used up.
        assert.equal((await onboard('carol-d')).status, 400);
      } finally {
        await configureOidc(server, provider);
      }
    });

    it('keeps the CLI secret working when the provider can no longer refresh the session (unlike Harbor)', async () => {
      provider.accounts.set('erin-sub', { preferred_username: 'erin', groups: [] });
      const { cookie } = await portalSignIn(server, 'erin-sub');
      const secret = (await expectJson<UserResp>(await currentUser(server, { cookie }), 200)).oidc_user_meta?.secret ?? '';
      provider.accounts.set('erin-sub', { preferred_username: 'erin', groups: [], disabled: true });
      await new Promise((resolve) => setTimeout(resolve, TOKEN_TTL_SECONDS * 1000 + 500));
      assert.equal((await currentUser(server, { basic: basic('erin', secret) })).status, 200);
    });

    it('says why a sign-in failed when the provider sends the browser back with an error', async () => {
      const jar = new CookieJar();
      const login = await jarFetch(jar, `${server.url}/c/oidc/login`);
      const state = new URL(login.headers.get('location') ?? '').searchParams.get('state') ?? '';
      const back = await jarFetch(jar, `${server.url}/c/oidc/callback?error=access_denied&error_description=denied+by+policy&state=${state}`);
      assert.match(new URL(back.headers.get('location') ?? '', server.url).searchParams.get('oidc_error') ?? '', /access_denied: denied by policy/);
      // A callback without the login's cookie (another browser, or too late).
      const stranger = await fetch(`${server.url}/c/oidc/callback?code=x&state=${state}`, { redirect: 'manual' });
      assert.match(new URL(stranger.headers.get('location') ?? '', server.url).searchParams.get('oidc_error') ?? '', /sign in again/);
    });
  });

  describe(`OIDC CLI secrets tied to the provider's session (${dialect.name})`, () => {
    let server: TestServer;
    let provider: TestOidcProvider;

    before(async () => {
      server = await startTestServer(dialect, { outbound: { allowPrivateNetworks: true }, auth: { oidcCliSecretNeedsSession: true } });
      provider = await startOidcProvider({ redirectUris: [`${server.url}/c/oidc/callback`], accessTokenTtlSeconds: TOKEN_TTL_SECONDS });
      provider.accounts.set('frank-sub', { preferred_username: 'frank', groups: [] });
      await configureOidc(server, provider);
    });
    after(async () => {
      await server?.close();
      await provider?.close();
    });

    it('renews the session with the refresh token, and refuses the CLI secret with a clear message once the provider refuses', async () => {
      const { cookie } = await portalSignIn(server, 'frank-sub');
      const secret = (await expectJson<UserResp>(await currentUser(server, { cookie }), 200)).oidc_user_meta?.secret ?? '';
      const asFrank = basic('frank', secret);
      // Past the access token's life: the refresh token renews it and the secret still works.
      await new Promise((resolve) => setTimeout(resolve, TOKEN_TTL_SECONDS * 1000 + 500));
      assert.equal((await currentUser(server, { basic: asFrank })).status, 200);

      // The account is disabled at the provider: once the token runs out the refresh is refused.
      provider.accounts.set('frank-sub', { preferred_username: 'frank', groups: [], disabled: true });
      const refused = await eventually(async () => {
        const res = await currentUser(server, { basic: asFrank });
        return res.status === 401 ? ((await res.json()) as ErrorBody) : undefined;
      });
      assert.equal(refused.errors[0]?.message, 'your OIDC session has expired: sign in to the portal again');
      const token = await fetch(`${server.url}/service/token?service=berth-registry&scope=repository:library/x:pull`, { headers: { authorization: asFrank } });
      assert.equal(token.status, 401);
      assert.match(await token.text(), /your OIDC session has expired/);

      // Enabled again and signed in to the portal: the secret works again.
      provider.accounts.set('frank-sub', { preferred_username: 'frank', groups: [] });
      await portalSignIn(server, 'frank-sub');
      assert.equal((await currentUser(server, { basic: asFrank })).status, 200);
    });
  });
}
