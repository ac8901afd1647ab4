import type { Config } from './schema.js';

const HIDDEN = '********';

/** `postgres://berth:secret@db/berth` → `postgres://berth:********@db/berth`; anything else unchanged. */
export function hideUrlPassword(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  if (!url.password) return value;
  url.password = HIDDEN;
  return url.toString();
}

/** The configuration as `berth config show` prints it: passwords, also those inside URLs, hidden. */
export function redactConfig(config: Config): unknown {
  return hideUrls({
    ...config,
    auth: { ...config.auth, adminPassword: config.auth.adminPassword === undefined ? undefined : HIDDEN },
    secretKey: config.secretKey === undefined ? undefined : HIDDEN,
    storage: {
      ...config.storage,
      s3: config.storage.s3 && {
        ...config.storage.s3,
        secretAccessKey: config.storage.s3.secretAccessKey === undefined ? undefined : HIDDEN,
        sessionToken: config.storage.s3.sessionToken === undefined ? undefined : HIDDEN,
      },
    },
    scan: {
      ...config.scan,
      encryptionKey: config.scan.encryptionKey === undefined ? undefined : HIDDEN,
      adapterApiKey: config.scan.adapterApiKey === undefined ? undefined : HIDDEN,
    },
  });
}

function hideUrls(value: unknown): unknown {
  if (typeof value === 'string') return hideUrlPassword(value);
  if (Array.isArray(value)) return value.map(hideUrls);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, hideUrls(child)]));
  return value;
}
