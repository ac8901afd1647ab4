/** What checking one signature found: who signed, or why it does not count. */
export type Verdict =
  | { readonly verified: true; readonly signer: string; readonly details?: readonly string[] }
  | { readonly verified: false; readonly reason: string; readonly signer?: string };

export const verified = (signer: string, details?: readonly string[]): Verdict => ({ verified: true, signer, ...(details ? { details } : {}) });
export const refused = (reason: string, signer?: string): Verdict => ({ verified: false, reason, ...(signer ? { signer } : {}) });
