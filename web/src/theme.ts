import { useSyncExternalStore } from 'react';

export type ThemeMode = 'light' | 'dark';
const STORAGE_KEY = 'berth.theme';
const listeners = new Set<() => void>();

function initial(): ThemeMode {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'light' || stored === 'dark') return stored;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

let mode: ThemeMode = initial();

/** Switches the theme and remembers it for the next visit. */
export function setThemeMode(next: ThemeMode): void {
  mode = next;
  localStorage.setItem(STORAGE_KEY, next);
  for (const listener of listeners) listener();
}

export function useThemeMode(): ThemeMode {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => mode,
  );
}
