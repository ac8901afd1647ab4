// The SPDX 2.3 JSON schema from the shared reference, compiled for the SBOM tests.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SPDX_SCHEMA = join(REPO_ROOT, '..', 'shared', 'reference', 'security', 'spdx-2.3-schema.json');

/** The SPDX 2.3 schema compiled with ajv, or undefined when the reference files are absent (which CI does not accept). */
export function spdxValidator(): ValidateFunction | undefined {
  if (!existsSync(SPDX_SCHEMA)) {
    assert.notEqual(process.env.CI, 'true', `the SPDX 2.3 schema is missing at ${SPDX_SCHEMA}; CI must have shared/ beside the repository`);
    return undefined;
  }
  const ajv = new Ajv({ allErrors: true, strict: false });
  // ajv-formats is CommonJS: under NodeNext its default import is the module, whose default is the plugin.
  const addFormats = (addFormatsPlugin as unknown as { default: (a: Ajv) => Ajv }).default;
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(SPDX_SCHEMA, 'utf8')) as object);
}
