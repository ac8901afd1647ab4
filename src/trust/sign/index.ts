/** Signing images as cosign does, and finding the signatures cosign-compatible tools wrote. */
export { attachSignature, subjectDescriptor, type PushProgress, type SignMode, type SignOutcome } from './attach.js';
export { findSignatures, type Discovery, type FoundSignature } from './discover.js';
export { decryptPrivateKey, encryptPrivateKey, generateKeyPairFiles, KeyFileError, WrongPasswordError } from './encrypted-key.js';
export { goJsonString, simpleSigningPayload } from './payload.js';
export { formatReference, ImageReferenceError, parseImageReference, type ImageReference } from './reference.js';
export { resolveDigest } from './resolve.js';
export * from './signature-manifest.js';
export { signPayload, UnsupportedKeyError } from './signer.js';
export type { SignTarget } from './target.js';
