export interface BannerInput {
  scheme: 'http' | 'https';
  /** The address the socket is bound to, as the OS reports it (0.0.0.0, ::, 127.0.0.1, …). */
  address: string;
  port: number;
  /** This machine's name, for a URL when bound to every address. */
  hostname: string;
  externalUrl?: string;
  role: string;
  dataDir: string;
  dialect: string;
}

const WILDCARDS: Record<string, string> = { '0.0.0.0': 'every IPv4 address of this machine', '::': 'every address of this machine' };

function hostPort(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/**
 * What `berth serve` prints once it listens: where it really listens (not a loopback address
 * picked for display), a URL others can use, and how to log in to it.
 */
export function bannerLines(input: BannerInput): string[] {
  const bound = `${input.scheme}://${hostPort(input.address, input.port)}`;
  const wildcard = WILDCARDS[input.address];
  const details = `role: ${input.role}, data: ${input.dataDir}, database: ${input.dialect}`;
  const url = (input.externalUrl ?? (wildcard ? `${input.scheme}://${hostPort(input.hostname, input.port)}` : bound)).replace(/\/+$/, '');
  const registry = new URL(url).host;
  const lines = [
    `Berth is listening on ${bound} (${wildcard ? `${wildcard}; ` : ''}${details})`,
    `Registry URL: ${url}`,
    `Log in with:  docker login ${registry} -u admin   (or podman login; the portal and API are at ${url}/)`,
  ];
  if (input.scheme === 'http' && !input.externalUrl) {
    lines.push('This is plain HTTP: clients need the registry listed as insecure, unless it is localhost. Set server.tls.cert and server.tls.key to serve HTTPS.');
  }
  return lines;
}
