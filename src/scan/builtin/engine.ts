import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/index.js';
import type { SbomReport, SbomRequest, ScanEngine, ScannerAdapterMetadata, ScanTarget } from '../engine.js';
import { inspectImage, type LayerSource } from '../image/index.js';
import type { FileAnalyzer, ImageInventory } from '../inventory/types.js';
import { matchInventory } from '../match/index.js';
import { MIME, SBOM_MEDIA_TYPES, SCANNABLE_MANIFESTS } from '../mime.js';
import { toCycloneDx, toSpdx } from '../sbom/index.js';
import { LANGUAGE_ANALYZERS } from '../packages/lang/index.js';
import { OS_ANALYZERS } from '../packages/os/index.js';
import { SEVERITY_ORDER, type Severity, type VulnerabilityReport } from '../report/types.js';
import { createAdvisorySource, vulnDbStatus } from '../vulndb/index.js';
import { readImageManifest } from './manifest.js';

const ANALYZERS: readonly FileAnalyzer[] = [...OS_ANALYZERS, ...LANGUAGE_ANALYZERS];
const DAY_MS = 86_400_000;

export interface BuiltinEngineDeps {
  database: Database;
  clock: Clock;
  /** A scan against data imported longer ago says so in its report. */
  maxAgeDays: number;
  version: string;
}

/**
 * Berth's own scanner: reads each layer once (gzip, zstd or plain tar, whiteouts applied), finds
 * the OS and the installed packages, and matches them against the OSV records imported into
 * Berth's database. No other service, no download at scan time.
 */
export class BuiltinScanEngine implements ScanEngine {
  constructor(private readonly deps: BuiltinEngineDeps) {}

  private get scanner() {
    return { name: 'Berth', vendor: 'Berth', version: this.deps.version };
  }

  async metadata(): Promise<ScannerAdapterMetadata> {
    const status = await vulnDbStatus(this.deps.database);
    return {
      scanner: this.scanner,
      capabilities: [
        { type: 'vulnerability', consumes_mime_types: [...SCANNABLE_MANIFESTS], produces_mime_types: [MIME.genericReport, MIME.harborReport] },
        {
          type: 'sbom',
          consumes_mime_types: [...SCANNABLE_MANIFESTS],
          produces_mime_types: [MIME.sbomReport],
          additional_attributes: { sbom_media_types: [SBOM_MEDIA_TYPES.spdx, SBOM_MEDIA_TYPES.cyclonedx] },
        },
      ],
      properties: {
        'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability',
        'harbor.scanner-adapter/registry-authorization-type': 'Basic',
        ...(status.lastImportAt !== undefined ? { 'harbor.scanner-adapter/vulnerability-database-updated-at': new Date(status.lastImportAt).toISOString() } : {}),
      },
    };
  }

  /** The image's operating system and packages: each layer read once, whiteouts applied. */
  async inventory(target: ScanTarget, signal: AbortSignal, log: (line: string) => void): Promise<ImageInventory> {
    const image = await readImageManifest(target);
    const layers: LayerSource[] = image.layers.map((layer, index) => ({
      digest: layer.digest,
      mediaType: layer.mediaType,
      ...(image.diffIds[index] !== undefined ? { diffId: image.diffIds[index] } : {}),
      open: () => target.openBlob(layer),
    }));
    log(`reading ${layers.length} layer(s) of ${target.repository}@${target.digest}`);
    const inventory = await inspectImage(layers, ANALYZERS, { signal });
    for (const note of inventory.notes) log(note);
    const os = inventory.os ? `${inventory.os.family} ${inventory.os.version}` : 'no known operating system';
    log(`${os}; ${inventory.packages.length} package(s) found in ${inventory.stats.entries} file(s)`);
    return inventory;
  }

  /** The image's inventory as an SPDX 2.3 or CycloneDX 1.6 document, in the spec's SBOM report. */
  async generateSbom(target: ScanTarget, request: SbomRequest, signal: AbortSignal, log: (line: string) => void): Promise<SbomReport> {
    const inventory = await this.inventory(target, signal, log);
    const subject = {
      registryHost: request.registryHost,
      repository: target.repository,
      digest: target.digest,
      mediaType: target.mediaType,
      ...(target.tag !== undefined ? { tag: target.tag } : {}),
    };
    const created = new Date(this.deps.clock.now());
    const options = { created, toolVersion: this.deps.version };
    const sbom = request.mediaType === SBOM_MEDIA_TYPES.cyclonedx ? toCycloneDx(inventory, subject, options) : toSpdx(inventory, subject, options);
    log(`${request.mediaType} document of ${inventory.packages.length} package(s) written`);
    return {
      generated_at: created.toISOString(),
      artifact: { repository: target.repository, digest: target.digest, mime_type: target.mediaType, ...(target.tag ? { tag: target.tag } : {}) },
      scanner: this.scanner,
      media_type: request.mediaType,
      sbom: sbom as unknown as Record<string, unknown>,
    };
  }

  async scanVulnerabilities(target: ScanTarget, signal: AbortSignal, log: (line: string) => void): Promise<VulnerabilityReport> {
    const inventory = await this.inventory(target, signal, log);
    let skipped = 0;
    const vulnerabilities = await matchInventory(inventory, createAdvisorySource(this.deps.database), {
      signal,
      onSkipped: (why) => {
        if (++skipped <= 20) log(`not matched: ${why.reason}`);
      },
    });
    if (skipped > 20) log(`not matched: ${skipped - 20} more package(s)`);
    const database = await this.databaseNote();
    if (database.stale) log(database.note);
    log(`${vulnerabilities.length} vulnerabilit${vulnerabilities.length === 1 ? 'y' : 'ies'} found`);
    return {
      generated_at: new Date(this.deps.clock.now()).toISOString(),
      artifact: { repository: target.repository, digest: target.digest, mime_type: target.mediaType, ...(target.tag ? { tag: target.tag } : {}) },
      scanner: this.scanner,
      severity: highest(vulnerabilities.map((item) => item.severity)),
      vulnerabilities,
      vendor_attributes: { vulnerability_database: database },
    };
  }

  /** How old the vulnerability data is, and whether that is older than the configured limit. */
  private async databaseNote(): Promise<{ updated_at?: string; stale: boolean; note: string }> {
    const status = await vulnDbStatus(this.deps.database);
    if (status.lastImportAt === undefined) {
      return { stale: true, note: 'no vulnerability data was ever imported: findings are missing (berth vulndb import or update)' };
    }
    const days = (this.deps.clock.now() - status.lastImportAt) / DAY_MS;
    const updated_at = new Date(status.lastImportAt).toISOString();
    if (days <= this.deps.maxAgeDays) return { updated_at, stale: false, note: `vulnerability data from ${updated_at}` };
    return {
      updated_at,
      stale: true,
      note: `the vulnerability data is ${Math.floor(days)} days old (more than scan.vulndb.maxAgeDays, ${this.deps.maxAgeDays}): newer findings are missing`,
    };
  }
}

function highest(severities: readonly Severity[]): Severity {
  let worst = 0;
  for (const severity of severities) worst = Math.max(worst, SEVERITY_ORDER.indexOf(severity));
  return SEVERITY_ORDER[worst] ?? 'Unknown';
}
