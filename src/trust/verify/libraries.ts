import type * as SigstoreBundle from '@sigstore/bundle';
import type * as SigstoreCore from '@sigstore/core';
import type * as ProtobufSpecs from '@sigstore/protobuf-specs';
import type * as SigstoreVerify from '@sigstore/verify';
import type * as Cbor from 'cbor2';

/** The packages signature verification reads with: Sigstore's bundle, DER and verifier code, and CBOR for notation's COSE envelopes. */
export interface VerifyLibraries {
  bundle: typeof SigstoreBundle;
  core: typeof SigstoreCore;
  specs: typeof ProtobufSpecs;
  verify: typeof SigstoreVerify;
  cbor: typeof Cbor;
}

let loaded: VerifyLibraries | undefined;

/**
 * Loads the verification libraries, once. The server does not load them at start (a registry
 * that never checks a signature never needs them): every way into verification awaits this
 * first, and the synchronous verifiers take them from {@link verifyLibraries}.
 */
export async function loadVerifyLibraries(): Promise<VerifyLibraries> {
  if (!loaded) {
    const [bundle, core, specs, verify, cbor] = await Promise.all([
      import('@sigstore/bundle'),
      import('@sigstore/core'),
      import('@sigstore/protobuf-specs'),
      import('@sigstore/verify'),
      import('cbor2'),
    ]);
    loaded = { bundle, core, specs, verify, cbor };
  }
  return loaded;
}

/** The libraries {@link loadVerifyLibraries} loaded; calling a verifier before it is a programming error. */
export function verifyLibraries(): VerifyLibraries {
  if (!loaded) throw new Error('the signature verification libraries are not loaded: await loadVerifyLibraries() first');
  return loaded;
}
