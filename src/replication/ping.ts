import { RegistryClient, RegistryError, type RegistryConnection } from '../platform/registry-client/index.js';

export type { RegistryConnection } from '../platform/registry-client/index.js';

/** The registry did not answer as a working one: `status` is its HTTP status when it answered. */
export class RegistryPingError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** `GET /v2/` through the shared registry client, signing in as the endpoint's credential says. */
export async function pingRegistry(connection: RegistryConnection): Promise<void> {
  const client = new RegistryClient({ ...connection, userAgent: connection.userAgent ?? 'berth-replication' });
  try {
    await client.ping();
  } catch (error) {
    if (error instanceof RegistryError) throw new RegistryPingError(error.message, error.status, error.code);
    throw error;
  } finally {
    client.close();
  }
}
