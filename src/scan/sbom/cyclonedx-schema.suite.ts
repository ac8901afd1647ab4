// The CycloneDX 1.6 JSON schema shipped with @cyclonedx/cyclonedx-library, compiled for the SBOM tests.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SCHEMAS = join(REPO_ROOT, 'node_modules', '@cyclonedx', 'cyclonedx-library', 'res', 'schema');
const BASE = 'http://cyclonedx.org/schema/';

function load(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')) as Record<string, unknown>;
}

/** The CycloneDX 1.6 schema compiled with ajv, with the SPDX licence list and JSF schemas it `$ref`s by their file names. */
export function cycloneDxValidator(): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const addFormats = (addFormatsPlugin as unknown as { default: (a: Ajv) => Ajv }).default;
  addFormats(ajv);
  // Formats ajv-formats does not define; the schema only uses them on free-text links and addresses.
  for (const format of ['iri-reference', 'idn-email']) ajv.addFormat(format, true);
  // The bom schema refers to the SNAPSHOT file names, resolved against its own $id.
  for (const file of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) ajv.addSchema({ ...load(file), $id: `${BASE}${file}` });
  return ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'));
}
