/** Content trust: checking cosign and notation signatures against the trust material a project or the system holds. */
export { COSIGN_BUNDLE_ANNOTATION, COSIGN_CERTIFICATE_ANNOTATION, COSIGN_SIGNATURE_ANNOTATION, verifyCosignSignature } from './verify/cosign.js';
export type { CosignSignatureFacts, CosignTrust } from './verify/cosign.js';
export { COSIGN_SIGN_PREDICATE, parseEnvelope, verifyDsse } from './verify/dsse.js';
export { fingerprintOf, KeyFormatError, publicKeyFromPem, type TrustedKey } from './verify/keys.js';
export { loadVerifyLibraries } from './verify/libraries.js';
export { verifyNotationCose } from './verify/notation-cose.js';
export { verifyNotationJws, type NotationLevel, type NotationSubject, type NotationTrust } from './verify/notation.js';
export type { Verdict } from './verify/result.js';
export { trustModule } from './module.js';
export { SignatureVerdictShape, TrustMaterialShape, TrustPolicyShape } from './shapes.js';
export { materialInput as TrustMaterialInputShape, policyInput as TrustPolicyInputShape } from './material/material.js';
export { trustCommands } from './cli/index.js';
