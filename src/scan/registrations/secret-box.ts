import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = 'v1';

/**
 * Encrypts secrets kept in the database (scanner credentials) with AES-256-GCM, so a copy of
 * the database alone does not give them away. The key is `scan.encryptionKey`, or one
 * generated at first start in `<dataDir>/secret.key`.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(material: string) {
    // Any string of 32+ characters becomes a 256-bit key.
    this.key = createHash('sha256').update(`berth-secret-box:${material}`).digest();
  }

  /** The configured key, else the one in the data directory (created when absent). */
  static load(config: { dataDir: string; scan: { encryptionKey?: string | undefined } }): SecretBox {
    if (config.scan.encryptionKey) return new SecretBox(config.scan.encryptionKey);
    const path = join(config.dataDir, 'secret.key');
    if (!existsSync(path)) {
      mkdirSync(config.dataDir, { recursive: true });
      writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
    }
    return new SecretBox(readFileSync(path, 'utf8').trim());
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
