import { useQuery } from '@tanstack/react-query';
import { apiUrl, getJson } from '../api/client';

/** Whether anyone may create an account: `self_registration` from GET /systeminfo, which answers anonymous callers too. */
export function useSelfRegistration() {
  return useQuery({
    queryKey: ['systeminfo', 'self-registration'],
    queryFn: async () => (await getJson<{ self_registration?: boolean }>(apiUrl('/systeminfo'))).self_registration === true,
  });
}

/** How people sign in (`auth_mode`, and the OIDC provider's name for the SSO button), from the same anonymous GET /systeminfo. */
export function useSignInModes() {
  return useQuery({
    queryKey: ['systeminfo', 'sign-in-modes'],
    queryFn: async () => {
      const info = await getJson<{ auth_mode?: string; oidc_provider_name?: string }>(apiUrl('/systeminfo'));
      return { auth_mode: info.auth_mode ?? 'db_auth', oidc_provider_name: info.oidc_provider_name ?? '' };
    },
  });
}
