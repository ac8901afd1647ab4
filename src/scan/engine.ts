import type { Readable } from 'node:stream';
import type { SbomMediaType } from './mime.js';
import type { VulnerabilityReport } from './report/types.js';

/** A scanner's name, vendor and version, as Harbor's `Scanner`. */
export interface ScannerInfo {
  name: string;
  vendor: string;
  version: string;
}

export interface ScannerCapability {
  /** 'vulnerability' or 'sbom'; absent means vulnerability (spec v1.0/1.1). */
  type?: string;
  consumes_mime_types: string[];
  produces_mime_types: string[];
  additional_attributes?: Record<string, unknown>;
}

/** `GET /metadata` of a scanner adapter (Harbor's ScannerAdapterMetadata). */
export interface ScannerAdapterMetadata {
  scanner: ScannerInfo;
  capabilities: ScannerCapability[];
  properties?: Record<string, string>;
}

/** A descriptor as a manifest lists it. */
export interface BlobDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** Where an engine can pull the artifact from over the registry API (external adapters need it). */
export interface RegistryAccess {
  /** Base URL of the registry, e.g. https://berth.example.com. */
  url: string;
  /** Sent verbatim as the Authorization header (a scan robot's Basic credentials). */
  authorization: string;
}

/**
 * What is scanned: one single-platform manifest. Its bytes are read through `readManifest` and
 * `openBlob` (from Berth's own storage, or over another registry's /v2/), so an engine never
 * needs to know where the image lives.
 */
export interface ScanTarget {
  projectId: number;
  /** Full repository name, `project/repo`. */
  repository: string;
  digest: string;
  tag?: string;
  mediaType: string;
  /** The manifest's JSON bytes (bounded by the registry's manifest limit). */
  readManifest(): Promise<Buffer>;
  /** A blob (config or layer) as a stream; the caller consumes or destroys it. */
  openBlob(descriptor: BlobDescriptor): Promise<Readable>;
  /** Set when the target can also be pulled over HTTP: what an external adapter is told. */
  registry?: RegistryAccess;
}

/** Spec v1.2's HarborSbomReport: the SBOM document (raw SPDX or CycloneDX JSON) and who made it. */
export interface SbomReport {
  generated_at: string;
  artifact: { repository: string; digest: string; mime_type: string; tag?: string };
  scanner: ScannerInfo;
  /** The document's format: application/spdx+json or application/vnd.cyclonedx+json. */
  media_type: string;
  sbom: Record<string, unknown>;
}

/** What an SBOM generation is asked for. */
export interface SbomRequest {
  /** The document format wanted. */
  mediaType: SbomMediaType;
  /** The registry host clients name the image by (for the document's names and purls). */
  registryHost: string;
}

/**
 * A scanner: the built-in one, an external adapter reached over HTTP, or (in tests) a stand-in.
 * `scanVulnerabilities` answers Harbor's vulnerability report, throws on failure, and gives up
 * (throwing) when `signal` aborts.
 */
export interface ScanEngine {
  metadata(): Promise<ScannerAdapterMetadata>;
  scanVulnerabilities(target: ScanTarget, signal: AbortSignal, log: (line: string) => void): Promise<VulnerabilityReport>;
  /** Present when the engine can generate SBOMs (metadata lists an `sbom` capability). */
  generateSbom?(target: ScanTarget, request: SbomRequest, signal: AbortSignal, log: (line: string) => void): Promise<SbomReport>;
}
