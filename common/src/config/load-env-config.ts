/**
 * createEnvConfigLoader: environment variables (and, for tests, direct overrides) validated
 * once against the schema of a field table, every problem reported together, the result
 * deep-frozen.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { configSchema, type ConfigField } from './fields.ts';

/** The configuration is invalid; `problems` lists every problem, e.g. `EASEL_PORT: must be <= 65535`. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: readonly string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

export type ConfigTree = Record<string, unknown>;

/** A check across fields, or beyond what JSON Schema can say. */
export interface ConfigRule {
  /** The paths it reads; the rule is skipped when the schema already refused one of them. */
  readonly paths: readonly string[];
  /** The values at `paths` (in order) → a problem naming each path with `label`, or undefined. */
  check(values: readonly unknown[], label: (path: string) => string): string | undefined;
}

export interface EnvConfigSpec {
  readonly fields: readonly ConfigField[];
  /** Run in order once the schema has been checked; their problems follow the schema's. */
  readonly rules?: readonly ConfigRule[];
  /** Last touches to a valid tree before it is frozen (resolve paths, normalise URLs). */
  readonly finish?: (tree: ConfigTree) => void;
}

// logger:false keeps ajv from writing to the console; coerceTypes turns env strings into numbers and booleans.
const ajv = new Ajv2020({ allErrors: true, coerceTypes: true, useDefaults: true, strict: true, logger: false });

/**
 * Compiles the schema of `spec.fields` once and returns the loader: it reads each field's
 * variable from `env` (usually `process.env`; an empty variable counts as unset), lets
 * `overrides` (a partial tree) win over the environment, validates both the same way and
 * returns the deep-frozen tree.
 *
 * @throws ConfigError listing every problem at once.
 * @example
 * ```ts
 * const load = createEnvConfigLoader<MyConfig>({ fields: FIELDS, finish: (t) => void (t.dataDir = resolve(t.dataDir as string)) });
 * const config = load(process.env, { port: 0 });
 * ```
 */
export function createEnvConfigLoader<Config, Overrides extends object = object>(
  spec: EnvConfigSpec,
): (env: Record<string, string | undefined>, overrides?: Overrides) => Config {
  const validate = ajv.compile(configSchema(spec.fields));
  const envByPath = new Map(spec.fields.map((f) => [f.path, f.env]));
  // Paths of nested groups (`sandbox` for `sandbox.workers`): overrides merge into these.
  const groups = new Set(spec.fields.flatMap((f) => f.path.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));

  return (env, overrides = {} as Overrides) => {
    const data: ConfigTree = {};
    const fromOverride = new Set<string>();
    for (const field of spec.fields) {
      const value = env[field.env];
      if (value !== undefined && value !== '') setPath(data, field.path, value);
    }
    merge(data, overrides as ConfigTree, '', groups, fromOverride);
    // Name a problem the way the operator set the value: env variable, or config path for overrides.
    const label = (path: string) => (fromOverride.has(path) ? path : (envByPath.get(path) ?? path));

    const problems: string[] = [];
    const bad = new Set<string>();
    if (!validate(data)) {
      for (const error of validate.errors ?? []) {
        const path = error.instancePath.split('/').slice(1).join('.');
        bad.add(path);
        problems.push(describe(error, path, label));
      }
    }
    for (const rule of spec.rules ?? []) {
      if (rule.paths.some((p) => bad.has(p))) continue;
      const problem = rule.check(rule.paths.map((p) => getPath(data, p)), label);
      if (problem !== undefined) problems.push(problem);
    }
    if (problems.length > 0) throw new ConfigError(problems);

    spec.finish?.(data);
    return deepFreeze(data) as Config;
  };
}

function describe(error: ErrorObject, path: string, label: (path: string) => string): string {
  const params = error.params as { additionalProperty?: string; allowedValues?: unknown[] };
  if (error.keyword === 'additionalProperties') {
    const full = path === '' ? String(params.additionalProperty) : `${path}.${String(params.additionalProperty)}`;
    return `${full}: is not a known setting`;
  }
  // Messages never quote the value: it may be a secret (an admin token).
  const extra = error.keyword === 'enum' ? `: ${(params.allowedValues ?? []).join(', ')}` : '';
  return `${path === '' ? '(root)' : label(path)}: ${error.message ?? 'is invalid'}${extra}`;
}

/** Copies `source` into `target`, into groups key by key; any other value is taken whole. */
function merge(target: ConfigTree, source: ConfigTree, prefix: string, groups: ReadonlySet<string>, touched: Set<string>): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const current = target[key];
    if (groups.has(path) && isPlainObject(value) && (current === undefined || isPlainObject(current))) {
      const child = (current as ConfigTree | undefined) ?? {};
      target[key] = child;
      merge(child, value, path, groups, touched);
    } else {
      target[key] = value;
      touched.add(path);
    }
  }
}

function setPath(tree: ConfigTree, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as ConfigTree;
  node[parts.at(-1) as string] = value;
}

function getPath(tree: ConfigTree, path: string): unknown {
  let node: unknown = tree;
  for (const part of path.split('.')) node = isPlainObject(node) ? node[part] : undefined;
  return node;
}

function isPlainObject(value: unknown): value is ConfigTree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
