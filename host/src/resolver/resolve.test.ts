import { describe, expect, test } from 'vitest';
import { failed, solve, versionsOf } from './test-registry.ts';

describe('resolve: solutions', () => {
  test('three-level chain, highest versions, dependencies first', () => {
    const result = solve(
      {
        a: { '1.0.0': { dependencies: { b: '^1' } }, '1.1.0': { dependencies: { b: '^1.1' } }, '2.0.0': {} },
        b: { '1.0.0': {}, '1.1.0': { dependencies: { c: '~1.0' } }, '1.2.0': { dependencies: { c: '^1' } } },
        c: { '1.0.0': {}, '1.0.3': {}, '1.5.0': {} },
      },
      { requests: [{ name: 'a', range: '^1' }] },
    );
    expect(versionsOf(result)).toEqual({ a: '1.1.0', b: '1.2.0', c: '1.5.0' });
    expect(result.ok && result.order).toEqual(['c', 'b', 'a']);
    expect(result.ok && Object.values(result.solution).map((s) => s.action)).toEqual(['install', 'install', 'install']);
  });

  test('diamond: one version of the shared dependency satisfies both sides', () => {
    const result = solve(
      {
        app: { '1.0.0': { dependencies: { left: '^1', right: '^1' } } },
        left: { '1.0.0': { dependencies: { shared: '>=1.2.0 <2' } } },
        right: { '1.0.0': { dependencies: { shared: '~1.3.0' } } },
        shared: { '1.1.0': {}, '1.2.0': {}, '1.3.0': {}, '1.3.5': {}, '1.4.0': {}, '2.0.0': {} },
      },
      { requests: [{ name: 'app', range: '*' }] },
    );
    expect(versionsOf(result)).toEqual({ app: '1.0.0', left: '1.0.0', right: '1.0.0', shared: '1.3.5' });
    const order = result.ok ? result.order : [];
    expect(order[0]).toBe('shared');
    expect(order.at(-1)).toBe('app');
  });

  test('backtracks to an older version of a direct dependency', () => {
    const result = solve(
      {
        a: { '1.2.0': { dependencies: { c: '^2' } }, '1.1.0': { dependencies: { c: '^1' } } },
        b: { '1.0.0': { dependencies: { c: '^1' } } },
        c: { '1.0.0': {}, '2.0.0': {} },
      },
      { requests: [{ name: 'a', range: '^1' }, { name: 'b', range: '^1' }] },
    );
    expect(versionsOf(result)).toEqual({ a: '1.1.0', b: '1.0.0', c: '1.0.0' });
  });

  test('installed versions are kept while they still fit', () => {
    const spec = {
      a: { '1.0.0': { dependencies: { b: '^1' } }, '1.1.0': { dependencies: { b: '^1' } } },
      b: { '1.0.0': {}, '1.2.0': {} },
      c: { '1.0.0': { dependencies: { b: '^1' } } },
      d: { '1.0.0': { dependencies: { b: '^1.2' } } },
    };
    const installed = { a: '1.0.0', b: '1.0.0' };
    const kept = solve(spec, { installed, requests: [{ name: 'c', range: '^1' }] });
    expect(kept.ok && kept.solution).toEqual({
      a: { version: '1.0.0', action: 'keep' },
      b: { version: '1.0.0', action: 'keep' },
      c: { version: '1.0.0', action: 'install' },
    });
    const moved = solve(spec, { installed, requests: [{ name: 'd', range: '^1' }] });
    expect(moved.ok && moved.solution.b).toEqual({ version: '1.2.0', action: 'upgrade' });
    expect(moved.ok && moved.solution.a).toEqual({ version: '1.0.0', action: 'keep' });
  });

  test('a request on an installed plugin upgrades it; a dependent that allows it follows', () => {
    const spec = {
      a: { '1.0.0': { dependencies: { b: '^1' } }, '2.0.0': { dependencies: { b: '^2' } } },
      b: { '1.0.0': {}, '1.1.0': {}, '2.0.0': {} },
    };
    const upgrade = solve(spec, { installed: { a: '1.0.0', b: '1.0.0' }, requests: [{ name: 'b', range: '^1' }] });
    expect(upgrade.ok && upgrade.solution).toEqual({ a: { version: '1.0.0', action: 'keep' }, b: { version: '1.1.0', action: 'upgrade' } });
    const major = solve(spec, { installed: { a: '1.0.0', b: '1.0.0' }, requests: [{ name: 'b', range: '^2' }] });
    expect(major.ok && major.solution).toEqual({ a: { version: '2.0.0', action: 'upgrade' }, b: { version: '2.0.0', action: 'upgrade' } });
  });

  test('a plugin the host no longer runs is moved to a version it does', () => {
    const result = solve({ x: { '1.0.0': { hostRange: '^1' }, '2.0.0': { hostRange: '^2' } } }, { installed: { x: '2.0.0' }, hostVersion: '1.3.0' });
    expect(result.ok && result.solution.x).toEqual({ version: '1.0.0', action: 'downgrade' });
  });

  test('the newest version the host accepts is chosen', () => {
    const result = solve({ x: { '1.4.2': {}, '2.0.0': { hostRange: '^2' } } }, { requests: [{ name: 'x', range: '*' }] });
    expect(versionsOf(result)).toEqual({ x: '1.4.2' });
  });

  test('yanked versions are skipped, but an installed one is kept (with a warning)', () => {
    const spec = { x: { '1.1.0': {}, '1.2.0': { yanked: true } }, y: { '1.0.0': {} } };
    expect(versionsOf(solve(spec, { requests: [{ name: 'x', range: '^1' }] }))).toEqual({ x: '1.1.0' });
    const kept = solve(spec, { installed: { x: '1.2.0' }, requests: [{ name: 'y', range: '^1' }] });
    expect(versionsOf(kept)).toEqual({ x: '1.2.0', y: '1.0.0' });
    expect(kept.ok && kept.warnings).toEqual([{ name: 'x', version: '1.2.0', message: 'yanked; kept because it is installed' }]);
  });

  test('a deprecated version is chosen with a warning', () => {
    const result = solve({ x: { '1.0.0': {}, '1.1.0': { deprecated: 'use 2.x' } } }, { requests: [{ name: 'x', range: '^1' }] });
    expect(versionsOf(result)).toEqual({ x: '1.1.0' });
    expect(result.ok && result.warnings).toEqual([{ name: 'x', version: '1.1.0', message: 'deprecated: use 2.x' }]);
  });

  test('prereleases only when asked, or when a range names one', () => {
    const spec = { x: { '1.0.0': {}, '1.1.0-beta.1': {} }, y: { '1.0.0': { dependencies: { x: '^1.1.0-beta.0' } } } };
    const request = [{ name: 'x', range: '^1' }];
    expect(versionsOf(solve(spec, { requests: request }))).toEqual({ x: '1.0.0' });
    expect(versionsOf(solve(spec, { requests: request, includePrerelease: true }))).toEqual({ x: '1.1.0-beta.1' });
    expect(versionsOf(solve(spec, { requests: [{ name: 'x', range: '^1.1.0-beta.0' }] }))).toEqual({ x: '1.1.0-beta.1' });
    // Keeping x installed does not name a prerelease, so moving it to one needs the flag.
    const installed = { x: '1.0.0' };
    const blocked = failed(solve(spec, { installed, requests: [{ name: 'y', range: '^1' }] }));
    expect(blocked.details.considered).toEqual([
      { version: '1.1.0-beta.1', reason: 'prerelease', detail: 'prerelease, not asked for' },
      { version: '1.0.0', reason: 'conflict', detail: 'conflicts with y@1.0.0 (^1.1.0-beta.0)' },
    ]);
    expect(blocked.details.suggestion).toContain('allow prereleases');
    const allowed = solve(spec, { installed, requests: [{ name: 'y', range: '^1' }], includePrerelease: true });
    expect(versionsOf(allowed)).toEqual({ x: '1.1.0-beta.1', y: '1.0.0' });
  });
});

describe('resolve: failures', () => {
  test('an installed prerelease stays, but no new prerelease is chosen unasked', () => {
    const spec = { x: { '2.0.0-rc.1': {}, '2.0.0-rc.2': {} } };
    expect(versionsOf(solve(spec, { installed: { x: '2.0.0-rc.1' } }))).toEqual({ x: '2.0.0-rc.1' });
    const fresh = failed(solve(spec, { requests: [{ name: 'x', range: '^2' }] }));
    expect(fresh.details.considered.map((c) => c.reason)).toEqual(['prerelease', 'prerelease']);
    expect(fresh.details.suggestion).toContain('only prereleases of x match (newest 2.0.0-rc.2)');
  });
});
