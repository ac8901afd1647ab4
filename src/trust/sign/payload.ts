/** cosign's simple-signing payload type (containers/image "simple signing", cosign flavour). */
import { SIMPLE_SIGNING_TYPE } from '../verify/cosign.js';

/**
 * A JSON string as Go's encoding/json writes it: besides what JSON.stringify escapes, `<`, `>`,
 * `&` and U+2028/U+2029 become \u escapes, so signed bytes match what cosign would have signed.
 */
export function goJsonString(value: string): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A Go map[string]string: keys sorted bytewise, as encoding/json orders them. */
function goStringMap(map: Readonly<Record<string, string>>): string {
  const keys = Object.keys(map).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((key) => `${goJsonString(key)}:${goJsonString(map[key] ?? '')}`).join(',')}}`;
}

/**
 * The bytes cosign signs for an image: sigstore's payload.SimpleContainerImage marshalled by Go
 * (fields in struct order, no spaces); `optional` is null without annotations.
 */
export function simpleSigningPayload(dockerReference: string, manifestDigest: string, annotations: Readonly<Record<string, string>> = {}): Buffer {
  const optional = Object.keys(annotations).length > 0 ? goStringMap(annotations) : 'null';
  const critical =
    `{"identity":{"docker-reference":${goJsonString(dockerReference)}},` +
    `"image":{"docker-manifest-digest":${goJsonString(manifestDigest)}},` +
    `"type":${goJsonString(SIMPLE_SIGNING_TYPE)}}`;
  return Buffer.from(`{"critical":${critical},"optional":${optional}}`, 'utf8');
}
