export { systemAllowlistApi } from './routes.js';
export { vulnerabilityPolicy, type VulnerabilityPolicy } from './policy.js';
export {
  allowlistJson,
  allowlistsOf,
  cveAllowlistReq,
  deleteAllowlist,
  effectiveAllowlist,
  findAllowlist,
  MAX_ALLOWLIST_ITEMS,
  saveAllowlist,
  SYSTEM_ALLOWLIST,
  validateAllowlist,
  type AllowlistInput,
  type CveAllowlistJson,
  type CveAllowlistReq,
} from './allowlist.js';
