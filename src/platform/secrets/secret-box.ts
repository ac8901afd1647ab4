import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * Encrypts secrets kept in the database (scanner and registry credentials) with AES-256-GCM,
 * so a copy of the database alone does not give them away. Which key it holds, and whether that
 * key opens what the database stores, is `keys.ts`'s business.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(material: string) {
    // Any string of 32+ characters becomes a 256-bit key.
    this.key = createHash('sha256').update(`berth-secret-box:${material}`).digest();
  }

  seal(plain: string): string {
    if (plain === '') return '';
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  /** The secret, or undefined when it was sealed with another key or is damaged. */
  open(sealed: string): string | undefined {
    if (sealed === '') return '';
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || body === undefined) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
