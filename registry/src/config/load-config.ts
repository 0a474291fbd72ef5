/**
 * loadConfig: environment variables (and, for tests, direct overrides) validated once
 * against one schema, every problem reported together, the result frozen.
 */
import { resolve } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import type { RegistryConfig } from './types.ts';
import { buildSchema, FIELDS } from './variables.ts';

/** The configuration is invalid; `problems` lists every problem, e.g. `EASEL_REGISTRY_PORT: must be <= 65535`. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: readonly string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

// logger:false keeps ajv from writing to the console; coerceTypes turns env strings into numbers and booleans.
const ajv = new Ajv2020({ allErrors: true, coerceTypes: true, useDefaults: true, strict: true, logger: false });
const validate = ajv.compile(buildSchema());
const ENV_BY_PATH = new Map(FIELDS.map((f) => [f.path, f.env]));

/**
 * Reads the registry configuration from `env` (usually `process.env`). `overrides` win over
 * the environment and are validated the same way. An empty variable counts as unset.
 *
 * @throws ConfigError listing every problem at once.
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * const forTests = loadConfig({}, { port: 0, dataDir: tmp, logLevel: 'silent' });
 * ```
 */
export function loadConfig(env: Record<string, string | undefined>, overrides: Partial<Record<keyof RegistryConfig, unknown>> = {}): RegistryConfig {
  const data: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = env[field.env];
    if (value !== undefined && value !== '') data[field.path] = value;
  }
  const fromOverride = new Set<string>();
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    data[key] = value;
    fromOverride.add(key);
  }
  const label = (path: string) => (fromOverride.has(path) ? path : (ENV_BY_PATH.get(path) ?? path));

  const problems: string[] = [];
  if (!validate(data)) for (const error of validate.errors ?? []) problems.push(describe(error, label));
  if (typeof data.publicUrl === 'string' && !problems.some((p) => p.startsWith(`${label('publicUrl')}:`))) {
    const url = URL.canParse(data.publicUrl) ? new URL(data.publicUrl) : undefined;
    if (!url || url.username !== '' || url.password !== '') problems.push(`${label('publicUrl')}: must be an http(s) URL without credentials`);
    else data.publicUrl = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  data.dataDir = resolve(data.dataDir as string);
  if (typeof data.signingKeyFile === 'string') data.signingKeyFile = resolve(data.signingKeyFile);
  return Object.freeze(data) as unknown as RegistryConfig;
}

function describe(error: ErrorObject, label: (path: string) => string): string {
  const params = error.params as { additionalProperty?: string; allowedValues?: unknown[] };
  if (error.keyword === 'additionalProperties') return `${String(params.additionalProperty)}: is not a known setting`;
  const path = error.instancePath.split('/').slice(1).join('.');
  // Messages never quote the value: it may be a secret (EASEL_REGISTRY_ADMIN_TOKEN).
  const extra = error.keyword === 'enum' ? `: ${(params.allowedValues ?? []).join(', ')}` : '';
  return `${path === '' ? '(root)' : label(path)}: ${error.message ?? 'is invalid'}${extra}`;
}
