import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AdapterCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Test support only: an external scanner adapter speaking Harbor's spec over real HTTP. It
 * records every call, pulls the manifest named in a scan request from the registry with the
 * credentials it was given (answering what status the registry gave), and answers 302 with
 * Refresh-After `notReadyPolls` times before the report.
 */
export class FakeAdapter {
  readonly calls: AdapterCall[] = [];
  /** Status of the manifest pull made with the scan request's credentials, by scan id. */
  readonly pulls = new Map<string, number>();
  notReadyPolls = 2;
  private polls = new Map<string, number>();
  private requests = new Map<string, { repository: string; digest: string; mime_type: string }>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => void this.answer(request.method ?? 'GET', request.url ?? '/', request.headers, body, response));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async answer(method: string, path: string, headers: IncomingHttpHeaders, body: string, response: import('node:http').ServerResponse): Promise<void> {
    this.calls.push({ method, path, headers, body });
    if (headers['x-scanneradapter-api-key'] !== 'adapter-key') {
      response.writeHead(401, { 'content-type': 'application/vnd.scanner.adapter.error+json; version=1.0' }).end(JSON.stringify({ error: { message: 'bad key' } }));
      return;
    }
    if (method === 'GET' && path === '/api/v1/metadata') {
      response.writeHead(200, { 'content-type': 'application/vnd.scanner.adapter.metadata+json; version=1.1' }).end(
        JSON.stringify({
          scanner: { name: 'Fakey', vendor: 'Tests Inc', version: '9.9' },
          capabilities: [
            {
              consumes_mime_types: ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'],
              produces_mime_types: [
                'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0',
                'application/vnd.security.vulnerability.report; version=1.1',
              ],
            },
          ],
          properties: { 'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability' },
        }),
      );
      return;
    }
    if (method === 'POST' && path === '/api/v1/scan') {
      const scan = JSON.parse(body) as { registry: { url: string; authorization: string }; artifact: { repository: string; digest: string; mime_type: string } };
      const id = `scan-${this.calls.length}`;
      const pulled = await fetch(`${scan.registry.url}/v2/${scan.artifact.repository}/manifests/${scan.artifact.digest}`, {
        headers: { authorization: scan.registry.authorization, accept: scan.artifact.mime_type },
      });
      await pulled.arrayBuffer();
      this.pulls.set(id, pulled.status);
      this.requests.set(id, scan.artifact);
      response.writeHead(202, { 'content-type': 'application/vnd.scanner.adapter.scan.response+json; version=1.0' }).end(JSON.stringify({ id }));
      return;
    }
    const report = /^\/api\/v1\/scan\/([^/]+)\/report$/.exec(path);
    const artifact = report ? this.requests.get(decodeURIComponent(report[1]!)) : undefined;
    if (method === 'GET' && report && artifact) {
      const id = decodeURIComponent(report[1]!);
      const polls = (this.polls.get(id) ?? 0) + 1;
      this.polls.set(id, polls);
      if (polls <= this.notReadyPolls) {
        response.writeHead(302, { 'refresh-after': '1' }).end();
        return;
      }
      response.writeHead(200, { 'content-type': String(headers.accept) }).end(
        JSON.stringify({
          generated_at: '2026-01-01T00:00:00Z',
          artifact,
          scanner: { name: 'Fakey', vendor: 'Tests Inc', version: '9.9' },
          severity: 'High',
          vulnerabilities: [
            { id: 'CVE-2023-1111', package: 'zlib', version: '1.2', fix_version: '1.3', severity: 'High', description: 'bad', links: ['https://example.com'] },
            { id: 'CVE-2023-2222', package: 'zlib', version: '1.2', severity: 'Medium' },
          ],
        }),
      );
      return;
    }
    response.writeHead(404, { 'content-type': 'application/vnd.scanner.adapter.error+json; version=1.0' }).end(JSON.stringify({ error: { message: 'unknown' } }));
  }
}
