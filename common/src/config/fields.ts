/**
 * A service's settings as one table of fields: each one's environment variable, its path in
 * the config tree, its JSON Schema. The config schema and the docs table are both built from
 * it, so the three never drift apart.
 */

export interface ConfigField {
  env: string;
  /** Dotted path in the config tree (`port`, `sandbox.workers`). */
  path: string;
  description: string;
  schema: Record<string, unknown>;
  /** The default as docs should show it, when it differs from `schema.default`. */
  docDefault?: string;
}

export interface ConfigVariable {
  env: string;
  path: string;
  /** As docs show it; undefined when the setting is unset by default. */
  default: string | number | boolean | undefined;
  description: string;
}

/** The table docs are generated from (or checked against): env name, config path, default, description. */
export function configVariables(fields: readonly ConfigField[]): readonly ConfigVariable[] {
  return Object.freeze(
    fields.map((f) =>
      Object.freeze({ env: f.env, path: f.path, default: f.docDefault ?? (f.schema.default as ConfigVariable['default']), description: f.description }),
    ),
  );
}

/** The whole config as one JSON Schema: nested groups, defaults, no unknown properties. */
export function configSchema(fields: readonly ConfigField[]): Record<string, unknown> {
  const root = group();
  for (const field of fields) {
    const parts = field.path.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const props = node.properties as Record<string, Record<string, unknown>>;
      // default {} lets ajv fill the group's own defaults when the group is absent.
      props[part] ??= group();
      node = props[part];
    }
    (node.properties as Record<string, unknown>)[parts.at(-1) as string] = { ...field.schema, description: field.description };
  }
  delete root.default;
  return root;
}

function group(): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, properties: {}, default: {} };
}
