import { useQuery } from '@tanstack/react-query';
import { apiUrl, getJson } from '../../api/client';
import type { Definition } from '../../api/models';
import type { AllowlistValue } from './vulnerabilityIds';

export type CveAllowlist = Definition<'CVEAllowlist'>;

export const SYSTEM_ALLOWLIST_KEY = ['system-cve-allowlist'];

/** The system's CVE allowlist, which every signed-in user may read. */
export function useSystemAllowlist() {
  return useQuery({ queryKey: SYSTEM_ALLOWLIST_KEY, queryFn: () => getJson<CveAllowlist>(apiUrl('/system/CVEAllowlist')) });
}

export function allowlistValue(list: Pick<CveAllowlist, 'items' | 'expires_at'> | undefined): AllowlistValue {
  return { items: (list?.items ?? []).map((item) => item.cve_id), expiresAt: list?.expires_at ?? null };
}

/** Harbor's CVEAllowlist body for a PUT. */
export function allowlistBody(value: AllowlistValue): { items: Array<{ cve_id: string }>; expires_at: number | null } {
  return { items: value.items.map((cve_id) => ({ cve_id })), expires_at: value.expiresAt };
}
