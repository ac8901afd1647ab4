// Writes web/src/api/schema.d.ts, the portal's API types, from the OpenAPI document the server
// builds from its own routes: a server is built in memory (fresh SQLite, no listening socket)
// and asked for /api/v2.0/swagger.json. `--check` fails when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { apiTypesSource } from '../src/testing/api-types.js';

const target = fileURLToPath(new URL('../web/src/api/schema.d.ts', import.meta.url));
const source = await apiTypesSource();
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== source) {
    console.error('web/src/api/schema.d.ts is stale: run npm run api-types');
    process.exit(1);
  }
} else {
  writeFileSync(target, source);
  console.log(`wrote ${target}`);
}
