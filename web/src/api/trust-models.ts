/** Content trust: the keys and certificates a project or the system trusts, its policy, and each signature's verdict. */
import type { Definition } from './models';

export type TrustMaterial = Definition<'TrustMaterial'>;
export type TrustMaterialInput = Definition<'TrustMaterialInput'>;
export type TrustMaterialKind = TrustMaterial['kind'];
export type TrustPolicy = Definition<'TrustPolicy'>;
export type SignatureVerdict = Definition<'SignatureVerdict'>;
