import { setTimeout as sleep } from 'node:timers/promises';
import type { SbomReport, SbomRequest, ScanEngine, ScannerAdapterMetadata, ScanTarget } from '../engine.js';
import { toSpdx } from '../sbom/index.js';
import { MIME, SCANNABLE_MANIFESTS } from '../mime.js';
import type { VulnerabilityReport } from '../report/types.js';

/**
 * Test support only: a stand-in for the built-in engine until it lands. It really reads the
 * target's manifest and config through the target (so a test sees the bytes were reachable) and
 * answers one finding per layer, plus a fixed critical one, each naming the layer it came from.
 */
export class TestScanEngine implements ScanEngine {
  /** How long each scan takes, so a test can stop one midway. */
  delayMs = 0;
  readonly scanned: string[] = [];

  async metadata(): Promise<ScannerAdapterMetadata> {
    return {
      scanner: { name: 'Berth', vendor: 'Berth', version: 'test' },
      capabilities: [{ type: 'vulnerability', consumes_mime_types: [...SCANNABLE_MANIFESTS], produces_mime_types: [MIME.genericReport, MIME.harborReport] }],
      properties: { 'harbor.scanner-adapter/registry-authorization-type': 'Basic' },
    };
  }

  async scanVulnerabilities(target: ScanTarget, signal: AbortSignal, log: (line: string) => void): Promise<VulnerabilityReport> {
    const manifest = JSON.parse((await target.readManifest()).toString('utf8')) as {
      config: { mediaType: string; digest: string; size: number };
      layers: Array<{ digest: string }>;
    };
    const config = target.openBlob(manifest.config);
    let configBytes = 0;
    for await (const chunk of (await config) as AsyncIterable<Buffer>) configBytes += chunk.length;
    log(`read the manifest and a config of ${configBytes} bytes`);
    if (this.delayMs > 0) await sleep(this.delayMs, undefined, { signal });
    this.scanned.push(target.digest);
    return {
      generated_at: new Date().toISOString(),
      artifact: { repository: target.repository, digest: target.digest, mime_type: target.mediaType },
      scanner: { name: 'Berth', vendor: 'Berth', version: 'test' },
      severity: 'Critical',
      vulnerabilities: [
        { id: 'CVE-2024-0001', package: 'openssl', version: '3.0.1', fix_version: '3.0.2', severity: 'Critical', description: 'fixed critical', links: [] },
        ...manifest.layers.map((layer, i) => ({
          id: `CVE-2024-10${i}`,
          package: `pkg-${i}`,
          version: '1.0',
          fix_version: '',
          severity: 'Low' as const,
          description: 'no fix',
          links: [],
          vendor_attributes: { layer: layer.digest },
        })),
      ],
    };
  }

  /** An SPDX document of no packages, after reading the manifest and waiting `delayMs` (so a test can stop it). */
  async generateSbom(target: ScanTarget, request: SbomRequest, signal: AbortSignal, log: (line: string) => void): Promise<SbomReport> {
    await target.readManifest();
    log('read the manifest');
    if (this.delayMs > 0) await sleep(this.delayMs, undefined, { signal });
    const subject = { registryHost: request.registryHost, repository: target.repository, digest: target.digest, mediaType: target.mediaType };
    const sbom = toSpdx({ packages: [], layers: [] }, subject, { created: new Date(), toolVersion: 'test' });
    return {
      generated_at: new Date().toISOString(),
      artifact: { repository: target.repository, digest: target.digest, mime_type: target.mediaType },
      scanner: { name: 'Berth', vendor: 'Berth', version: 'test' },
      media_type: request.mediaType,
      sbom: sbom as unknown as Record<string, unknown>,
    };
  }
}
