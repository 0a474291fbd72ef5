/**
 * loadConfig: environment variables (and, for tests, direct overrides) validated once
 * against one schema, every problem reported together, the result deep-frozen.
 */
import { resolve } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import type { DeepPartial, HostConfig } from './types.ts';
import { buildSchema, FIELDS } from './variables.ts';

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

// logger:false keeps ajv from writing to the console; coerceTypes turns env strings into numbers and booleans.
const ajv = new Ajv2020({ allErrors: true, coerceTypes: true, useDefaults: true, strict: true, logger: false });
const validate = ajv.compile(buildSchema());
const ENV_BY_PATH = new Map(FIELDS.map((f) => [f.path, f.env]));

/** Pairs of [value, ceiling] paths: a default may not exceed the cap a manifest is held to. */
const AT_MOST: readonly [string, string][] = [
  ['sandbox.memoryMb', 'sandbox.maxMemoryMb'],
  ['sandbox.timeoutMs', 'sandbox.maxTimeoutMs'],
  ['sandbox.cpuMs', 'sandbox.maxCpuMs'],
  ['bundles.maxFileBytes', 'bundles.maxUnpackedBytes'],
];

type Tree = Record<string, unknown>;

/**
 * Reads the host configuration from `env` (usually `process.env`). `overrides` win over the
 * environment and are validated the same way. An empty variable counts as unset.
 *
 * @throws ConfigError listing every problem at once.
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * const forTests = loadConfig({}, { port: 0, sandbox: { workers: 1 } });
 * ```
 */
export function loadConfig(env: Record<string, string | undefined>, overrides: DeepPartial<HostConfig> = {}): HostConfig {
  const data: Tree = {};
  const fromOverride = new Set<string>();
  for (const field of FIELDS) {
    const value = env[field.env];
    if (value !== undefined && value !== '') setPath(data, field.path, value);
  }
  merge(data, overrides as Tree, '', fromOverride);

  // Name a problem the way the operator set the value: env variable, or config path for overrides.
  const label = (path: string) => (fromOverride.has(path) ? path : (ENV_BY_PATH.get(path) ?? path));
  const problems: string[] = [];
  const bad = new Set<string>();
  if (!validate(data)) {
    for (const error of validate.errors ?? []) {
      const path = error.instancePath.split('/').slice(1).join('.');
      bad.add(path);
      problems.push(describe(error, path, label));
    }
  }
  for (const [low, high] of AT_MOST) {
    const a = getPath(data, low);
    const b = getPath(data, high);
    if (bad.has(low) || bad.has(high) || typeof a !== 'number' || typeof b !== 'number') continue;
    if (a > b) problems.push(`${label(low)}: must be <= ${label(high)} (${b})`);
  }
  if (!bad.has('registries.trustedKeys')) {
    const problem = trustedKeysProblem(getPath(data, 'registries.trustedKeys'));
    if (problem) problems.push(`${label('registries.trustedKeys')}: ${problem}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  data.dataDir = resolve(data.dataDir as string);
  return deepFreeze(data) as unknown as HostConfig;
}

/** The trusted-key list is JSON inside a string (an env variable); check its shape here. */
function trustedKeysProblem(text: unknown): string | undefined {
  let keys: unknown;
  try {
    keys = JSON.parse(String(text));
  } catch {
    return 'must be a JSON array';
  }
  if (!Array.isArray(keys)) return 'must be a JSON array';
  const wrong = keys.findIndex((k) => !isPlainObject(k) || typeof k.keyid !== 'string' || typeof k.key !== 'string');
  return wrong === -1 ? undefined : `item ${wrong} needs a string keyid and a string key (base64 SPKI DER)`;
}

function describe(error: ErrorObject, path: string, label: (path: string) => string): string {
  const params = error.params as { additionalProperty?: string; allowedValues?: unknown[] };
  if (error.keyword === 'additionalProperties') {
    const full = path === '' ? String(params.additionalProperty) : `${path}.${String(params.additionalProperty)}`;
    return `${full}: is not a known setting`;
  }
  // Messages never quote the value: it may be a secret (EASEL_ADMIN_TOKEN).
  const extra = error.keyword === 'enum' ? `: ${(params.allowedValues ?? []).join(', ')}` : '';
  return `${path === '' ? '(root)' : label(path)}: ${error.message ?? 'is invalid'}${extra}`;
}

function merge(target: Tree, source: Tree, prefix: string, touched: Set<string>): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const current = target[key];
    if (isPlainObject(value) && (current === undefined || isPlainObject(current))) {
      const child = (current as Tree | undefined) ?? {};
      target[key] = child;
      merge(child, value, path, touched);
    } else {
      target[key] = value;
      touched.add(path);
    }
  }
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Tree;
  node[parts.at(-1) as string] = value;
}

function getPath(tree: Tree, path: string): unknown {
  let node: unknown = tree;
  for (const part of path.split('.')) node = isPlainObject(node) ? node[part] : undefined;
  return node;
}

function isPlainObject(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
