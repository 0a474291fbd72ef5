import { describe, expect, test } from 'vitest';
import { dependentsClosure, dependentsOf, topologicalOrder } from './graph.ts';

const installed = {
  auth: { version: '1.3.0', dependencies: {} },
  dashboard: { version: '2.3.0', dependencies: { auth: '^1.2.0', charts: '^1' } },
  charts: { version: '1.0.0', dependencies: { auth: '^1' } },
  report: { version: '0.1.0', dependencies: { dashboard: '^2' } },
};

describe('dependency graph', () => {
  test('dependentsOf lists direct dependents with their ranges', () => {
    expect(dependentsOf('auth', installed)).toEqual([
      { name: 'charts', version: '1.0.0', range: '^1' },
      { name: 'dashboard', version: '2.3.0', range: '^1.2.0' },
    ]);
    expect(dependentsOf('report', installed)).toEqual([]);
  });

  test('dependentsClosure gives a cascade order, dependents first', () => {
    expect(dependentsClosure('auth', installed)).toEqual(['report', 'dashboard', 'charts']);
  });

  test('topologicalOrder puts dependencies first and reports a cycle as a closed path', () => {
    const graph = Object.fromEntries(Object.entries(installed).map(([n, p]) => [n, Object.keys(p.dependencies)]));
    expect(topologicalOrder(graph)).toEqual({ ok: true, order: ['auth', 'charts', 'dashboard', 'report'] });
    expect(topologicalOrder({ a: ['b'], b: ['c'], c: ['b'], d: [] })).toEqual({ ok: false, cycle: ['b', 'c', 'b'] });
  });
});
