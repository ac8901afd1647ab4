/** How an adapter is authenticated, as the form names it: the scheme or header, or "None". */
export function authLabel(auth: string, t: (key: string) => string): string {
  if (auth === 'Basic' || auth === 'Bearer') return auth;
  if (auth === 'APIKey') return 'X-ScannerAdapter-API-Key';
  return t('scanAdmin.auth.none');
}
