/**
 * The metrics reference and the Grafana dashboard against a real host's `GET /metrics`: every
 * family the host exposes (beyond prom-client's process metrics) has a row in
 * docs/reference/metrics.md with its type, every row names a family that exists, and every
 * query of docs/grafana/easel-dashboard.json is PromQL that Prometheus's own grammar
 * (@prometheus-io/lezer-promql) parses, reading only metrics the host exposes.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { NAMED_FAMILIES, scrape, type Scrape } from '../helpers/prometheus.ts';

const REPO = join(import.meta.dirname, '..', '..');
/** prom-client's own process metrics: documented as a group, not one by one. */
const PROCESS = /^easel_(process|nodejs)_/;

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string }[];
  panels?: Panel[];
}

let host: RunningHost;
let s: Scrape;

beforeAll(async () => {
  host = await startHost();
  s = await scrape(host);
});
afterAll(async () => host?.close());

/** The family a series name belongs to: itself, or the histogram or summary it is a part of. */
function familyOf(series: string): string | undefined {
  if (s.families.has(series)) return series;
  const base = series.replace(/_(bucket|sum|count)$/, '');
  const type = s.families.get(base)?.type;
  return type === 'HISTOGRAM' || (type === 'SUMMARY' && !series.endsWith('_bucket')) ? base : undefined;
}

describe('docs/reference/metrics.md', () => {
  test('has a row, with the right type, for every metric the host exposes, and no row for one it does not', async () => {
    const doc = await readFile(join(REPO, 'docs/reference/metrics.md'), 'utf8');
    const rows = new Map([...doc.matchAll(/^\| `(easel_[a-z0-9_]+)` \| (counter|gauge|histogram|summary) \|/gm)].map((m) => [m[1]!, m[2]!]));
    const exposed = [...s.families.values()].filter((f) => !PROCESS.test(f.name));
    expect(exposed.length).toBeGreaterThan(30);
    for (const family of exposed) expect(rows.get(family.name), family.name).toBe(family.type.toLowerCase());
    for (const name of rows.keys()) expect(s.families.has(name), `${name} is documented but not exposed`).toBe(true);
    // The process metrics it names by hand exist too.
    for (const [, name] of doc.matchAll(/`(easel_(?:process|nodejs)_[a-z0-9_]+)`/g)) expect(familyOf(name!), name).toBeDefined();
  });
});

describe('docs/grafana/easel-dashboard.json', () => {
  let dashboard: { title: string; uid: string; panels: Panel[]; templating: { list: { name: string }[] } };
  beforeAll(async () => {
    dashboard = JSON.parse(await readFile(join(REPO, 'docs/grafana/easel-dashboard.json'), 'utf8'));
  });
  const panels = () => dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const queries = () => panels().flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

  test('is a dashboard: unique panel ids, each placed on the grid, each graph with a query on the data source chosen at the top', () => {
    expect(dashboard.uid).toBe('easel-host');
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'instance']);
    const ids = panels().map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels()) {
      expect(p.gridPos, p.title).toBeDefined();
      expect(p.gridPos!.x + p.gridPos!.w, p.title).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  test('every query parses as PromQL and reads only metrics the host exposes; together they read every kind the issue asks for', () => {
    const read = new Set<string>();
    for (const { panel, expr } of queries()) {
      // Grafana's variables stand for a regex and a range: give them values PromQL accepts.
      const promql = expr.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*');
      expect(promql, panel).not.toContain('$');
      const tree = parser.parse(promql);
      const names: string[] = [];
      let error = false;
      tree.iterate({
        enter(node) {
          if (node.type.isError) error = true;
          if (node.name === 'VectorSelector') {
            const id = node.node.getChild('Identifier');
            if (id) names.push(promql.slice(id.from, id.to));
          }
        },
      });
      expect(error, `${panel}: ${expr}`).toBe(false);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) {
        expect(familyOf(name), `${panel} reads ${name}, which /metrics does not have`).toBeDefined();
        read.add(familyOf(name)!);
      }
      // Each query keeps to the host chosen at the top.
      expect(expr.match(/\{/g)?.length, `${panel}: ${expr}`).toBe(expr.match(/instance=~"\$instance"/g)?.length);
    }
    for (const name of NAMED_FAMILIES) {
      expect(read.has(name), `no panel reads ${name}`).toBe(true);
    }
  });
});
