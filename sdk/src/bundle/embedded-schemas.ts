/**
 * Checks that the JSON Schemas a manifest embeds (capability input/output, workflow
 * input/output, config) are themselves valid, so a broken schema is refused at pack and
 * install time instead of failing on the first call.
 */
import { linearRegExpEngine } from './linear-regexp.ts';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { BundleProblem } from './errors.ts';
import { pointer } from './json-pointer.ts';

// ajv-formats is CommonJS: Node hands us the function, TypeScript types the module object.
type AddFormats = (ajv: Ajv2020) => Ajv2020;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats));

// strict:false like the host's validators: authors may use annotations we do not vet.
// The host's regex engine, so a pattern the host cannot run is refused here.
const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false, code: { regExp: linearRegExpEngine } });
addFormats(ajv);

export interface EmbeddedSchema {
  /** JSON pointer of the schema inside plugin.json. */
  path: string;
  schema: Record<string, unknown>;
}

/**
 * Validates each schema against the draft 2020-12 meta-schema, then compiles it (which also
 * catches unresolvable `$ref`s and bad regular expressions). Duplicate `$id`s across the
 * manifest's schemas are reported too, since the host compiles them side by side.
 */
export function checkEmbeddedSchemas(schemas: EmbeddedSchema[]): BundleProblem[] {
  const problems: BundleProblem[] = [];
  const added: object[] = [];
  try {
    for (const { path, schema } of schemas) {
      const metaErrors = metaSchemaErrors(schema);
      if (metaErrors.length > 0) {
        problems.push(...metaErrors.map((e) => ({ path: path + e.instancePath, message: e.message ?? 'is invalid' })));
        continue;
      }
      try {
        ajv.compile(schema);
        added.push(schema);
      } catch (err) {
        problems.push({ path, message: `is not a usable JSON Schema: ${(err as Error).message}` });
      }
    }
  } finally {
    // Compiled schemas stay cached in ajv (and hold their $id) until removed.
    for (const schema of added) ajv.removeSchema(schema);
  }
  return problems;
}

/** The first meta-schema error per location (an anyOf failure yields several for one mistake). */
function metaSchemaErrors(schema: Record<string, unknown>): ErrorObject[] {
  let valid: boolean;
  try {
    valid = ajv.validateSchema(schema) as boolean;
  } catch (err) {
    // e.g. a `$schema` naming a meta-schema ajv does not know.
    return [{ instancePath: '/$schema', message: (err as Error).message, keyword: '$schema', params: {}, schemaPath: '' }];
  }
  if (valid) return [];
  const seen = new Set<string>();
  return (ajv.errors ?? []).filter((e) => !seen.has(e.instancePath) && seen.add(e.instancePath));
}
