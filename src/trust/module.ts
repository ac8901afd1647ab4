import type { ApiDeps } from '../api/index.js';
import type { Gates } from '../content/index.js';
import type { FeatureModule } from '../platform/index.js';
import { pullMetadataOf } from '../projects/index.js';
import { contentTrustGate, PassMemory } from './policy/gate.js';
import { trustRoutes } from './routes.js';
import { SignatureVerifier } from './verdicts.js';

/** One verifier and one memory of passes per app: the gate and the API share them. */
interface TrustRuntime {
  verifier: SignatureVerifier;
  passes: PassMemory;
}
const runtimes = new WeakMap<ApiDeps, TrustRuntime>();
function runtimeOf(deps: ApiDeps): TrustRuntime {
  let runtime = runtimes.get(deps);
  if (!runtime) {
    runtime = { verifier: new SignatureVerifier({ blobs: deps.content, clock: deps.clock }), passes: new PassMemory(deps.clock) };
    runtimes.set(deps, runtime);
  }
  return runtime;
}

/**
 * Content trust: Harbor's cosign and notation pull policies as a pull gate, Berth's stricter
 * "verified signature required", trust material and policy per project and system, and each
 * signature's verdict.
 */
export const trustModule: FeatureModule<ApiDeps, Partial<Gates>> = {
  name: 'trust',
  gates: (deps) => {
    const { verifier, passes } = runtimeOf(deps);
    return { pull: [contentTrustGate(verifier, deps.clock, passes, pullMetadataOf(deps.clock, deps.access))] };
  },
  api(scope, deps) {
    trustRoutes(scope, { ...deps, ...runtimeOf(deps) });
  },
};
