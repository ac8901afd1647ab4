/**
 * Content trust in the portal, in a real browser against a real `berth serve`: the project admin
 * turns on cosign content trust and "require a verified signature" in the project's Configuration
 * page, and a pull of an image signed with a key the project does not trust is refused with 412;
 * the key's public half added in the Signing tab lets the pull through and the artifact's
 * Signatures tab shows the signature verified by that key; deleting the key makes it "Not
 * verified" with the reason. An administrator adds system-wide keys, which projects list as also
 * trusted; a developer sees the Signing tab read-only; the pages in Chinese have no English left.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page, Response as PlaywrightResponse } from 'playwright-core';
import { basic, OCI_MANIFEST, TestClient } from '../../src/testing/client.js';
import { pushCosignSignature } from '../../src/trust/testing/cosign-signature.suite.js';
import { TestSigstore } from '../../src/trust/testing/sigstore.suite.js';
import { assertNoEnglish, chooseOption, dialogSettled, launchBrowser, motionSettled, openPortalPage, startPortalServer } from './browser.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, skipUnlessTools, TARGET } from './harness.js';

const PROJECT = 'portal-trust-e2e';
const DEVELOPER = 'trust-developer';
const DEVELOPER_PASSWORD = 'Developer-passw0rd';

function skipReason(): string | false {
  if (TARGET !== 'berth') return 'Berth-only';
  return skipUnlessTools('chromium');
}

function fingerprintOf(key: KeyObject): string {
  return `sha256:${createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`;
}

describe('content trust in the portal', { skip: skipReason(), timeout: 120_000 }, () => {
  let server: RegistryServer;
  let browser: Browser;
  let page: Page;
  let projectId = 0;
  let registry: TestClient;
  let imageDigest = '';
  const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicPem = signing.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const fingerprint = fingerprintOf(signing.publicKey);
  const shortFingerprint = `${fingerprint.slice(0, 'sha256:'.length + 12)}…`;

  const api = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: basic(ADMIN_USER, ADMIN_PASSWORD), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return res;
  };
  const pullManifest = () => registry.request('GET', `/v2/${PROJECT}/app/manifests/v1`, { headers: { accept: OCI_MANIFEST } });
  const repositoryPage = () => `${server.url}/projects/${projectId}/repositories/app`;
  const signaturesPage = () => `${server.url}/projects/${projectId}/repositories/app/-/artifacts/${encodeURIComponent(imageDigest)}?tab=signatures`;

  before(async () => {
    server = await startPortalServer();
    await api('POST', '/projects', { project_name: PROJECT });
    projectId = ((await (await api('GET', `/projects/${PROJECT}`)).json()) as { project_id: number }).project_id;
    await api('POST', '/users', { username: DEVELOPER, password: DEVELOPER_PASSWORD, email: `${DEVELOPER}@example.com`, realname: 'Developer' });
    await api('POST', `/projects/${PROJECT}/members`, { role_id: 2, member_user: { username: DEVELOPER } });
    registry = new TestClient(server.url, basic(ADMIN_USER, ADMIN_PASSWORD));
    imageDigest = (await registry.pushImage(`${PROJECT}/app`, 'v1')).digest;
    await pushCosignSignature(registry, `${PROJECT}/app`, imageDigest, { privateKey: signing.privateKey });
    browser = await launchBrowser();
    page = await openPortalPage(browser, server, { signInAs: { username: ADMIN_USER, password: ADMIN_PASSWORD } });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('cosign content trust and "require a verified signature", saved in the Configuration page, refuse the pull with 412', async () => {
    await page.goto(`${server.url}/projects/${projectId}/configuration`);
    await page.getByLabel('Cosign: prevent unsigned images from being pulled').click();
    await page.getByLabel("Require a verified signature (checked against the project's trusted keys)").click();
    assert.equal(await page.getByLabel('Notation: prevent unsigned images from being pulled').isChecked(), false);
    const [answer] = await Promise.all([
      page.waitForResponse((res) => res.request().method() === 'PUT' && res.url().endsWith(`/api/v2.0/projects/${projectId}`)),
      page.getByTestId('save-config').click(),
    ]);
    assert.equal(answer.status(), 200);
    await page.getByText('Configuration saved').waitFor();
    const project = (await (await api('GET', `/projects/${PROJECT}`)).json()) as { metadata: Record<string, string> };
    assert.equal(project.metadata.enable_content_trust_cosign, 'true');
    assert.equal(project.metadata.require_verified_signature, 'true');
    assert.equal(project.metadata.enable_content_trust, 'false');

    const refused = await pullManifest();
    assert.equal(refused.status, 412);
    const { errors } = (await refused.json()) as { errors: Array<{ message: string }> };
    assert.match(errors[0]?.message ?? '', /no cosign signature that verifies against the project's trusted keys/);
  });

  test('the public key added in the Signing tab lets the pull through; a bad PEM is refused with the API’s message', async () => {
    await page.getByRole('tab', { name: 'Signing' }).click();
    const material = page.getByTestId('project-trust-material');
    await material.getByText('No keys or certificates').waitFor();
    await page.getByTestId('project-trust-material-add').click();
    await dialogSettled(page);
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('release');
    await dialog.getByLabel('PEM').fill('-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----');
    const isMaterialPost = (res: PlaywrightResponse) => res.request().method() === 'POST' && res.url().endsWith('/trust/material');
    const [refused] = await Promise.all([page.waitForResponse(isMaterialPost), dialog.getByRole('button', { name: 'Add' }).click()]);
    assert.equal(refused.status(), 400, await refused.text());
    assert.match((await dialog.getByTestId('add-material-error').textContent()) ?? '', /not a PEM public key/);
    await dialog.getByLabel('PEM').fill(publicPem);
    const [added] = await Promise.all([page.waitForResponse(isMaterialPost), dialog.getByRole('button', { name: 'Add' }).click()]);
    assert.equal(added.status(), 201, await added.text());
    await dialog.waitFor({ state: 'hidden' });

    const row = material.getByRole('row', { name: /release/ });
    await row.getByText('Cosign public key').waitFor();
    await row.getByText(shortFingerprint).waitFor();
    await row.getByRole('cell', { name: ADMIN_USER, exact: true }).waitFor();
    const pulled = await pullManifest();
    assert.equal(pulled.status, 200, await pulled.text());
  });

  test("the artifacts table shows the image as Verified, and its Signatures tab the signature verified by the key's fingerprint", async () => {
    await page.goto(repositoryPage());
    await page.getByTestId('signed-verified').getByText('Verified').waitFor();
    await page.goto(signaturesPage());
    const signatures = page.getByTestId('signatures');
    await signatures.getByTestId('signature-verified').waitFor();
    assert.equal(await signatures.getByTestId('signature-verified').textContent(), 'Verified');
    await signatures.getByText('cosign', { exact: true }).waitFor();
    await signatures.getByText(shortFingerprint).waitFor();
  });

  test('deleting the key in the Signing tab makes the signature "Not verified", with the reason, and the pull is refused again', async () => {
    await page.goto(`${server.url}/projects/${projectId}/signing`);
    await page.getByTestId('delete-material-release').click();
    await motionSettled(page, '.ant-popover');
    await page.getByRole('tooltip').getByRole('button', { name: 'Delete' }).click();
    await page.getByTestId('project-trust-material').getByText('No keys or certificates').waitFor();
    assert.equal((await pullManifest()).status, 412);

    await page.goto(signaturesPage());
    const signatures = page.getByTestId('signatures');
    assert.equal(await signatures.getByTestId('signature-unverified').textContent(), 'Not verified');
    assert.equal(await signatures.getByTestId('signature-reason').textContent(), 'no cosign public key is trusted');
    assert.equal(await signatures.getByTestId('signature-verified').count(), 0);
    await page.goto(repositoryPage());
    assert.equal(await page.getByTestId('signed-unverified').textContent(), '(unverified)');
    assert.equal(await page.getByTestId('signed').textContent(), 'Signed');
  });

  test("a key an administrator adds in Administration → Configuration is trusted in every project, listed in the project's Signing tab", async () => {
    await page.goto(`${server.url}/admin/configuration`);
    const system = page.getByTestId('system-trust');
    await system.getByText('No keys or certificates').waitFor();
    await page.getByTestId('system-trust-material-add').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('company');
    await dialog.getByLabel('PEM').fill(publicPem);
    await dialog.getByRole('button', { name: 'Add' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await system
      .getByRole('row', { name: /company/ })
      .getByText(shortFingerprint)
      .waitFor();
    // The system's policy is saved from the same card.
    await system.getByLabel('Require a Rekor transparency log entry').click();
    await page.getByTestId('save-system-trust-policy').click();
    await page.getByText('Verification policy saved').waitFor();
    const policy = (await (await api('GET', '/system/trust/policy')).json()) as { require_log_entry: boolean };
    assert.equal(policy.require_log_entry, true);
    await system.getByLabel('Require a Rekor transparency log entry').click();
    await page.getByTestId('save-system-trust-policy').click();
    await page.getByText('Verification policy saved').first().waitFor();
    // Notation timestamps: when they are checked is part of the same policy, and a TSA root is a kind of material.
    await system.getByText('Always', { exact: true }).click();
    const [saved] = await Promise.all([
      page.waitForResponse((res) => res.request().method() === 'PUT' && res.url().endsWith('/api/v2.0/system/trust/policy')),
      page.getByTestId('save-system-trust-policy').click(),
    ]);
    assert.equal(saved.status(), 200);
    const timestamps = (await (await api('GET', '/system/trust/policy')).json()) as { notation_verify_timestamp: string };
    assert.equal(timestamps.notation_verify_timestamp, 'always');
    await page.getByTestId('system-trust-material-add').click();
    await page.getByRole('dialog').getByTestId('material-kind').click();
    await page.getByTitle('Notation TSA root certificate').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    assert.equal((await pullManifest()).status, 200);
    await page.goto(`${server.url}/projects/${projectId}/signing`);
    await page
      .getByTestId('system-trust-material-view')
      .getByRole('row', { name: /company/ })
      .waitFor();
    await page.goto(signaturesPage());
    await page.getByTestId('signatures').getByTestId('signature-verified').waitFor();
  });

  test('a developer sees the Signing tab read-only', async () => {
    const developer = await openPortalPage(browser, server, { signInAs: { username: DEVELOPER, password: DEVELOPER_PASSWORD } });
    try {
      await developer.goto(`${server.url}/projects/${projectId}/signing`);
      await developer.getByText('Only a project admin can change the trusted keys and the policy.').waitFor();
      assert.equal(await developer.getByTestId('project-trust-material-add').count(), 0);
      assert.equal(await developer.getByTestId('save-trust-policy').count(), 0);
      assert.equal(await developer.getByLabel('Require a Rekor transparency log entry').isDisabled(), true);
    } finally {
      await developer.context().close();
    }
  });

  test('in Chinese the configuration, the Signing tab, the add dialog, the Signatures tab, the artifacts and the system settings have no English left', async () => {
    await page.evaluate(() => localStorage.setItem('berth.language', 'zh-CN'));
    await page.goto(`${server.url}/projects/${projectId}/configuration`);
    await page.getByText('Cosign：阻止拉取未签名的镜像').waitFor();
    await assertNoEnglish(page, 'project configuration');
    await page.goto(`${server.url}/projects/${projectId}/signing`);
    await page.getByText('信任的密钥和证书', { exact: true }).waitFor();
    await page.getByTestId('system-trust-material-view').getByText('Cosign 公钥').waitFor();
    await assertNoEnglish(page, 'signing', ['company']);
    await page.getByTestId('project-trust-material-add').click();
    await page.getByRole('dialog').getByText('添加信任的密钥或证书').waitFor();
    await assertNoEnglish(page, 'add key dialog');
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /取\s*消/ })
      .click();
    await page.goto(signaturesPage());
    await page.getByTestId('signatures').getByText('已验证').waitFor();
    await assertNoEnglish(page, 'signatures');
    await page.goto(repositoryPage());
    await page.getByTestId('signed-verified').getByText('已验证').waitFor();
    await assertNoEnglish(page, 'artifacts');
    await page.goto(`${server.url}/admin/configuration`);
    await page.getByTestId('system-trust').getByText('内容信任', { exact: true }).waitFor();
    await assertNoEnglish(page, 'system settings', ['company']);
    await page.evaluate(() => localStorage.setItem('berth.language', 'en'));
  });

  test('a Sigstore trusted root added in the Signing tab and a keyless signer added to its policy let a keylessly signed image through', async () => {
    const sigstore = new TestSigstore();
    const release = { subject: 'release@example.com', issuer: 'https://accounts.example.com' };
    const keyless = (await registry.pushImage(`${PROJECT}/keyless`, 'v1', Buffer.from('keyless layer'))).digest;
    await pushCosignSignature(registry, `${PROJECT}/keyless`, keyless, { annotate: (payload) => sigstore.signCosign(payload, release) });
    const pullKeyless = () => registry.request('GET', `/v2/${PROJECT}/keyless/manifests/v1`, { headers: { accept: OCI_MANIFEST } });
    assert.equal((await pullKeyless()).status, 412);

    await page.goto(`${server.url}/projects/${projectId}/signing`);
    await page.getByTestId('project-trust-material-add').click();
    const dialog = page.getByRole('dialog');
    await dialogSettled(page);
    await chooseOption(page, dialog.getByTestId('material-kind'), 'Sigstore trusted root (keyless)');
    await dialog.getByLabel('Name').fill('company sigstore');
    await dialog.getByLabel('trusted_root.json').fill(JSON.stringify(sigstore.trustedRoot(), null, 2));
    await dialog.getByRole('button', { name: 'Add' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page
      .getByTestId('project-trust-material')
      .getByRole('row', { name: /company sigstore/ })
      .getByText('Sigstore trusted root (keyless)')
      .waitFor();
    assert.equal((await pullKeyless()).status, 412, 'a trusted root alone names no signer');

    await page.getByTestId('add-keyless-identity').click();
    await page.getByTestId('keyless-issuer-0').fill(release.issuer);
    await page.getByTestId('keyless-subject-0').fill('release@*');
    const [saved] = await Promise.all([
      page.waitForResponse((res) => res.request().method() === 'PUT' && res.url().endsWith(`/projects/${projectId}/trust/policy`)),
      page.getByTestId('save-trust-policy').click(),
    ]);
    assert.equal(saved.status(), 200);
    await page.getByText('Verification policy saved').waitFor();
    const pulled = await pullKeyless();
    assert.equal(pulled.status, 200, await pulled.text());

    await page.goto(`${server.url}/projects/${projectId}/repositories/keyless/-/artifacts/${encodeURIComponent(keyless)}?tab=signatures`);
    const signatures = page.getByTestId('signatures');
    await signatures.getByTestId('signature-verified').waitFor();
    await signatures.getByText('release@example.com (issuer https://accounts.example.com)').waitFor();

    await page.evaluate(() => localStorage.setItem('berth.language', 'zh-CN'));
    await page.goto(`${server.url}/projects/${projectId}/signing`);
    await page.getByText('无密钥签名者', { exact: true }).waitFor();
    await page.getByTestId('project-trust-material').getByText('Sigstore 信任根（无密钥签名）').waitFor();
    await assertNoEnglish(page, 'signing with keyless signers', ['company', 'company sigstore']);
    await page.evaluate(() => localStorage.setItem('berth.language', 'en'));
  });
});
