/**
 * The manifest rules JSON Schema cannot express. The input may be anything the schema let
 * through or not, so every access is guarded: the goal is to report all problems at once.
 */
import semver from 'semver';
import type { BundleProblem } from './errors.ts';
import { checkEmbeddedSchemas, type EmbeddedSchema } from './embedded-schemas.ts';
import { pointer } from './json-pointer.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Problems beyond plugin.schema.json, each with its JSON pointer. */
export function checkManifestRules(m: Json): BundleProblem[] {
  const problems: BundleProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  const version = text(m.version);
  if (version !== undefined && semver.valid(version) === null) add('/version', 'must be a valid semver version');
  const engines = isObject(m.engines) ? text(m.engines.easel) : undefined;
  if (engines !== undefined && semver.validRange(engines) === null) add('/engines/easel', 'must be a valid semver range');

  const deps = isObject(m.dependencies) ? m.dependencies : {};
  for (const [name, range] of Object.entries(deps)) {
    if (typeof range === 'string' && semver.validRange(range) === null) {
      add(pointer('/dependencies', name), 'must be a valid semver range');
    }
    if (name === m.name) add(pointer('/dependencies', name), 'a plugin cannot depend on itself');
  }

  checkAgents(m, add);
  checkWorkflows(m, add);
  checkRoutes(m, add);

  const permitted = isObject(m.permissions) ? list(m.permissions.agents) : [];
  permitted.forEach((entry, i) => {
    const plugin = text(entry)?.split('/')[0];
    if (plugin !== undefined && !Object.hasOwn(deps, plugin)) {
      add(`/permissions/agents/${i}`, `"${plugin}" is not a declared dependency`);
    }
  });

  problems.push(...checkEmbeddedSchemas(embeddedSchemas(m)));
  return problems;
}

type Add = (path: string, message: string) => void;

/** Reports values of `key` that repeat across `items`, pointing back at the first one. */
function checkUnique(items: unknown[], base: string, key: string, what: string, add: Add): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const value = isObject(item) ? text(item[key]) : undefined;
    if (value === undefined) return;
    const seen = first.get(value);
    if (seen === undefined) first.set(value, i);
    else add(pointer(base, i, key), `duplicate ${what} "${value}" (first at ${pointer(base, seen, key)})`);
  });
}

function checkAgents(m: Json, add: Add): void {
  const agents = list(m.agents);
  checkUnique(agents, '/agents', 'type', 'agent type', add);
  agents.forEach((agent, i) => {
    if (isObject(agent)) checkUnique(list(agent.capabilities), `/agents/${i}/capabilities`, 'name', 'capability name', add);
  });
  if (Array.isArray(m.agents) && agents.length === 0 && list(m.workflows).length === 0) {
    add('/agents', 'must declare at least one agent or workflow');
  }
}

function checkWorkflows(m: Json, add: Add): void {
  checkUnique(list(m.workflows), '/workflows', 'type', 'workflow type', add);
}

function checkRoutes(m: Json, add: Add): void {
  const agents = list(m.agents).filter(isObject);
  const workflows = list(m.workflows).filter(isObject);
  const firstRoute = new Map<string, number>();
  list(m.routes).forEach((route, i) => {
    if (!isObject(route)) return;
    const agentType = text(route.agent);
    const capName = text(route.capability);
    const workflowType = text(route.workflow);
    const agent = agents.find((a) => a.type === agentType);
    if (agentType !== undefined && !agent) {
      add(`/routes/${i}/agent`, `no agent "${agentType}" in this plugin`);
    } else if (agent && capName !== undefined && !list(agent.capabilities).some((c) => isObject(c) && c.name === capName)) {
      add(`/routes/${i}/capability`, `agent "${agentType}" has no capability "${capName}"`);
    }
    if (workflowType !== undefined && !workflows.some((w) => w.type === workflowType)) add(`/routes/${i}/workflow`, `no workflow "${workflowType}" in this plugin`);
    const method = text(route.method);
    const path = text(route.path);
    if (method === undefined || path === undefined) return;
    const params = path.split('/').filter((segment) => segment.startsWith(':'));
    if (new Set(params).size !== params.length) add(`/routes/${i}/path`, 'names a path parameter twice');
    // Two routes whose paths differ only in parameter names match the same requests.
    const key = `${method} ${path.replace(/\/:[^/]+/g, '/:')}`;
    const seen = firstRoute.get(key);
    if (seen === undefined) firstRoute.set(key, i);
    else add(`/routes/${i}`, `duplicate route ${method} ${path} (first at /routes/${seen})`);
  });
}

/** Every schema the manifest embeds, with its JSON pointer. */
function embeddedSchemas(m: Json): EmbeddedSchema[] {
  const out: EmbeddedSchema[] = [];
  const take = (path: string, schema: unknown) => {
    if (isObject(schema)) out.push({ path, schema });
  };
  take('/config', m.config);
  list(m.agents).forEach((agent, i) => {
    if (!isObject(agent)) return;
    list(agent.capabilities).forEach((cap, j) => {
      if (!isObject(cap)) return;
      take(`/agents/${i}/capabilities/${j}/input`, cap.input);
      take(`/agents/${i}/capabilities/${j}/output`, cap.output);
    });
  });
  list(m.workflows).forEach((wf, i) => {
    if (!isObject(wf)) return;
    take(`/workflows/${i}/input`, wf.input);
    take(`/workflows/${i}/output`, wf.output);
  });
  return out;
}
