import type { SbomReport, SbomRequest, ScanEngine, ScannerAdapterMetadata, ScanTarget } from '../engine.js';
import { MIME, mimeBase, sameMime } from '../mime.js';
import type { VulnerabilityReport } from '../report/types.js';
import { AdapterClient, AdapterError, type ScanRequest } from './client.js';

/** The report type asked of an adapter: the richer generic one when it produces it, else Harbor's native one. */
export function chooseReportMime(metadata: ScannerAdapterMetadata, manifestMediaType: string): string | undefined {
  const capability = metadata.capabilities.find(
    (c) => (c.type ?? 'vulnerability') === 'vulnerability' && c.consumes_mime_types.some((m) => mimeBase(m) === mimeBase(manifestMediaType)),
  );
  if (!capability) return undefined;
  for (const wanted of [MIME.genericReport, MIME.harborReport]) {
    const produced = capability.produces_mime_types.find((m) => sameMime(m, wanted));
    if (produced) return produced;
  }
  return undefined;
}

/** The adapter's sbom capability for this manifest type, when it lists one. */
export function sbomCapability(metadata: ScannerAdapterMetadata, manifestMediaType: string) {
  return metadata.capabilities.find((c) => c.type === 'sbom' && c.consumes_mime_types.some((m) => mimeBase(m) === mimeBase(manifestMediaType)));
}

type ScanRegistry = NonNullable<ScanTarget['registry']>;

/** The credentials an external adapter pulls the artifact with; without them it cannot scan at all. */
function registryOf(target: ScanTarget): ScanRegistry {
  if (!target.registry) throw new AdapterError('an external adapter needs registry credentials to pull the artifact');
  return target.registry;
}

/** An external scanner adapter as an engine: submit the scan, then poll for the report. */
export class AdapterScanEngine implements ScanEngine {
  constructor(private readonly client: AdapterClient) {}

  metadata(): Promise<ScannerAdapterMetadata> {
    return this.client.metadata();
  }

  async scanVulnerabilities(target: ScanTarget, signal: AbortSignal, log: (line: string) => void): Promise<VulnerabilityReport> {
    const registry = registryOf(target);
    const metadata = await this.introduce(signal, log);
    const mime = chooseReportMime(metadata, target.mediaType);
    if (!mime) throw new AdapterError(`the adapter cannot scan ${target.mediaType} for vulnerabilities`);
    const id = await this.submit(target, registry, [{ type: 'vulnerability', produces_mime_types: [mime] }], signal);
    log(`scan request ${id} accepted; waiting for the ${mime} report`);
    return this.client.report(id, mime, signal, log);
  }

  /** Spec v1.2's SBOM scan: the sbom capability enabled, the report asked for with `?sbom_media_type=`. */
  async generateSbom(target: ScanTarget, request: SbomRequest, signal: AbortSignal, log: (line: string) => void): Promise<SbomReport> {
    const registry = registryOf(target);
    const metadata = await this.introduce(signal, log);
    const capability = sbomCapability(metadata, target.mediaType);
    if (!capability || !capability.produces_mime_types.some((m) => sameMime(m, MIME.sbomReport)))
      throw new AdapterError(`the adapter cannot generate an SBOM of ${target.mediaType}`);
    const id = await this.submit(
      target,
      registry,
      [{ type: 'sbom', produces_mime_types: [MIME.sbomReport], parameters: { sbom_media_types: [request.mediaType] } }],
      signal,
    );
    log(`scan request ${id} accepted; waiting for the ${request.mediaType} SBOM`);
    return this.client.sbomReport(id, request.mediaType, signal, log);
  }

  private async introduce(signal: AbortSignal, log: (line: string) => void): Promise<ScannerAdapterMetadata> {
    const metadata = await this.client.metadata(signal);
    log(`scanner ${metadata.scanner.name} ${metadata.scanner.version} (${metadata.scanner.vendor})`);
    return metadata;
  }

  /** Asks the adapter to scan the artifact, pulling it from Berth with the scan's own short-lived credentials. */
  private submit(target: ScanTarget, registry: ScanRegistry, capabilities: ScanRequest['enabled_capabilities'], signal: AbortSignal): Promise<string> {
    return this.client.submit(
      {
        registry: { url: registry.url, authorization: registry.authorization },
        artifact: {
          namespace_id: target.projectId,
          repository: target.repository,
          digest: target.digest,
          ...(target.tag !== undefined ? { tag: target.tag } : {}),
          mime_type: target.mediaType,
        },
        enabled_capabilities: capabilities,
      },
      signal,
    );
  }
}
