/**
 * Registry endpoints of type aws-ecr, where ECR differs from plain OCI: the endpoint's AWS key
 * signs (SigV4) a GetAuthorizationToken call, and the registry takes the user name and password
 * that call answers. The ECR API is a stand-in speaking ECR's JSON protocol with a recorded answer
 * and checking each request's signature as AWS does; the registry is a real CNCF distribution
 * whose only account is the one the token names.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { skipUnlessTools } from '../../../test/e2e/harness.js';
import { RegistryClient } from '../../platform/registry-client/index.js';
import { api, expectJson } from '../../testing/api.js';
import { ADMIN, TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { startDistribution, type DistributionServer } from '../../testing/distribution.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { ecrRegion } from './aws-ecr.js';

const ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const REGION = 'eu-west-1';
const REGISTRY_PASSWORD = 'eyJwYXlsb2FkIjoiZWNyLXRva2VuIn0';

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** Whether the request carries a valid AWS Signature Version 4 for `secret` (service ecr), as AWS checks it. */
function signatureValid(req: http.IncomingMessage, body: Buffer, secret: string): boolean {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
    req.headers.authorization ?? '',
  );
  if (!match) return false;
  const [, , date, region, service, signedHeaders, signature] = match as unknown as string[];
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const url = new URL(req.url ?? '/', 'http://localhost');
  const canonicalHeaders = signedHeaders!
    .split(';')
    .map((name) => `${name}:${String(req.headers[name] ?? '').trim()}\n`)
    .join('');
  const canonicalRequest = [req.method, url.pathname, url.search.slice(1), canonicalHeaders, signedHeaders, sha256Hex(body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request');
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex') === signature && region === REGION && service === 'ecr';
}

interface FakeEcr {
  url: string;
  calls: number;
  close(): Promise<void>;
}

async function fakeEcrApi(): Promise<FakeEcr> {
  const state = { calls: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (req.headers['x-amz-target'] !== 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken') {
        res.writeHead(400).end(JSON.stringify({ __type: 'UnknownOperationException' }));
        return;
      }
      if (!signatureValid(req, body, SECRET_KEY)) {
        res.setHeader('x-amzn-errortype', 'InvalidSignatureException');
        res
          .writeHead(403)
          .end(JSON.stringify({ __type: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided.' }));
        return;
      }
      state.calls++;
      // ECR's answer, as recorded: the token is base64 of "AWS:<password>", expiresAt in epoch seconds.
      res.writeHead(200).end(
        JSON.stringify({
          authorizationData: [
            {
              authorizationToken: Buffer.from(`AWS:${REGISTRY_PASSWORD}`).toString('base64'),
              expiresAt: Math.floor(Date.now() / 1000) + 12 * 3600,
              proxyEndpoint: `https://123456789012.dkr.ecr.${REGION}.amazonaws.com`,
            },
          ],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    get calls() {
      return state.calls;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the region of an aws-ecr endpoint', () => {
  it("comes from ECR's registry host, else from the configuration", () => {
    assert.equal(ecrRegion('https://123456789012.dkr.ecr.ap-southeast-2.amazonaws.com', {}), 'ap-southeast-2');
    assert.equal(ecrRegion('https://123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', {}), 'us-gov-west-1');
    assert.equal(ecrRegion('https://123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', {}), 'cn-north-1');
    assert.equal(ecrRegion('https://ecr.internal.example', { region: 'eu-west-1' }), 'eu-west-1');
    assert.equal(ecrRegion('https://ecr.internal.example', {}), undefined);
  });
});

for (const dialect of testDialects()) {
  describe(`aws-ecr registry endpoints (${dialect.name})`, { skip: skipUnlessTools('docker-registry', 'perl'), timeout: 120_000 }, () => {
    let server: TestServer;
    let ecr: FakeEcr;
    let registry: DistributionServer;

    before(async () => {
      ecr = await fakeEcrApi();
      registry = await startDistribution({ basicAuth: { username: 'AWS', password: REGISTRY_PASSWORD } });
      server = await startTestServer(dialect, { awsEcr: { apiEndpoint: ecr.url, region: REGION } });
    });
    after(async () => {
      await server?.close();
      await registry?.stop();
      await ecr?.close();
    });

    it('refuses a wrong AWS secret with what AWS said, and signs in with the token its key buys', async () => {
      const wrong = await api(server.url, 'POST', '/registries/ping', {
        body: { type: 'aws-ecr', url: registry.url, access_key: ACCESS_KEY, access_secret: 'not-the-secret' },
      });
      const refusal = await expectJson<{ errors: Array<{ message: string }> }>(wrong, 400);
      assert.match(refusal.errors[0]?.message ?? '', /AWS ECR refused to issue a registry token \(InvalidSignatureException\)/);
      await expectJson(
        await api(server.url, 'POST', '/registries/ping', { body: { type: 'aws-ecr', url: registry.url, access_key: ACCESS_KEY, access_secret: SECRET_KEY } }),
        200,
      );
      assert.equal(ecr.calls, 1);
    });

    it('replicates an image to the registry, reusing the token until it is due', async () => {
      const created = await api(server.url, 'POST', '/registries', {
        body: { name: 'ecr', type: 'aws-ecr', url: registry.url, credential: { type: 'basic', access_key: ACCESS_KEY, access_secret: SECRET_KEY } },
      });
      await expectJson(created, 201);
      const registryId = Number(created.headers.get('location')?.split('/').pop());
      const pushed = await new TestClient(server.url, ADMIN).pushImage('library/ecr-app', 'v1', Buffer.from('bound for ECR'));
      const policy = await api(server.url, 'POST', '/replication/policies', {
        body: {
          name: 'to-ecr',
          dest_registry: { id: registryId },
          filters: [{ type: 'name', value: 'library/ecr-app' }],
          trigger: { type: 'manual' },
          enabled: true,
        },
      });
      await expectJson(policy, 201);
      const started = await api(server.url, 'POST', '/replication/executions', { body: { policy_id: Number(policy.headers.get('location')?.split('/').pop()) } });
      await expectJson(started, 201);
      const executionId = Number(started.headers.get('location')?.split('/').pop());
      let execution: { status?: string } = {};
      for (let i = 0; i < 300 && execution.status !== 'Succeed' && execution.status !== 'Failed'; i++) {
        await sleep(100);
        execution = await expectJson(await api(server.url, 'GET', `/replication/executions/${executionId}`), 200);
      }
      assert.equal(execution.status, 'Succeed', JSON.stringify(execution));
      const direct = new RegistryClient({
        url: registry.url,
        credential: { type: 'basic', username: 'AWS', password: REGISTRY_PASSWORD },
        allowPrivateNetworks: true,
      });
      assert.equal((await direct.getManifest('library/ecr-app', 'v1'))?.digest, pushed.digest);
      direct.close();
      assert.equal(ecr.calls, 1, 'one token served the ping, the endpoint check and the replication');
    });
  });
}
