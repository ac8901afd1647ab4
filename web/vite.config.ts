import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** What the first page load may transfer, gzipped: scripts and styles index.html loads before any route's chunk. */
const FIRST_LOAD_BUDGET_BYTES = 500 * 1024;
const outDir = fileURLToPath(new URL('../dist/web', import.meta.url));

/**
 * Prints the gzipped size of the first load and fails the build over budget, so a heavy import
 * on the first page cannot slip in unnoticed. Route chunks (React.lazy) are not counted.
 */
function firstLoadBudget(): Plugin {
  return {
    name: 'berth-first-load-budget',
    apply: 'build',
    closeBundle() {
      const html = readFileSync(`${outDir}/index.html`, 'utf8');
      const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1] as string);
      const bytes = files.reduce((sum, file) => sum + gzipSync(readFileSync(`${outDir}/${file}`)).length, 0);
      const line = `portal first load: ${(bytes / 1024).toFixed(1)} KiB gzipped in ${files.length} files (budget ${FIRST_LOAD_BUDGET_BYTES / 1024} KiB)`;
      if (bytes > FIRST_LOAD_BUDGET_BYTES) throw new Error(line);
      console.log(line);
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react(), firstLoadBudget()],
  logLevel: 'warn',
  build: {
    outDir,
    emptyOutDir: true,
    // The gzipped first-load budget above is the limit that matters; antd's shared chunk is large before compression.
    chunkSizeWarningLimit: 2048,
  },
});
