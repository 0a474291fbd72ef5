/**
 * The shape of `plugin.json`, the manifest every bundle carries. `plugin.schema.json`
 * at the repository root is the authority; this type mirrors it for TypeScript users.
 */

/** A JSON Schema (draft 2020-12) object. */
export type JsonSchema = { [key: string]: unknown };

/** What a model call is for; the router picks a model that does it. */
export type ModelTask = 'text' | 'structured' | 'image' | 'embedding';

/** Model quality tiers, cheapest first. */
export type ModelTier = 'basic' | 'standard' | 'premium';

/** What a plugin asks the admin for. Nothing is granted unless asked for and approved. */
export interface Permissions {
  /** The plugin's own key-value store. */
  kv?: boolean;
  /** The plugin's own blob namespace. */
  storage?: { read?: boolean; write?: boolean };
  /** Model calls: which tasks, and the highest tier it may use. */
  models?: { tasks: ModelTask[]; maxTier: ModelTier };
  /** Agents of dependency plugins it calls, as `plugin/agent`. */
  agents?: string[];
}

/** Per-call limits the plugin asks for; the host caps them by its own configuration. */
export interface Limits {
  /** Heap limit of the plugin's isolate, in MB. */
  memoryMb?: number;
  /** Wall-clock budget of one call, in milliseconds. */
  timeoutMs?: number;
  /** CPU-time budget of one call, in milliseconds. */
  cpuMs?: number;
}

export interface CapabilityManifest {
  name: string;
  description: string;
  input: JsonSchema;
  output: JsonSchema;
}

export interface AgentManifest {
  type: string;
  description: string;
  capabilities: CapabilityManifest[];
}

export interface WorkflowManifest {
  type: string;
  description: string;
  input: JsonSchema;
  output?: JsonSchema;
}

interface RouteCommon {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /**
   * Path below `/v1/p/<plugin>`, e.g. `/generate` or `/posts/:postId`: a `:name` segment
   * matches one segment and fills the input field `name` (it wins over a body or query field).
   */
  path: string;
  description?: string;
}

/**
 * An HTTP route the host mounts for the plugin: it calls one agent capability, or runs one of
 * the plugin's workflows to its end. The JSON body (the query string for GET and DELETE, or a
 * multipart form) is the input.
 */
export type RouteManifest = RouteCommon & ({ agent: string; capability: string; workflow?: never } | { workflow: string; agent?: never; capability?: never });

export interface PluginManifest {
  /** Optional pointer to plugin.schema.json, for editors. */
  $schema?: string;
  name: string;
  version: string;
  description: string;
  author: string | { name: string; email?: string; url?: string };
  license: string;
  engines: { easel: string };
  dependencies?: Record<string, string>;
  permissions?: Permissions;
  limits?: Limits;
  config?: JsonSchema;
  agents: AgentManifest[];
  workflows?: WorkflowManifest[];
  routes?: RouteManifest[];
  keywords?: string[];
  homepage?: string;
}
