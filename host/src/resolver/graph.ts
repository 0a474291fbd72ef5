/** Dependency-graph helpers shared by the resolver and by enable/disable/uninstall checks. */

export interface InstalledNode {
  version: string;
  dependencies: Record<string, string>;
}

export interface Dependent {
  name: string;
  version: string;
  /** The range the dependent asks of the plugin. */
  range: string;
}

/** Who depends on `name` directly: an uninstall or disable is refused (PLUGIN_IN_USE) while any do. */
export function dependentsOf(name: string, installed: Record<string, InstalledNode>): Dependent[] {
  const out: Dependent[] = [];
  for (const [other, node] of Object.entries(installed)) {
    const range = node.dependencies[name];
    if (other !== name && range !== undefined) out.push({ name: other, version: node.version, range });
  }
  return out.sort((a, b) => compareNames(a.name, b.name));
}

/** Everything that depends on `name`, directly or not, dependents first: a safe cascade removal order. */
export function dependentsClosure(name: string, installed: Record<string, InstalledNode>): string[] {
  const found = new Set<string>();
  const queue = [name];
  while (queue.length > 0) {
    for (const d of dependentsOf(queue.shift()!, installed)) {
      if (d.name !== name && !found.has(d.name)) {
        found.add(d.name);
        queue.push(d.name);
      }
    }
  }
  const sub = Object.fromEntries([...found].map((n) => [n, Object.keys(installed[n]!.dependencies)]));
  const sorted = topologicalOrder(sub);
  return sorted.ok ? sorted.order.reverse() : [...found];
}

/**
 * Dependencies before dependents (edges name -> its dependencies; names outside the graph
 * are ignored), ties by name so the order is stable. A cycle comes back as a closed path.
 */
export function topologicalOrder(graph: Record<string, Iterable<string>>): { ok: true; order: string[] } | { ok: false; cycle: string[] } {
  const deps = new Map<string, string[]>();
  for (const [name, list] of Object.entries(graph)) deps.set(name, [...new Set(list)].filter((d) => d in graph));
  const pending = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const [name, list] of deps) {
    pending.set(name, list.length);
    for (const d of list) dependents.set(d, [...(dependents.get(d) ?? []), name]);
  }
  const ready = [...deps.keys()].filter((n) => pending.get(n) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort(compareNames);
    const next = ready.shift()!;
    order.push(next);
    for (const up of dependents.get(next) ?? []) {
      const left = pending.get(up)! - 1;
      pending.set(up, left);
      if (left === 0) ready.push(up);
    }
  }
  if (order.length === deps.size) return { ok: true, order };
  return { ok: false, cycle: findCycle(deps)! };
}

/** A closed path `[a, b, a]` when the graph has a cycle, starting from the smallest name on it. */
export function findCycle(deps: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of [...(deps.get(n) ?? [])].sort(compareNames)) {
      if (!deps.has(d)) continue;
      if (state.get(d) === 'open') return rotate(stack.slice(stack.indexOf(d)));
      if (state.get(d) === undefined) {
        const found = visit(d);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of [...deps.keys()].sort(compareNames)) {
    if (state.get(n) === undefined) {
      const found = visit(n);
      if (found) return found;
    }
  }
  return undefined;
}

function rotate(loop: string[]): string[] {
  const start = loop.indexOf([...loop].sort(compareNames)[0]!);
  const path = [...loop.slice(start), ...loop.slice(0, start)];
  return [...path, path[0]!];
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
