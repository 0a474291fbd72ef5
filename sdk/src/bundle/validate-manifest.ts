/**
 * Validates a parsed plugin.json: against plugin.schema.json (compiled once), then the rules
 * a schema cannot express (semver, embedded schemas, unique names, cross references). Every
 * problem is reported with its JSON pointer, not only the first.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import pluginSchema from '../../../plugin.schema.json' with { type: 'json' };
import type { PluginManifest } from '../manifest.ts';
import type { BundleProblem } from './errors.ts';
import { pointer } from './json-pointer.ts';
import { checkManifestRules } from './manifest-rules.ts';

/** One finding in a manifest: a JSON pointer (`/agents/0/type`; `/` is the root) and a message. */
export type ManifestProblem = BundleProblem;

export type ManifestValidation =
  | { ok: true; manifest: PluginManifest }
  | { ok: false; problems: ManifestProblem[] };

type AddFormats = (ajv: Ajv2020) => Ajv2020;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats));

// Our own schema is held to strict mode; `author` is a string-or-object union on purpose.
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validateSchema = ajv.compile(pluginSchema);

// ajv's "must match pattern <regex>" is unreadable for authors; say what the pattern means.
const PATTERN_MESSAGES = new Map<string, string>([
  [pluginSchema.$defs.kebab.pattern, 'must be lowercase kebab-case (a-z and 0-9, single hyphens, starting with a letter)'],
  [pluginSchema.properties.version.pattern, 'must be a semver version such as 1.2.3'],
  [pluginSchema.properties.permissions.properties.agents.items.pattern, 'must be "plugin/agent", both kebab-case'],
  [pluginSchema.$defs.route.properties.path.pattern, 'must start with "/" and use only letters, digits and ._~- (no segment starting with a dot)'],
]);

/**
 * Checks a parsed plugin.json.
 *
 * @example
 * ```ts
 * const result = validateManifest(JSON.parse(await readFile('plugin.json', 'utf8')));
 * if (!result.ok) for (const p of result.problems) console.error(`${p.path}: ${p.message}`);
 * ```
 */
export function validateManifest(value: unknown): ManifestValidation {
  const problems: ManifestProblem[] = [];
  if (!validateSchema(value)) problems.push(...toProblems(validateSchema.errors ?? []));
  const reported = new Set(problems.map((p) => p.path));
  if (isObject(value)) {
    // Rules skip a value the schema already faulted, so one mistake is not reported twice.
    for (const p of checkManifestRules(value)) if (!reported.has(p.path)) problems.push(p);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, manifest: value as PluginManifest };
}

function toProblems(errors: ErrorObject[]): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  for (const e of errors) {
    const at = e.instancePath || '/';
    const params = e.params as Record<string, unknown>;
    const message = (e.keyword === 'pattern' && PATTERN_MESSAGES.get(String(params.pattern))) || e.message || 'is invalid';
    if (e.keyword === 'propertyNames') continue; // its cause is reported with propertyName
    if (e.propertyName !== undefined) {
      out.push({ path: pointer(at, e.propertyName), message: `name ${message}` });
    } else if (e.keyword === 'required') {
      out.push({ path: pointer(at, String(params.missingProperty)), message: 'is required' });
    } else if (e.keyword === 'additionalProperties') {
      out.push({ path: pointer(at, String(params.additionalProperty)), message: 'is not allowed (unknown property)' });
    } else if (e.keyword === 'enum') {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      out.push({ path: at, message: `must be one of ${allowed}` });
    } else if (e.keyword === 'const') {
      out.push({ path: at, message: `must be ${JSON.stringify(params.allowedValue)}` });
    } else {
      out.push({ path: at, message });
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
