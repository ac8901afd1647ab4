import { createHash } from 'node:crypto';
import { ADMIN_PASSWORD } from './server.js';

export function sha256(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export const ADMIN = basic('admin', ADMIN_PASSWORD);

/** A registry client speaking HTTP the way docker and skopeo do, with a token per scope. */
export class TestClient {
  private readonly tokens = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    private readonly authorization: string | null = ADMIN,
  ) {}

  async token(scope: string): Promise<string> {
    const cached = this.tokens.get(scope);
    if (cached) return cached;
    const headers: Record<string, string> = this.authorization ? { authorization: this.authorization } : {};
    const res = await fetch(`${this.baseUrl}/service/token?service=berth-registry&scope=${encodeURIComponent(scope)}`, { headers });
    if (res.status !== 200) throw new Error(`token for ${scope}: ${res.status} ${await res.text()}`);
    const { token } = (await res.json()) as { token: string };
    this.tokens.set(scope, token);
    return token;
  }

  /** A request with a bearer token for `scope` (default: pull,push,delete on the path's repository). */
  async request(method: string, path: string, init: { headers?: Record<string, string>; body?: BodyInit; scope?: string } = {}): Promise<Response> {
    const scope = init.scope ?? scopeFor(path);
    const headers: Record<string, string> = { ...init.headers };
    if (scope) headers.authorization = `Bearer ${await this.token(scope)}`;
    return fetch(`${this.baseUrl}${path}`, { method, headers, body: init.body, redirect: 'manual', duplex: 'half' } as RequestInit);
  }

  /** POSTs a new upload session and returns its Location. */
  async startUpload(name: string): Promise<string> {
    const res = await this.request('POST', `/v2/${name}/blobs/uploads/`);
    if (res.status !== 202) throw new Error(`start upload: ${res.status} ${await res.text()}`);
    return res.headers.get('location') ?? '';
  }

  async pushBlob(name: string, data: Uint8Array): Promise<string> {
    const digest = sha256(data);
    const res = await this.request('POST', `/v2/${name}/blobs/uploads/?digest=${digest}`, {
      body: new Uint8Array(data),
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (res.status !== 201) throw new Error(`push blob: ${res.status} ${await res.text()}`);
    return digest;
  }

  async pushManifest(name: string, reference: string, manifest: object, mediaType = OCI_MANIFEST): Promise<{ digest: string; res: Response }> {
    const body = JSON.stringify(manifest);
    const res = await this.request('PUT', `/v2/${name}/manifests/${reference}`, { body, headers: { 'content-type': mediaType } });
    if (res.status !== 201) throw new Error(`push manifest: ${res.status} ${await res.text()}`);
    return { digest: sha256(body), res };
  }

  /** A config + one layer + manifest; answers the manifest and its digest. */
  async pushImage(name: string, tag: string, layer: Uint8Array = Buffer.from(`layer of ${name}:${tag}`)): Promise<{ digest: string; manifest: ImageManifest }> {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    return this.pushArtifact(name, tag, {
      config: { data: config, mediaType: 'application/vnd.oci.image.config.v1+json' },
      layers: [{ data: layer, mediaType: 'application/vnd.oci.image.layer.v1.tar' }],
    });
  }

  /** Any OCI manifest: its config and layers are pushed as blobs first, as clients do. */
  async pushArtifact(name: string, tag: string, parts: ArtifactParts): Promise<{ digest: string; manifest: ImageManifest }> {
    const describe = async (part: BlobPart) => ({ mediaType: part.mediaType, digest: await this.pushBlob(name, part.data), size: part.data.length });
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      ...(parts.artifactType ? { artifactType: parts.artifactType } : {}),
      config: await describe(parts.config),
      layers: await Promise.all(parts.layers.map(describe)),
      ...(parts.subject ? { subject: { mediaType: OCI_MANIFEST, digest: parts.subject.digest, size: parts.subject.size } } : {}),
    };
    const { digest } = await this.pushManifest(name, tag, manifest);
    return { digest, manifest };
  }
}

export interface BlobPart {
  data: Uint8Array;
  mediaType: string;
}

export interface ArtifactParts {
  config: BlobPart;
  layers: BlobPart[];
  artifactType?: string;
  subject?: { digest: string; size: number };
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  artifactType?: string;
  config: { mediaType: string; digest: string; size: number };
  layers: Array<{ mediaType: string; digest: string; size: number }>;
  subject?: { mediaType: string; digest: string; size: number };
  annotations?: Record<string, string>;
}

function scopeFor(path: string): string | undefined {
  const match = /^\/v2\/(.+?)\/(?:blobs|manifests|tags|referrers)\//.exec(path);
  return match ? `repository:${match[1]}:pull,push,delete` : undefined;
}

export async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { errors?: Array<{ code: string }> };
  return body.errors?.[0]?.code;
}
