import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { openOutbound, readOutboundBody, type OutboundStream } from '../../platform/http/index.js';
import type { SbomReport, ScannerAdapterMetadata } from '../engine.js';
import { MIME } from '../mime.js';
import type { VulnerabilityReport } from '../report/types.js';

/** How Berth authenticates to an adapter (the registration's `auth`). */
export const ADAPTER_AUTH_MODES = ['', 'Basic', 'Bearer', 'APIKey'] as const;
export type AdapterAuth = (typeof ADAPTER_AUTH_MODES)[number];

export interface AdapterClientOptions {
  /** The adapter's base URL; the API is under `<url>/api/v1`. */
  url: string;
  auth: AdapterAuth;
  /** `user:password` for Basic, the token for Bearer, the key for APIKey. */
  credential: string;
  skipCertVerify: boolean;
  allowPrivateNetworks: boolean;
  /** Per request, as Harbor's client (5 s there; a little more here for a loaded adapter). */
  requestTimeoutMs?: number;
  /** Wait between polls when the adapter sends no Refresh-After. */
  defaultPollSeconds?: number;
}

/** Metadata answers are small; reports can list thousands of vulnerabilities. */
const MAX_METADATA_BYTES = 1024 * 1024;
const MAX_REPORT_BYTES = 64 * 1024 * 1024;
const MAX_ERROR_BYTES = 64 * 1024;

/** The adapter answered something other than what the spec allows, or an error body. */
export class AdapterError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const capabilitySchema = z
  .object({
    type: z.string().max(64).optional(),
    consumes_mime_types: z.array(z.string().max(255)).max(64),
    produces_mime_types: z.array(z.string().max(255)).max(64),
    additional_attributes: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

const metadataSchema = z
  .object({
    scanner: z.object({ name: z.string().max(255), vendor: z.string().max(255), version: z.string().max(255) }).loose(),
    capabilities: z.array(capabilitySchema).max(16),
    properties: z.record(z.string(), z.string().max(4096)).optional(),
  })
  .loose();

const severitySchema = z.enum(['Unknown', 'Negligible', 'Low', 'Medium', 'High', 'Critical']).catch('Unknown');

const reportSchema = z
  .object({
    generated_at: z.string().max(64).catch(''),
    artifact: z.object({ repository: z.string(), digest: z.string(), mime_type: z.string(), tag: z.string().optional() }).loose(),
    scanner: z.object({ name: z.string(), vendor: z.string(), version: z.string() }).loose(),
    severity: severitySchema,
    vulnerabilities: z
      .array(
        z
          .object({
            id: z.string(),
            package: z.string(),
            version: z.string(),
            fix_version: z.string().optional().catch(''),
            severity: severitySchema,
            description: z.string().optional().catch(''),
            links: z.array(z.string()).optional().catch([]),
            preferred_cvss: z
              .object({ score_v3: z.number().optional(), score_v2: z.number().optional(), vector_v3: z.string().optional(), vector_v2: z.string().optional() })
              .loose()
              .optional()
              .catch(undefined),
            cwe_ids: z.array(z.string()).optional().catch(undefined),
            vendor_attributes: z.record(z.string(), z.unknown()).optional().catch(undefined),
          })
          .loose(),
      )
      .nullable()
      .catch([]),
  })
  .loose();

const sbomReportSchema = z
  .object({
    generated_at: z.string().max(64).catch(''),
    artifact: z.object({ repository: z.string(), digest: z.string(), mime_type: z.string(), tag: z.string().optional() }).loose(),
    scanner: z.object({ name: z.string(), vendor: z.string(), version: z.string() }).loose(),
    media_type: z.string().max(255).optional(),
    sbom: z.record(z.string(), z.unknown()),
  })
  .loose();

/** What Berth puts in `POST /scan` (Harbor's ScanRequest, with the fields Harbor adds). */
export interface ScanRequest {
  registry: { url: string; authorization: string; insecure?: boolean };
  artifact: { namespace_id?: number; repository: string; digest: string; tag?: string; mime_type: string; size?: number };
  enabled_capabilities?: Array<{ type: string; produces_mime_types?: string[]; parameters?: Record<string, unknown> | null }>;
}

/**
 * A client of Harbor's pluggable scanner API (spec v1.0–1.2) as Harbor's own client speaks
 * it: `version=1.0` MIME types, the registration's auth header, no redirects followed, bounded
 * time and size, through the outbound client (private addresses refused unless allowed).
 */
export class AdapterClient {
  private readonly base: string;

  constructor(private readonly options: AdapterClientOptions) {
    this.base = `${options.url.replace(/\/+$/, '')}/api/v1`;
  }

  async metadata(signal?: AbortSignal): Promise<ScannerAdapterMetadata> {
    const answer = await this.send('GET', '/metadata', { accept: MIME.metadata }, undefined, signal);
    if (answer.status !== 200) throw await this.failure(answer, 'GET /metadata');
    const parsed = metadataSchema.safeParse(await this.json(answer, MAX_METADATA_BYTES));
    if (!parsed.success) throw new AdapterError(`the adapter's metadata is not a ScannerAdapterMetadata: ${parsed.error.issues[0]?.message ?? ''}`);
    const { scanner, capabilities, properties } = parsed.data;
    return {
      scanner: { name: scanner.name, vendor: scanner.vendor, version: scanner.version },
      capabilities: capabilities.map((c) => ({
        ...(c.type !== undefined ? { type: c.type } : {}),
        consumes_mime_types: c.consumes_mime_types,
        produces_mime_types: c.produces_mime_types,
        ...(c.additional_attributes ? { additional_attributes: c.additional_attributes } : {}),
      })),
      ...(properties ? { properties } : {}),
    };
  }

  /** `POST /scan`: answers the adapter's scan request id. */
  async submit(request: ScanRequest, signal?: AbortSignal): Promise<string> {
    const body = JSON.stringify(request);
    const answer = await this.send('POST', '/scan', { accept: MIME.scanResponse, 'content-type': MIME.scanRequest }, body, signal);
    if (answer.status !== 202) throw await this.failure(answer, 'POST /scan');
    const parsed = z
      .object({ id: z.string().min(1).max(1024) })
      .loose()
      .safeParse(await this.json(answer, MAX_METADATA_BYTES));
    if (!parsed.success) throw new AdapterError('the adapter accepted the scan without a scan request id');
    return parsed.data.id;
  }

  /** Polls for the vulnerability report in the asked report type; answers it with absent lists and texts made empty. */
  async report(id: string, mime: string, signal: AbortSignal, log: (line: string) => void): Promise<VulnerabilityReport> {
    const body = await this.poll(id, '', mime, signal, log);
    const parsed = reportSchema.safeParse(body);
    if (!parsed.success) throw new AdapterError(`the adapter's report is not a vulnerability report: ${parsed.error.issues[0]?.message ?? ''}`);
    const r = parsed.data;
    return {
      generated_at: r.generated_at,
      artifact: r.artifact,
      scanner: { name: r.scanner.name, vendor: r.scanner.vendor, version: r.scanner.version },
      severity: r.severity,
      vulnerabilities: (r.vulnerabilities ?? []).map((v) => ({
        ...v,
        fix_version: v.fix_version ?? '',
        description: v.description ?? '',
        links: v.links ?? [],
      })),
    };
  }

  /**
   * Polls for the SBOM report (spec v1.2) as Harbor does: `?sbom_media_type=` with the wanted
   * document format, Accept the SBOM report type; answers the report with its raw `sbom` object.
   */
  async sbomReport(id: string, mediaType: string, signal: AbortSignal, log: (line: string) => void): Promise<SbomReport> {
    const body = await this.poll(id, `?sbom_media_type=${encodeURIComponent(mediaType)}`, MIME.sbomReport, signal, log);
    const parsed = sbomReportSchema.safeParse(body);
    if (!parsed.success) throw new AdapterError(`the adapter's report is not an SBOM report: ${parsed.error.issues[0]?.message ?? ''}`);
    const r = parsed.data;
    return {
      generated_at: r.generated_at,
      artifact: r.artifact,
      scanner: { name: r.scanner.name, vendor: r.scanner.vendor, version: r.scanner.version },
      media_type: r.media_type ?? mediaType,
      sbom: r.sbom,
    };
  }

  /**
   * Polls `GET /scan/{id}/report` until the report is there: 302 waits Refresh-After seconds
   * (the default without it, at most 127 as Harbor reads it), 404 fails (the adapter lost the
   * scan), and anything else but 200 fails with the adapter's error message.
   */
  private async poll(id: string, query: string, accept: string, signal: AbortSignal, log: (line: string) => void): Promise<unknown> {
    const path = `/scan/${encodeURIComponent(id)}/report${query}`;
    for (let poll = 1; ; poll++) {
      signal.throwIfAborted();
      const answer = await this.send('GET', path, { accept }, undefined, signal);
      if (answer.status === 302) {
        answer.body.destroy();
        const seconds = refreshAfter(answer.headers['refresh-after'], this.options.defaultPollSeconds ?? 5);
        log(`report not ready yet (poll ${poll}); asking again in ${seconds} s`);
        await sleep(seconds * 1000, undefined, { signal });
        continue;
      }
      if (answer.status === 404) {
        answer.body.destroy();
        throw new AdapterError(`the adapter does not know scan ${id} (404)`, 404);
      }
      if (answer.status !== 200) throw await this.failure(answer, `GET ${path}`);
      return this.json(answer, MAX_REPORT_BYTES);
    }
  }

  private authHeaders(): Record<string, string> {
    const { auth, credential } = this.options;
    if (auth === 'Basic') return { authorization: `Basic ${Buffer.from(credential).toString('base64')}` };
    if (auth === 'Bearer') return { authorization: `Bearer ${credential}` };
    if (auth === 'APIKey') return { 'x-scanneradapter-api-key': credential };
    return {};
  }

  private send(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body: string | undefined, signal?: AbortSignal): Promise<OutboundStream> {
    return openOutbound({
      url: `${this.base}${path}`,
      method,
      headers: { ...headers, ...this.authHeaders(), ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}) },
      ...(body !== undefined ? { body } : {}),
      ...(signal ? { signal } : {}),
      timeoutMs: this.options.requestTimeoutMs ?? 30_000,
      allowPrivateNetworks: this.options.allowPrivateNetworks,
      skipCertVerify: this.options.skipCertVerify,
    });
  }

  private async json(answer: OutboundStream, max: number): Promise<unknown> {
    const bytes = await readOutboundBody(answer, max);
    try {
      return JSON.parse(bytes.toString('utf8')) as unknown;
    } catch {
      throw new AdapterError('the adapter answered a body that is not JSON');
    }
  }

  /** An error for an unexpected answer, with the adapter's `{"error":{"message"}}` when it sent one. */
  private async failure(answer: OutboundStream, what: string): Promise<AdapterError> {
    let detail = '';
    try {
      const text = (await readOutboundBody(answer, MAX_ERROR_BYTES)).toString('utf8');
      const parsed = z
        .object({ error: z.object({ message: z.string() }).loose() })
        .loose()
        .safeParse(JSON.parse(text));
      detail = parsed.success ? parsed.data.error.message : '';
    } catch {
      answer.body.destroy();
    }
    return new AdapterError(`${what} answered ${answer.status}${detail ? `: ${detail.slice(0, 500)}` : ''}`, answer.status);
  }
}

/** Refresh-After in whole seconds, read as Harbor does (1–127), else the default. */
export function refreshAfter(header: string | string[] | undefined, fallback: number): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d{1,3}$/.test(value.trim())) return fallback;
  const seconds = Number(value.trim());
  return seconds >= 1 && seconds <= 127 ? seconds : fallback;
}
