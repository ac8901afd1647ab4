import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { S3Client } from '@aws-sdk/client-s3';

export interface S3Settings {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** A PEM certificate, or the path of a PEM file. */
  ca?: string;
}

/** Connections to the endpoint at once, per instance. */
const MAX_SOCKETS = 512;

/** The CA given inline (PEM) or as the path of a PEM file. */
function readCa(ca: string): string {
  return ca.includes('-----BEGIN') ? ca : readFileSync(ca, 'utf8');
}

export function createS3Client(settings: S3Settings): S3Client {
  const { accessKeyId, secretAccessKey, sessionToken } = settings;
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    // Without explicit keys the SDK's default chain applies (AWS_* env, profiles, IRSA, instance roles).
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, sessionToken } : undefined,
    requestHandler: {
      // Each blob being pulled holds a connection for as long as it streams: the SDK's default of
      // 50 sockets would queue the 51st concurrent pull behind the others.
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      // A private CA is trusted in addition to the system ones, not instead of them.
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS, ...(settings.ca ? { ca: [...rootCertificates, readCa(settings.ca)] } : {}) }),
      connectionTimeout: 10_000,
    },
    // S3-compatible servers (MinIO releases, Ceph, s3rver) do not all know the newer flexible
    // checksums; checksums are sent only where the API requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
