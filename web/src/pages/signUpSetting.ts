import { useQuery } from '@tanstack/react-query';
import { apiUrl, getJson } from '../api/client';

/** Whether anyone may create an account: `self_registration` from GET /systeminfo, which answers anonymous callers too. */
export function useSelfRegistration() {
  return useQuery({
    queryKey: ['systeminfo', 'self-registration'],
    queryFn: async () => (await getJson<{ self_registration?: boolean }>(apiUrl('/systeminfo'))).self_registration === true,
  });
}
