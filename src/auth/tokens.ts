import { createHash, randomBytes } from 'node:crypto';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, importSPKI, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import type { Database } from '../platform/db/index.js';
import type { ResourceScope } from './scope.js';

const ALGORITHM = 'RS256';
const KEY_NAME = 'token_signing_key';
/** Clock skew tolerated between instances and clients. */
const LEEWAY_SECONDS = 60;

/** The private claim naming the account (`user:5`, `robot:3`) a token was issued to. */
const ACCOUNT_CLAIM = 'berth_account';

export interface TokenClaims {
  sub: string;
  /** The account the token was issued to (see accountRef); undefined for anonymous tokens. */
  account?: string;
  iat: number;
  exp: number;
  access: ResourceScope[];
}

export interface TokenSettings {
  issuer: string;
  service: string;
  expirationMinutes: number;
}

/**
 * Signs and verifies registry tokens. The RSA key is generated at first start and kept in
 * the database, so every instance of a scaled-out Berth signs with the same key.
 */
export class TokenSigner {
  /** Verified tokens by their text: a token is checked once, then read from here until it expires. */
  private readonly verified = new Map<string, TokenClaims>();

  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly keyId: string,
    private readonly settings: TokenSettings,
  ) {}

  static async load(database: Database, settings: TokenSettings, now: number): Promise<TokenSigner> {
    const pem = await loadOrCreateKey(database, now);
    const privateKey = await importPKCS8(pem.privateKey, ALGORITHM, { extractable: true });
    const publicKey = await importSPKI(pem.publicKey, ALGORITHM);
    return new TokenSigner(privateKey, publicKey, libtrustKeyId(pem.publicKey), settings);
  }

  get expiresInSeconds(): number {
    return this.settings.expirationMinutes * 60;
  }

  async sign(subject: string, account: string | undefined, access: ResourceScope[], nowSeconds: number): Promise<string> {
    return new SignJWT(account === undefined ? { access } : { access, [ACCOUNT_CLAIM]: account })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT', kid: this.keyId })
      .setIssuer(this.settings.issuer)
      .setSubject(subject)
      .setAudience(this.settings.service)
      .setIssuedAt(nowSeconds)
      .setNotBefore(nowSeconds)
      .setExpirationTime(nowSeconds + this.expiresInSeconds)
      .setJti(randomBytes(12).toString('base64url'))
      .sign(this.privateKey);
  }

  /** The token's claims, or undefined when it is forged, foreign or expired. */
  async verify(token: string, nowSeconds: number): Promise<TokenClaims | undefined> {
    const cached = this.verified.get(token);
    if (cached) return cached.exp + LEEWAY_SECONDS > nowSeconds ? cached : undefined;
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: [ALGORITHM],
        issuer: this.settings.issuer,
        audience: this.settings.service,
        clockTolerance: LEEWAY_SECONDS,
        currentDate: new Date(nowSeconds * 1000),
        requiredClaims: ['iat', 'exp'],
      });
      const claims: TokenClaims = {
        sub: payload.sub ?? '',
        ...(typeof payload[ACCOUNT_CLAIM] === 'string' ? { account: payload[ACCOUNT_CLAIM] } : {}),
        iat: payload.iat ?? 0,
        exp: payload.exp ?? 0,
        access: Array.isArray(payload.access) ? (payload.access as ResourceScope[]) : [],
      };
      if (this.verified.size >= 10_000) this.verified.clear();
      this.verified.set(token, claims);
      return claims;
    } catch {
      return undefined;
    }
  }
}

async function loadOrCreateKey(database: Database, now: number): Promise<{ privateKey: string; publicKey: string }> {
  const existing = await database.db.selectFrom('system_keys').select('value').where('name', '=', KEY_NAME).executeTakeFirst();
  if (existing) return JSON.parse(existing.value) as { privateKey: string; publicKey: string };
  const pair = await generateKeyPair(ALGORITHM, { modulusLength: 2048, extractable: true });
  const created = { privateKey: await exportPKCS8(pair.privateKey), publicKey: await exportSPKI(pair.publicKey) };
  // Two instances starting at once both generate; the first insert wins and both read it back.
  await database.db
    .insertInto('system_keys')
    .values({ name: KEY_NAME, value: JSON.stringify(created), created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const stored = await database.db.selectFrom('system_keys').select('value').where('name', '=', KEY_NAME).executeTakeFirstOrThrow();
  return JSON.parse(stored.value) as { privateKey: string; publicKey: string };
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Docker's libtrust key id: base32 of the first 240 bits of SHA-256(DER SPKI), in groups of four. */
export function libtrustKeyId(publicKeyPem: string): string {
  const der = Buffer.from(publicKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const bytes = createHash('sha256').update(der).digest().subarray(0, 30);
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  let encoded = '';
  for (let i = 0; i < bits.length; i += 5) encoded += BASE32[parseInt(bits.slice(i, i + 5), 2)];
  return encoded.match(/.{4}/g)?.join(':') ?? encoded;
}
