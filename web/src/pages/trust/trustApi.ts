import { useQuery } from '@tanstack/react-query';
import { apiUrl, getJson } from '../../api/client';
import type { TrustMaterial, TrustMaterialKind, TrustPolicy } from '../../api/trust-models';

export const MATERIAL_KINDS: readonly TrustMaterialKind[] = ['cosign-key', 'rekor-key', 'notation-root', 'notation-tsa-root', 'sigstore-root'];
export const NOTATION_LEVELS: ReadonlyArray<TrustPolicy['notation_level']> = ['strict', 'permissive', 'audit'];
export const VERIFY_TIMESTAMP: ReadonlyArray<TrustPolicy['notation_verify_timestamp']> = ['afterCertExpiry', 'always'];

/** Whose trust: one project's (by id), or the whole system's, which every project also counts. */
export type TrustScope = { project: number } | 'system';

export function materialUrl(scope: TrustScope): string {
  return scope === 'system' ? apiUrl('/system/trust/material') : apiUrl('/projects/{project_name_or_id}/trust/material', { project_name_or_id: scope.project });
}

export function materialItemUrl(scope: TrustScope, id: number): string {
  return scope === 'system'
    ? apiUrl('/system/trust/material/{material_id}', { material_id: id })
    : apiUrl('/projects/{project_name_or_id}/trust/material/{material_id}', { project_name_or_id: scope.project, material_id: id });
}

export function policyUrl(scope: TrustScope): string {
  return scope === 'system' ? apiUrl('/system/trust/policy') : apiUrl('/projects/{project_name_or_id}/trust/policy', { project_name_or_id: scope.project });
}

const scopeKey = (scope: TrustScope) => (scope === 'system' ? 'system' : `project-${scope.project}`);
export const materialKey = (scope: TrustScope) => ['trust-material', scopeKey(scope)];
export const policyKey = (scope: TrustScope) => ['trust-policy', scopeKey(scope)];

export function useTrustMaterial(scope: TrustScope, enabled = true) {
  return useQuery({ queryKey: materialKey(scope), enabled, queryFn: () => getJson<TrustMaterial[]>(materialUrl(scope)) });
}

export function useTrustPolicy(scope: TrustScope) {
  return useQuery({ queryKey: policyKey(scope), queryFn: () => getJson<TrustPolicy>(policyUrl(scope)) });
}

/** `sha256:0123456789ab…` – enough to tell keys apart at a glance; the whole one is copied. */
export function shortFingerprint(fingerprint: string): string {
  const [algorithm, hex] = fingerprint.includes(':') ? fingerprint.split(':', 2) : ['', fingerprint];
  const head = (hex ?? '').slice(0, 12);
  return `${algorithm ? `${algorithm}:` : ''}${head}${(hex ?? '').length > 12 ? '…' : ''}`;
}
