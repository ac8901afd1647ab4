import { pipeline, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AccessControl, type Authenticator, accountRef, identityName } from '../auth/index.js';
import {
  type Actor,
  type ContentService,
  type IncomingBytes,
  type ManifestService,
  type MountSource,
  parseLookupReference,
  parseReference,
  rangeHeader,
} from '../content/index.js';
import type { Config } from '../platform/config/index.js';
import type { Database, Repository } from '../platform/db/index.js';
import { NotFoundError, OciError, PreconditionFailedError } from '../platform/errors/index.js';
import { ClientBandwidth, MediaType } from '../platform/lib/index.js';
import { setRegistryRoute, setRequestUser } from '../platform/http/index.js';
import type { Clock } from '../platform/clock.js';
import type { Settings } from '../platform/settings/index.js';
import type { ProxyCache } from '../proxy-cache/index.js';
import { RegistryGuard, type Caller } from './guard.js';
import { blobBody, byteRange, chunkRange, contentLength, hasBody, nextLink, page, query, readLimited, requireDigest } from './http.js';
import { ALLOWED_METHODS, matchRoute, type RegistryRoute } from './router.js';

/** cosign and notation (and `berth sign`) pull an artifact before they sign it; Harbor knows them by User-Agent. */
function isSigningClient(userAgent: string | undefined): boolean {
  return /cosign|notation|berth-sign/i.test(userAgent ?? '');
}

export interface RegistryRouteDeps {
  config: Config;
  database: Database;
  clock: Clock;
  content: ContentService;
  authenticator: Authenticator;
  access: AccessControl;
  settings: Settings;
  /** The pull path of proxy cache projects (projects with a registry endpoint). */
  proxy?: ProxyCache;
}

type Handler<K extends RegistryRoute['kind']> = (
  route: Extract<RegistryRoute, { kind: K }>,
  caller: Caller,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<void>;

/** The OCI Distribution API under /v2/. */
export async function registerRegistryRoutes(app: FastifyInstance, deps: RegistryRouteDeps): Promise<ManifestService> {
  const guard = new RegistryGuard(deps.database, deps.authenticator, deps.access, deps.config.auth.tokenService, deps.config.server.externalUrl, deps.clock);
  const { content } = deps;
  const { uploads, manifests } = content;
  const maxManifest = deps.config.registry.maxManifestBytes;
  const { blobKibPerSecondPerClient, maxTrackedKeys } = deps.config.rateLimit;
  const bandwidth = blobKibPerSecondPerClient > 0 ? new ClientBandwidth(blobKibPerSecondPerClient * 1024, maxTrackedKeys) : undefined;
  // storage.redirect: blob GETs answered with a URL of the storage (the config refuses it beside a bandwidth limit).
  const redirect = deps.config.storage.redirect ? { expiresInSeconds: deps.config.storage.redirectExpirySeconds } : undefined;

  /** A blob's bytes, paced to the client's share when rateLimit.blobKibPerSecondPerClient is set. */
  function paced(request: FastifyRequest, body: Readable): Readable {
    // pipeline, not pipe: a source that fails mid-way ends the response instead of leaving it hanging.
    return bandwidth ? pipeline(body, bandwidth.stream(request.ip), () => undefined) : body;
  }

  function repository(name: string): Promise<Repository | undefined> {
    return content.findRepository(name);
  }

  function ensureRepository(name: string, projectId: number): Promise<Repository> {
    return content.ensureRepository(projectId, name);
  }

  function uploadHeaders(reply: FastifyReply, name: string, id: string, size: number): void {
    reply.header('location', `/v2/${name}/blobs/uploads/${id}`).header('range', rangeHeader(size)).header('docker-upload-uuid', id);
  }

  const base: Handler<'base'> = async (_route, caller, _request, reply) => {
    guard.requireAuthenticated(caller);
    reply.header('content-type', 'application/json').send('{}');
  };

  const catalog: Handler<'catalog'> = async (_route, caller, request, reply) => {
    const projects = await guard.readableProjects(caller);
    const requested = page(request);
    const limit = requested?.n ?? 10_000;
    const listed = await content.repositoryNames(
      projects.map((p) => p.id),
      limit + 1,
      requested?.last,
    );
    const names = await guard.pullable(caller, listed.slice(0, limit));
    const link = listed.length > limit ? nextLink('/v2/_catalog', listed.slice(0, limit), requested) : undefined;
    if (link) reply.header('link', link);
    reply.send({ repositories: names });
  };

  const tags: Handler<'tags'> = async (route, caller, request, reply) => {
    await guard.authorize(caller, route.name, 'pull');
    const found = await repository(route.name);
    if (!found) throw new OciError('NAME_UNKNOWN', { name: route.name });
    const requested = page(request);
    const limit = requested?.n ?? 10_000;
    const names = await content.tagNames(found, limit + 1, requested?.last);
    const link = names.length > limit ? nextLink(`/v2/${route.name}/tags/list`, names.slice(0, limit), requested) : undefined;
    if (link) reply.header('link', link);
    reply.send({ name: route.name, tags: names.slice(0, limit) });
  };

  const getManifest: Handler<'manifest'> = async (route, caller, request, reply) => {
    const project = await guard.authorize(caller, route.name, 'pull');
    const reference = parseLookupReference(route.reference);
    const proxied = project.registry_id !== null ? await deps.proxy?.manifest(project, route.name, reference) : undefined;
    // A scan job's robot (scanner-pull) and a signer about to sign pass the project's policies, as in Harbor.
    const access = () => deps.access.forProject(caller.identity, project);
    const exemptions = {
      isScanner: async () => (await access()).can('repository', 'scanner-pull', route.name),
      isSigner: async () => isSigningClient(request.headers['user-agent']) && (await access()).can('repository', 'push', route.name),
      puller: { name: identityName(caller.identity) || 'anonymous', ip: request.ip },
    };
    if (proxied) {
      // Not an artifact here yet: the gates judge it as the artifact it will be.
      const cachedIn = await content.findRepository(route.name);
      const provisional = { ...proxied, repositoryId: cachedIn?.id, tag: reference.kind === 'tag' ? reference.tag : undefined };
      await content.beforeProvisionalPull(project.id, route.name, provisional, exemptions).catch((refusal: unknown) => {
        // Held back, the image is still cached, so that it can become an artifact and be scanned or signed.
        if (refusal instanceof PreconditionFailedError) deps.proxy?.prefetch(project, route.name, proxied);
        throw refusal;
      });
      if (!accepts(request.headers.accept, proxied.mediaType)) throw new OciError('MANIFEST_UNKNOWN', { mediaType: proxied.mediaType });
      reply
        .header('content-type', proxied.mediaType)
        .header('docker-content-digest', proxied.digest)
        .header('etag', `"${proxied.digest}"`)
        .header('content-length', proxied.bytes.length);
      return void reply.send(request.method === 'HEAD' ? undefined : proxied.bytes);
    }
    const artifact = await manifests.findByName(route.name, reference);
    await content.beforePull(project.id, route.name, artifact, exemptions);
    if (!accepts(request.headers.accept, artifact.media_type)) {
      throw new OciError('MANIFEST_UNKNOWN', { mediaType: artifact.media_type }, `manifest is ${artifact.media_type}, which the Accept header excludes`);
    }
    reply
      .header('content-type', artifact.media_type)
      .header('docker-content-digest', artifact.digest)
      .header('etag', `"${artifact.digest}"`)
      .header('content-length', artifact.manifest_size);
    if (request.method === 'HEAD') return void reply.send();
    const body = await manifests.read(artifact);
    // Harbor's scanner_skip_update_pulltime: a scan job's pull is not a use of the image.
    const { scanner_skip_update_pulltime: skipForScanners } = await deps.settings.pick(['scanner_skip_update_pulltime']);
    const updatesPullTime = !(skipForScanners && (await access()).can('repository', 'scanner-pull', route.name));
    manifests.pulls.record({
      updatesPullTime,
      repositoryId: artifact.repository_id,
      projectId: project.id,
      artifactId: artifact.id,
      resource: reference.kind === 'tag' ? `${route.name}:${reference.tag}` : `${route.name}@${reference.digest}`,
      repository: route.name,
      digest: artifact.digest,
      tag: reference.kind === 'tag' ? reference.tag : null,
      username: identityName(caller.identity) || 'anonymous',
      clientIp: request.ip,
    });
    reply.send(body);
  };

  const putManifest: Handler<'manifest'> = async (route, caller, request, reply) => {
    const project = await guard.authorize(caller, route.name, 'push');
    const reference = parseReference(route.reference);
    const body = await readLimited(request.raw, maxManifest, contentLength(request));
    const target = await ensureRepository(route.name, project.id);
    const stored = await content.putManifest(target, reference, body, request.headers['content-type'], actor(caller, request));
    reply.code(201).header('location', `/v2/${route.name}/manifests/${stored.digest}`).header('docker-content-digest', stored.digest);
    if (stored.subject) reply.header('oci-subject', stored.subject);
    reply.send();
  };

  const deleteManifest: Handler<'manifest'> = async (route, caller, request, reply) => {
    await guard.authorize(caller, route.name, 'delete');
    const reference = parseLookupReference(route.reference);
    const found = await repository(route.name);
    if (!found) throw new NotFoundError('manifest', 'manifest unknown to registry', { name: route.name });
    // By tag: only the tag goes. By digest: the artifact, with what goes with it.
    if (reference.kind === 'tag') await content.deleteTag(found, reference.tag, actor(caller, request));
    else await content.deleteArtifacts(found, [await content.resolve(found, reference)], actor(caller, request));
    reply.code(202).send();
  };

  const getBlob: Handler<'blob'> = async (route, caller, request, reply) => {
    const project = await guard.authorize(caller, route.name, 'pull');
    const digest = requireDigest(route.digest);
    let found = await repository(route.name);
    let size = found && (await content.blobSize(found, digest.toString()));
    // A proxy cache project asks its upstream only for what it has not cached: a hit costs what any pull does.
    if ((size === undefined || size === null) && project.registry_id !== null && deps.proxy) {
      const want = request.method === 'HEAD' ? 'head' : request.headers.range ? 'stored' : 'stream';
      const proxied = await deps.proxy.blob(project, route.name, digest.toString(), want);
      if (proxied) {
        reply.header('docker-content-digest', digest.toString()).header('content-type', 'application/octet-stream').header('content-length', proxied.size);
        return void reply.send(proxied.stream && paced(request, proxied.stream));
      }
      // Stored meanwhile (by this pull's wait, or another's): served from content below.
      found = await repository(route.name);
      size = found && (await content.blobSize(found, digest.toString()));
    }
    if (size === undefined || size === null || !found) throw new OciError('BLOB_UNKNOWN', { digest: digest.toString() });
    const range = request.method === 'GET' ? byteRange(request.headers.range, size) : undefined;
    // storage.redirect: the client takes the bytes from the storage, Range header and all. The
    // redirect is not cached: the URL it names expires.
    const elsewhere = request.method === 'GET' && redirect ? await content.blobRedirectUrl(digest.toString(), redirect.expiresInSeconds) : undefined;
    if (elsewhere) {
      reply.code(307).header('location', elsewhere).header('docker-content-digest', digest.toString()).header('cache-control', 'no-store');
      return void reply.send();
    }
    reply
      .header('docker-content-digest', digest.toString())
      .header('content-type', 'application/octet-stream')
      .header('accept-ranges', 'bytes')
      .header('etag', `"${digest.toString()}"`)
      .header('cache-control', 'max-age=31536000');
    if (request.method === 'HEAD') return void reply.header('content-length', size).send();
    if (range) {
      reply
        .code(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
        .header('content-length', range.end - range.start + 1);
      return void reply.send(paced(request, await content.readBlob(digest.toString(), { offset: range.start, length: range.end - range.start + 1 })));
    }
    reply.header('content-length', size).send(paced(request, await content.readBlob(digest.toString())));
  };

  const deleteBlob: Handler<'blob'> = async (route, caller, _request, reply) => {
    await guard.authorize(caller, route.name, 'delete');
    const digest = requireDigest(route.digest);
    const found = await repository(route.name);
    if (!found) throw new NotFoundError('blob', 'blob unknown to registry', { digest: digest.toString() });
    await content.unlinkBlob(found, digest.toString());
    reply.code(202).header('docker-content-digest', digest.toString()).send();
  };

  const startUpload: Handler<'uploads'> = async (route, caller, request, reply) => {
    const q = query(request);
    const project = await guard.authorize(caller, route.name, 'push', q.mount !== undefined ? q.from : undefined);
    const target = await ensureRepository(route.name, project.id);
    if (q.mount !== undefined) {
      const digest = requireDigest(q.mount, 'mount');
      const source = await mountSource(caller, q.from);
      if (source && (await content.mountBlob(target, digest.toString(), source, actor(caller, request)))) {
        reply.code(201).header('location', `/v2/${route.name}/blobs/${digest.toString()}`).header('docker-content-digest', digest.toString());
        return void reply.send();
      }
    } else if (q.digest !== undefined) {
      const digest = requireDigest(q.digest);
      await uploads.monolithic(target, digest, incoming(request, caller), accountRef(caller.identity));
      reply.code(201).header('location', `/v2/${route.name}/blobs/${digest.toString()}`).header('docker-content-digest', digest.toString());
      return void reply.send();
    }
    const id = await uploads.start(target, accountRef(caller.identity));
    uploadHeaders(reply, route.name, id, 0);
    reply.code(202).header('content-length', 0).send();
  };

  /**
   * Where a mount may take the blob from: `from` when the caller may pull there, else the
   * repositories of the target's project that the caller may pull (the same check as a pull).
   */
  async function mountSource(caller: Caller, from: string | undefined): Promise<MountSource | undefined> {
    if (from === undefined) return { kind: 'project', mayPull: async (name) => (await guard.canPull(caller, name)) !== undefined };
    if (!(await guard.canPull(caller, from))) return undefined;
    const source = await repository(from);
    return source ? { kind: 'repository', repository: source } : undefined;
  }

  async function uploadRepository(caller: Caller, name: string): Promise<Repository> {
    await guard.authorize(caller, name, 'push');
    const found = await repository(name);
    if (!found) throw new OciError('BLOB_UPLOAD_UNKNOWN', { name });
    return found;
  }

  const uploadStatus: Handler<'upload'> = async (route, caller, _request, reply) => {
    const target = await uploadRepository(caller, route.name);
    const size = await uploads.size(target, route.id);
    uploadHeaders(reply, route.name, route.id, size);
    reply.code(204).send();
  };

  const patchUpload: Handler<'upload'> = async (route, caller, request, reply) => {
    const target = await uploadRepository(caller, route.name);
    const size = await uploads.append(target, route.id, incoming(request, caller), chunkRange(request));
    uploadHeaders(reply, route.name, route.id, size);
    reply.code(202).header('content-length', 0).send();
  };

  const putUpload: Handler<'upload'> = async (route, caller, request, reply) => {
    const target = await uploadRepository(caller, route.name);
    const digest = requireDigest(query(request).digest);
    await uploads.complete(target, route.id, digest, hasBody(request) ? incoming(request, caller) : undefined);
    reply.code(201).header('location', `/v2/${route.name}/blobs/${digest.toString()}`).header('docker-content-digest', digest.toString());
    reply.header('content-length', 0).send();
  };

  const deleteUpload: Handler<'upload'> = async (route, caller, _request, reply) => {
    const target = await uploadRepository(caller, route.name);
    await uploads.cancel(target, route.id);
    reply.code(204).send();
  };

  const referrers: Handler<'referrers'> = async (route, caller, request, reply) => {
    await guard.authorize(caller, route.name, 'pull');
    const digest = requireDigest(route.digest);
    const artifactType = query(request).artifactType;
    const found = await repository(route.name);
    const rows = found ? await content.referrers(found, digest.toString(), artifactType) : [];
    if (artifactType !== undefined) reply.header('oci-filters-applied', 'artifactType');
    // A Buffer, so the media type goes out exactly as the spec names it (no charset added).
    reply.header('content-type', MediaType.OciIndex).send(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.OciIndex,
          manifests: rows.map((a) => ({
            mediaType: a.media_type,
            digest: a.digest,
            size: a.manifest_size,
            ...(a.artifact_type ? { artifactType: a.artifact_type } : {}),
            ...(a.annotations ? { annotations: JSON.parse(a.annotations) as Record<string, string> } : {}),
          })),
        }),
      ),
    );
  };

  const handlers: { [K in RegistryRoute['kind']]: Partial<Record<string, Handler<K>>> } = {
    base: { GET: base, HEAD: base },
    catalog: { GET: catalog },
    tags: { GET: tags },
    manifest: { GET: getManifest, HEAD: getManifest, PUT: putManifest, DELETE: deleteManifest },
    blob: { GET: getBlob, HEAD: getBlob, DELETE: deleteBlob },
    uploads: { POST: startUpload },
    upload: { GET: uploadStatus, PATCH: patchUpload, PUT: putUpload, DELETE: deleteUpload },
    referrers: { GET: referrers },
  };

  await app.register(async (scope) => {
    // Bodies are streamed by the handlers themselves: blobs to storage, manifests with a bound.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('docker-distribution-api-version', 'registry/2.0');
    });
    scope.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: '/v2/*',
      exposeHeadRoute: false,
      handler: async (request, reply) => {
        const path = request.url.split('?', 1)[0]!;
        const route = matchRoute(path);
        if (!route) throw new OciError('NAME_UNKNOWN', { path }, 'no such registry endpoint');
        setRegistryRoute(request, route);
        const handler = (handlers[route.kind] as Record<string, Handler<typeof route.kind> | undefined>)[request.method];
        if (!handler) {
          reply.header('allow', ALLOWED_METHODS[route.kind].join(', '));
          throw new OciError('METHOD_NOT_ALLOWED', { method: request.method });
        }
        const caller = await guard.caller(request);
        setRequestUser(request, identityName(caller.identity) || 'anonymous');
        await handler(route as never, caller, request, reply);
        // Returning the reply tells Fastify a streamed body is still being sent.
        return reply;
      },
    });
    scope.route({
      method: ['GET', 'HEAD'],
      url: '/v2',
      exposeHeadRoute: false,
      handler: async (request, reply) => {
        await base({ kind: 'base' }, await guard.caller(request), request, reply);
        return reply;
      },
    });
  });
  return manifests;
}

/** A blob body as it streams in, with the length it declares (if any) for checks before it is read. */
function incoming(request: FastifyRequest, caller: Caller): IncomingBytes {
  return { body: blobBody(request), length: contentLength(request), sender: actor(caller, request) };
}

function actor(caller: Caller, request: FastifyRequest): Actor {
  return { name: identityName(caller.identity) || 'anonymous', ip: request.ip };
}

/** Whether an Accept header admits the media type (no header, or a wildcard, admits all). */
function accepts(header: string | undefined, mediaType: string): boolean {
  if (!header) return true;
  const types = header
    .split(',')
    .map((t) => t.split(';')[0]!.trim())
    .filter((t) => t.length > 0);
  return types.length === 0 || types.some((t) => t === mediaType || t === '*/*' || t === 'application/*');
}
