/**
 * Backtracking search over plugin versions with conflict-directed backjumping and learned
 * nogoods. Each level decides one plugin: the open one with the fewest viable versions
 * (a dead end shows up at once), trying the installed version first when it is a soft
 * preference, then newest first. A failure carries its conflict set: the decisions that
 * caused it. Levels outside that set are skipped on the way back up, and the set is
 * remembered so the same combination is never explored twice. A dependency cycle is a
 * conflict too: plugins are enabled dependencies first, so an older acyclic set wins.
 */
import type { Catalog } from './catalog.ts';
import { diagnose, diagnoseCycle, type Diagnosis } from './explain.ts';
import type { CandidateVersion, Requirement } from './types.ts';

export class StepLimitReached extends Error {}

export interface Decision {
  cand: CandidateVersion;
  /** The requirement that opened this plugin: the link used in explanation chains. */
  via: Requirement;
  /** Plugins this decision put a range on, in push order (undone in reverse). */
  pushed: string[];
}

interface Leaf {
  /** No version satisfies the ranges at all (not merely the version chosen earlier). */
  genuine: boolean;
  depth: number;
  diagnosis: Diagnosis;
}

const LOG_CAP = 300;
const NOGOOD_CAP = 5_000;

/** The plugin name in a requirer label ('a@1.0.0' -> 'a'); undefined for 'root' and 'installed'. */
export function requirerName(by: string): string | undefined {
  const at = by.lastIndexOf('@');
  return at > 0 ? by.slice(0, at) : undefined;
}

export class Search {
  readonly decisions = new Map<string, Decision>();
  readonly log: string[] = [];
  steps = 0;
  /** The most informative conflict met so far: genuine first, then deepest, then earliest. */
  best: Leaf | undefined;
  readonly #catalog: Catalog;
  readonly #prefer: Record<string, string>;
  readonly #maxSteps: number;
  readonly #reqs = new Map<string, Requirement[]>();
  readonly #nogoods = new Map<string, Map<string, string>[]>();
  #nogoodCount = 0;

  constructor(catalog: Catalog, roots: Requirement[], prefer: Record<string, string>, maxSteps: number) {
    this.#catalog = catalog;
    this.#prefer = prefer;
    this.#maxSteps = maxSteps;
    for (const r of roots) this.#push(r);
  }

  /** True when every required plugin got a version; `decisions` then holds the solution. */
  run(): boolean {
    return this.#solve() === undefined;
  }

  /** Undefined when solved (decisions stay in place), else the conflict set. */
  #solve(): Set<string> | undefined {
    const next = this.#pickOpen();
    if (!next) return undefined;
    const { name, viable } = next;
    const requirers = (this.#reqs.get(name) ?? []).map((r) => requirerName(r.by)).filter((n) => n !== undefined);
    if (viable.length === 0) {
      this.#leaf(name);
      return new Set(requirers);
    }
    const conflict = new Set<string>();
    for (const cand of this.#ordered(name, viable)) {
      if (++this.steps > this.#maxSteps) throw new StepLimitReached(`gave up after ${this.#maxSteps} steps`);
      const blocked = this.#blocked(name, cand.version);
      if (blocked) {
        this.#note(`skip ${name}@${cand.version}: learned nogood with ${[...blocked].join(', ')}`);
        for (const n of blocked) conflict.add(n);
        continue;
      }
      const clash = this.#decide(name, cand);
      const sub = clash ?? this.#solve();
      if (!sub) return undefined;
      this.#undo(name);
      if (!sub.has(name)) {
        this.#note(`backjump over ${name}`);
        return sub;
      }
      for (const n of sub) if (n !== name) conflict.add(n);
    }
    for (const n of requirers) conflict.add(n);
    this.#learn(conflict);
    return conflict;
  }

  #pickOpen(): { name: string; viable: CandidateVersion[] } | undefined {
    let best: { name: string; viable: CandidateVersion[] } | undefined;
    for (const [name, reqs] of this.#reqs) {
      if (this.decisions.has(name)) continue;
      const viable = this.#catalog.viable(name, reqs);
      if (!best || viable.length < best.viable.length) best = { name, viable };
      if (viable.length === 0) break;
    }
    return best;
  }

  #ordered(name: string, viable: CandidateVersion[]): CandidateVersion[] {
    const kept = viable.find((v) => v.version === this.#prefer[name]);
    return kept ? [kept, ...viable.filter((v) => v !== kept)] : viable;
  }

  /** Decides `name`, adding its ranges; a conflict set when one breaks an earlier decision. */
  #decide(name: string, cand: CandidateVersion): Set<string> | undefined {
    const via = this.#reqs.get(name)![0]!;
    const decision: Decision = { cand, via, pushed: [] };
    this.decisions.set(name, decision);
    const by = `${name}@${cand.version}`;
    this.#note(`decide ${by} (${via.by} requires ${name}@${via.range})`);
    for (const [dep, range] of Object.entries(cand.dependencies)) {
      const req: Requirement = { name: dep, range, by };
      this.#push(req);
      decision.pushed.push(dep);
      const chosen = this.decisions.get(dep);
      if (chosen && this.#catalog.failing(dep, chosen.cand, [req]).length > 0) {
        this.#leaf(dep);
        return new Set([name, dep]);
      }
      // Activation needs dependencies first, so a cycle rules this combination out like a conflict.
      const loop = chosen && this.#pathTo(dep, name);
      if (loop) {
        this.#cycleLeaf([name, ...loop]);
        return new Set(loop);
      }
    }
    return undefined;
  }

  /** Decided plugins from `from` to `to` along dependency edges, both ends included. */
  #pathTo(from: string, to: string, seen = new Set<string>()): string[] | undefined {
    if (from === to) return [to];
    seen.add(from);
    for (const next of Object.keys(this.decisions.get(from)!.cand.dependencies)) {
      if (seen.has(next) || !this.decisions.has(next)) continue;
      const rest = this.#pathTo(next, to, seen);
      if (rest) return [from, ...rest];
    }
    return undefined;
  }

  /** `loop` is closed ([n, ..., n]); reported from the plugin on it decided first. */
  #cycleLeaf(loop: string[]): void {
    const order = [...this.decisions.keys()];
    const ring = loop.slice(1);
    const first = ring.reduce((a, b) => (order.indexOf(a) <= order.indexOf(b) ? a : b));
    const start = ring.indexOf(first);
    const path = [...ring.slice(start), ...ring.slice(0, start), first];
    const edges = path.slice(1).map((to, i): Requirement => {
      const from = this.decisions.get(path[i]!)!.cand;
      return { name: to, range: from.dependencies[to]!, by: `${path[i]}@${from.version}` };
    });
    this.#note(`cycle: ${edges.map((e) => e.by).join(' -> ')} -> ${first}`);
    this.#record(true, diagnoseCycle(edges, this.#chain(edges)));
  }

  #undo(name: string): void {
    const decision = this.decisions.get(name)!;
    for (const dep of decision.pushed.reverse()) {
      const list = this.#reqs.get(dep)!;
      list.pop();
      if (list.length === 0) this.#reqs.delete(dep);
    }
    this.decisions.delete(name);
  }

  #push(req: Requirement): void {
    const list = this.#reqs.get(req.name);
    if (list) list.push(req);
    else this.#reqs.set(req.name, [req]);
  }

  #learn(conflict: Set<string>): void {
    if (conflict.size === 0 || this.#nogoodCount >= NOGOOD_CAP) return;
    const nogood = new Map([...conflict].map((n) => [n, this.decisions.get(n)!.cand.version]));
    for (const [n, v] of nogood) {
      const key = `${n}@${v}`;
      this.#nogoods.set(key, [...(this.#nogoods.get(key) ?? []), nogood]);
    }
    this.#nogoodCount++;
    this.#note(`learned nogood {${[...nogood].map(([n, v]) => `${n}@${v}`).join(', ')}}`);
  }

  /** The other members of a learned nogood that choosing name@version would complete. */
  #blocked(name: string, version: string): Set<string> | undefined {
    for (const nogood of this.#nogoods.get(`${name}@${version}`) ?? []) {
      const others = [...nogood.keys()].filter((n) => n !== name);
      if (others.every((n) => this.decisions.get(n)?.cand.version === nogood.get(n))) return new Set(others);
    }
    return undefined;
  }

  #leaf(name: string): void {
    const reqs = [...(this.#reqs.get(name) ?? [])];
    const genuine = this.#catalog.viable(name, reqs).length === 0;
    this.#note(`conflict on ${name}: ${reqs.map((r) => `${r.range} (${r.by})`).join(', ')}`);
    this.#record(genuine, () => diagnose(this.#catalog, name, reqs, this.#chain(reqs)));
  }

  /** Keeps the diagnosis if it beats the best so far (built lazily: most leaves lose). */
  #record(genuine: boolean, diagnosis: Diagnosis | (() => Diagnosis)): void {
    const depth = this.decisions.size;
    const best = this.best;
    if (best && (Number(best.genuine) > Number(genuine) || (best.genuine === genuine && best.depth >= depth))) return;
    this.best = { genuine, depth, diagnosis: typeof diagnosis === 'function' ? diagnosis() : diagnosis };
  }

  /** Who requires what, from the root down to each of `reqs`, without repeats. */
  #chain(reqs: Requirement[]): Requirement[] {
    const out: Requirement[] = [];
    const seen = new Set<string>();
    const add = (r: Requirement): void => {
      const key = `${r.by} ${r.name}@${r.range}`;
      if (seen.has(key)) return;
      seen.add(key);
      const from = requirerName(r.by);
      const parent = from === undefined ? undefined : this.decisions.get(from);
      if (parent) add(parent.via);
      out.push(r);
    };
    for (const r of reqs) add(r);
    return out;
  }

  #note(line: string): void {
    if (this.log.length < LOG_CAP) this.log.push(line);
  }
}
