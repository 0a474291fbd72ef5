import { describe, expect, test } from 'vitest';
import { failed, solve } from './test-registry.ts';

describe('resolve: failures explain themselves', () => {
  test('an unsolvable conflict names both requirers and every version of the shared plugin', () => {
    const result = failed(
      solve(
        {
          a: { '2.1.0': { dependencies: { c: '^1' } }, '2.0.0': { dependencies: { c: '^1' } } },
          b: { '1.0.0': { dependencies: { c: '^2' } }, '2.0.0': { dependencies: { c: '^1' } } },
          c: { '1.0.0': {}, '1.5.0': {}, '2.0.0': {} },
        },
        { requests: [{ name: 'a', range: '^2' }, { name: 'b', range: '^1' }] },
      ),
    );
    expect(result.code).toBe('RESOLVE_CONFLICT');
    expect(result.message).toContain('a@2.1.0');
    expect(result.message).toContain('b@1.0.0');
    expect(result.details.package).toBe('c');
    expect(result.details.chain).toEqual(
      expect.arrayContaining([
        { name: 'a', range: '^2', by: 'root' },
        { name: 'c', range: '^1', by: 'a@2.1.0' },
        { name: 'b', range: '^1', by: 'root' },
        { name: 'c', range: '^2', by: 'b@1.0.0' },
      ]),
    );
    expect(result.details.considered).toEqual([
      { version: '2.0.0', reason: 'conflict', detail: 'conflicts with a@2.1.0 (^1)' },
      { version: '1.5.0', reason: 'conflict', detail: 'conflicts with b@1.0.0 (^2)' },
      { version: '1.0.0', reason: 'conflict', detail: 'conflicts with b@1.0.0 (^2)' },
    ]);
    expect(result.message).toMatch(/no version of c satisfies both \^[12] \([ab]@[12]\.[01]\.0\) and \^[12]/);
    expect(result.details.suggestion).toContain('upgrade b to 2.0.0, which accepts c@^1');
    expect(result.details.suggestion).toContain('no version of a accepts c@^2');
    expect(result.details.log.length).toBeGreaterThan(0);
  });

  test('a cycle is refused with its full path, from where the chain enters it', () => {
    const spec = { a: { '1.2.0': { dependencies: { b: '^2' } } }, b: { '2.0.0': { dependencies: { a: '^1' } } }, app: { '1.0.0': { dependencies: { b: '*' } } } };
    const direct = failed(solve(spec, { requests: [{ name: 'a', range: '^1' }] }));
    expect(direct.code).toBe('RESOLVE_CYCLE');
    expect(direct.details.cycle).toEqual(['a@1.2.0', 'b@2.0.0', 'a@^1']);
    expect(direct.message).toContain('a@1.2.0 -> b@2.0.0 -> a@^1');
    const viaApp = failed(solve(spec, { requests: [{ name: 'app', range: '*' }] }));
    expect(viaApp.details.cycle).toEqual(['b@2.0.0', 'a@1.2.0', 'b@^2']);
    expect(viaApp.details.chain).toEqual([
      { name: 'app', range: '*', by: 'root' },
      { name: 'b', range: '*', by: 'app@1.0.0' },
      { name: 'a', range: '^1', by: 'b@2.0.0' },
      { name: 'b', range: '^2', by: 'a@1.2.0' },
    ]);
    const self = failed(solve({ s: { '1.0.0': { dependencies: { s: '^1' } } } }, { requests: [{ name: 's', range: '^1' }] }));
    expect(self.details.cycle).toEqual(['s@1.0.0', 's@^1']);
  });

  test('a cycle in the newest versions is avoided when an older version breaks it', () => {
    const result = solve(
      { a: { '1.2.0': { dependencies: { b: '^2' } }, '1.1.0': { dependencies: { b: '^2' } } }, b: { '2.1.0': { dependencies: { a: '^1' } }, '2.0.0': {} } },
      { requests: [{ name: 'a', range: '^1' }] },
    );
    expect(result.ok && result.solution).toEqual({ b: { version: '2.0.0', action: 'install' }, a: { version: '1.2.0', action: 'install' } });
  });

  test('a host-range mismatch suggests the newest compatible version', () => {
    const spec = { x: { '2.1.0': { hostRange: '^2' }, '2.0.0': { hostRange: '^2' }, '1.4.2': {}, '1.0.0': {} } };
    const result = failed(solve(spec, { requests: [{ name: 'x', range: '^2' }] }));
    expect(result.code).toBe('RESOLVE_CONFLICT');
    expect(result.details.considered.map((c) => `${c.version} ${c.reason}`)).toEqual(['2.1.0 host-range', '2.0.0 host-range', '1.4.2 conflict', '1.0.0 conflict']);
    expect(result.details.considered[0]!.detail).toBe('needs host ^2; host is 1.0.0');
    expect(result.details.suggestion).toBe('host 1.0.0 is too old for x@2.1.0 (needs host ^2); newest compatible is 1.4.2');
    const tooNew = failed(solve(spec, { hostVersion: '3.0.0', requests: [{ name: 'x', range: '*' }] }));
    expect(tooNew.details.suggestion).toContain('host 3.0.0 is too new for x@2.1.0');
    expect(tooNew.details.suggestion).toContain('no version of x supports host 3.0.0');
  });

  test('yanked versions are listed as such', () => {
    const result = failed(solve({ x: { '1.2.0': { yanked: true }, '1.1.0': { hostRange: '^2' } } }, { requests: [{ name: 'x', range: '^1' }] }));
    expect(result.details.considered).toEqual([
      { version: '1.2.0', reason: 'yanked', detail: 'yanked' },
      { version: '1.1.0', reason: 'host-range', detail: 'needs host ^2; host is 1.0.0' },
    ]);
  });

  test('an upgrade that breaks an installed dependent names the dependent', () => {
    const result = failed(
      solve(
        { a: { '1.0.0': { dependencies: { b: '^1' } } }, b: { '1.0.0': {}, '2.0.0': {} } },
        { installed: { a: '1.0.0', b: '1.0.0' }, requests: [{ name: 'b', range: '^2' }] },
      ),
    );
    expect(result.code).toBe('RESOLVE_CONFLICT');
    expect(result.message).toContain('no version of b satisfies both ^2 (root) and ^1 (a@1.0.0)');
    expect(result.message).toContain('a@1.0.0 is installed');
    expect(result.details.considered).toEqual([
      { version: '2.0.0', reason: 'conflict', detail: 'conflicts with a@1.0.0 (^1)' },
      { version: '1.0.0', reason: 'conflict', detail: 'conflicts with root (^2)' },
    ]);
    expect(result.details.suggestion).toContain('no version of a accepts b@^2 (uninstall a to go ahead)');
  });

  test('a missing plugin is reported with who requires it', () => {
    const deep = failed(solve({ a: { '1.0.0': { dependencies: { ghost: '^1' } } } }, { requests: [{ name: 'a', range: '^1' }] }));
    expect(deep.code).toBe('PACKAGE_NOT_FOUND');
    expect(deep.details.package).toBe('ghost');
    expect(deep.message).toContain('ghost is not in any configured registry (required by a@1.0.0)');
    const direct = failed(solve({}, { requests: [{ name: 'nope', range: '^1' }] }));
    expect(direct.code).toBe('PACKAGE_NOT_FOUND');
    expect(direct.message).toContain('required by root');
  });

  test('a missing dependency of a newer version is avoided by taking an older one', () => {
    const result = solve({ a: { '1.1.0': { dependencies: { ghost: '^1' } }, '1.0.0': {} } }, { requests: [{ name: 'a', range: '^1' }] });
    expect(result.ok && result.solution.a!.version).toBe('1.0.0');
  });

  test('an invalid range is called out', () => {
    const result = failed(solve({ x: { '1.2.0': {} } }, { requests: [{ name: 'x', range: 'latest' }] }));
    expect(result.details.suggestion).toBe('"latest" (root) is not a valid semver range');
  });

  test('a pathological input hits the step cap and fails fast', () => {
    // Pigeonhole: 9 plugins must each take one of 8 slots; exponential for any backtracking search.
    const slots = 8;
    const spec: Record<string, Record<string, { dependencies: Record<string, string> }>> = {};
    for (let s = 1; s <= slots; s++) spec[`slot${s}`] = Object.fromEntries(Array.from({ length: slots + 1 }, (_, p) => [`${p + 1}.0.0`, { dependencies: {} }]));
    for (let p = 1; p <= slots + 1; p++) {
      spec[`pigeon${p}`] = Object.fromEntries(Array.from({ length: slots }, (_, s) => [`${s + 1}.0.0`, { dependencies: { [`slot${s + 1}`]: `${p}.0.0` } }]));
    }
    const requests = Array.from({ length: slots + 1 }, (_, p) => ({ name: `pigeon${p + 1}`, range: '*' }));
    // The step count, not the clock, shows it gave up: 10_000 steps take a second on one machine
    // and several on a loaded one, while without the cap the search would not end at all.
    const result = failed(solve(spec, { requests }));
    expect(result.code).toBe('RESOLVE_CONFLICT');
    expect(result.details.kind).toBe('step-limit');
    expect(result.details.steps).toBe(10_000);
    expect(result.message).toContain('gave up after 10000 steps');
    const small = failed(solve(spec, { requests, maxSteps: 50 }));
    expect(small.details.steps).toBe(50);
  });
});
