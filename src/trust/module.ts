import type { ApiDeps } from '../api/index.js';
import type { Gates } from '../content/index.js';
import type { FeatureModule } from '../platform/index.js';
import { contentTrustGate } from './policy/gate.js';
import { trustRoutes } from './routes.js';
import { SignatureVerifier } from './verdicts.js';

/** One verifier per app: the gate and the API share its verdicts. */
const verifiers = new WeakMap<ApiDeps, SignatureVerifier>();
function verifierOf(deps: ApiDeps): SignatureVerifier {
  let verifier = verifiers.get(deps);
  if (!verifier) {
    verifier = new SignatureVerifier({ blobs: deps.content, clock: deps.clock });
    verifiers.set(deps, verifier);
  }
  return verifier;
}

/**
 * Content trust: Harbor's cosign and notation pull policies as a pull gate, Berth's stricter
 * "verified signature required", trust material and policy per project and system, and each
 * signature's verdict.
 */
export const trustModule: FeatureModule<ApiDeps, Partial<Gates>> = {
  name: 'trust',
  gates: (deps) => ({ pull: [contentTrustGate(verifierOf(deps), deps.clock)] }),
  api(scope, deps) {
    trustRoutes(scope, { ...deps, verifier: verifierOf(deps) });
  },
};
