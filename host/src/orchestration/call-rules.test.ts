import type { Permissions } from '@easel/sdk';
import { describe, expect, test } from 'vitest';
import { EaselError } from '../errors/index.ts';
import type { InstalledPlugin } from '../store/index.ts';
import { refusal, resolveAgentRef } from './call-rules.ts';

function plugin(name: string, fields: { version?: string; agents?: string[]; dependencies?: Record<string, string>; enabled?: boolean } = {}): InstalledPlugin {
  const version = fields.version ?? '1.0.0';
  return {
    name,
    version,
    enabled: fields.enabled ?? true,
    manifest: {
      name,
      version,
      description: `${name} for tests`,
      author: 'tests',
      license: 'MIT',
      engines: { easel: '^1.0.0' },
      ...(fields.dependencies ? { dependencies: fields.dependencies } : {}),
      agents: (fields.agents ?? []).map((type) => ({ type, description: type, capabilities: [{ name: 'run', description: 'runs', input: {}, output: {} }] })),
    },
    integrity: `sha512-${version}`,
    scriptSha256: 'ab'.repeat(32),
    path: `/var/easel/plugins/${name}/${version}`,
    files: [],
    installedAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };
}

const installedOf = (...plugins: InstalledPlugin[]) => new Map(plugins.map((p) => [p.name, p] as const));

/** The code an EaselError thrown by `fn` carries (fails the test when nothing or something else is thrown). */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EaselError);
    return (err as EaselError).code;
  }
  throw new Error('expected a throw');
}

describe('resolveAgentRef', () => {
  const writer = plugin('writer-kit', { agents: ['writer', 'shared'] });
  const painter = plugin('painter-kit', { agents: ['painter', 'shared'] });
  const stranger = plugin('stranger', { agents: ['spy'] });
  const caller = plugin('studio', { agents: ['editor', 'writer'], dependencies: { 'writer-kit': '^1.0.0', 'painter-kit': '^1.0.0', missing: '^1.0.0' } });
  const installed = installedOf(caller, writer, painter, stranger);

  test("a bare name is the caller's own agent first, even when a dependency has one of that type", () => {
    expect(resolveAgentRef(caller, 'editor', installed)).toEqual({ plugin: 'studio', agent: 'editor' });
    expect(resolveAgentRef(caller, 'writer', installed)).toEqual({ plugin: 'studio', agent: 'writer' });
  });

  test('a bare name not its own resolves to the one declared dependency that has it', () => {
    expect(resolveAgentRef(caller, 'painter', installed)).toEqual({ plugin: 'painter-kit', agent: 'painter' });
  });

  test('a bare name two dependencies have is ambiguous: BRIDGE_ARGUMENT_INVALID, naming both', () => {
    let thrown: unknown;
    try {
      resolveAgentRef(caller, 'shared', installed);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'BRIDGE_ARGUMENT_INVALID' });
    expect((thrown as Error).message).toContain('writer-kit');
    expect((thrown as Error).message).toContain('painter-kit');
  });

  test('a bare name only an undeclared (or uninstalled) plugin has is AGENT_NOT_FOUND', () => {
    // stranger is installed and has spy, but studio does not declare it.
    expect(codeOf(() => resolveAgentRef(caller, 'spy', installed))).toBe('AGENT_NOT_FOUND');
    expect(codeOf(() => resolveAgentRef(caller, 'nobody', installed))).toBe('AGENT_NOT_FOUND');
    // A caller without dependencies at all.
    expect(codeOf(() => resolveAgentRef(stranger, 'writer', installed))).toBe('AGENT_NOT_FOUND');
  });

  test('plugin/agent is taken as written (the call rules judge it afterwards)', () => {
    expect(resolveAgentRef(caller, 'writer-kit/shared', installed)).toEqual({ plugin: 'writer-kit', agent: 'shared' });
    expect(resolveAgentRef(caller, 'stranger/spy', installed)).toEqual({ plugin: 'stranger', agent: 'spy' });
    expect(resolveAgentRef(caller, 'studio/editor', installed)).toEqual({ plugin: 'studio', agent: 'editor' });
    expect(resolveAgentRef(caller, 'not-installed/x', installed)).toEqual({ plugin: 'not-installed', agent: 'x' });
  });

  test.each([
    ['a number', 42],
    ['null', null],
    ['an object', { plugin: 'writer-kit', agent: 'writer' }],
    ['an empty string', ''],
    ['an empty plugin', '/writer'],
    ['an empty agent', 'writer-kit/'],
    ['two slashes', 'writer-kit/writer/extra'],
    ['upper case', 'Writer'],
    ['an upper-case plugin', 'Writer-Kit/writer'],
    ['a dot in the agent type', 'writer-kit/wri.ter'],
    ['a leading dash', '-writer'],
    ['a space', 'writer kit/writer'],
    ['path traversal', '../writer-kit/writer'],
    ['too long', `${'a'.repeat(301)}`],
    ['an agent type over 64 characters', `writer-kit/${'a'.repeat(65)}`],
  ])('%s is BRIDGE_ARGUMENT_INVALID', (_what, ref) => {
    expect(codeOf(() => resolveAgentRef(caller, ref, installed))).toBe('BRIDGE_ARGUMENT_INVALID');
  });
});

describe('refusal', () => {
  const target = { plugin: 'writer-kit', agent: 'writer' };
  const grant: Permissions = { agents: ['writer-kit/writer'] };
  const caller = plugin('studio', { agents: ['editor'], dependencies: { 'writer-kit': '^1.2.0' } });
  const writer = plugin('writer-kit', { version: '1.4.0', agents: ['writer', 'critic'] });

  test('the caller may call its own agents without a grant, whatever else holds', () => {
    const lone = plugin('studio', { agents: ['editor'], enabled: false });
    expect(refusal(lone, {}, { plugin: 'studio', agent: 'editor' }, installedOf())).toBeUndefined();
  });

  test('a declared, installed, enabled, in-range and granted dependency may be called', () => {
    expect(refusal(caller, grant, target, installedOf(caller, writer))).toBeUndefined();
  });

  test('not a dependency: refused, even when installed, enabled and granted', () => {
    const stranger = plugin('stranger', { agents: ['spy'] });
    const why = refusal(caller, { agents: ['stranger/spy'] }, { plugin: 'stranger', agent: 'spy' }, installedOf(caller, writer, stranger));
    expect(why).toEqual({ kind: 'permission', why: expect.stringMatching(/not a dependency/) });
  });

  test('a dependency that is not installed: refused as a dependency problem (DEPENDENCY_DISABLED), not a permission one', () => {
    expect(refusal(caller, grant, target, installedOf(caller))).toEqual({ kind: 'dependency', why: expect.stringMatching(/not installed/) });
  });

  test('a dependency that is disabled: refused as a dependency problem', () => {
    expect(refusal(caller, grant, target, installedOf(caller, { ...writer, enabled: false }))).toEqual({ kind: 'dependency', why: expect.stringMatching(/disabled/) });
  });

  test.each(['1.1.9', '2.0.0', '1.5.0-beta.1'])('a dependency at %s, outside ^1.2.0: refused', (version) => {
    const why = refusal(caller, grant, target, installedOf(caller, plugin('writer-kit', { version, agents: ['writer'] })));
    expect(why?.kind).toBe('dependency');
    expect(why?.why).toMatch(/outside/);
    expect(why?.why).toContain(version);
  });

  test('in range at the bounds of the range', () => {
    for (const version of ['1.2.0', '1.99.99']) {
      expect(refusal(caller, grant, target, installedOf(caller, plugin('writer-kit', { version, agents: ['writer'] })))).toBeUndefined();
    }
  });

  test('not granted: refused, agent by agent (a grant for one agent of a plugin is not one for another)', () => {
    const installed = installedOf(caller, writer);
    const notGranted = { kind: 'permission', why: expect.stringMatching(/not granted/) };
    expect(refusal(caller, {}, target, installed)).toEqual(notGranted);
    expect(refusal(caller, { agents: [] }, target, installed)).toEqual(notGranted);
    expect(refusal(caller, grant, { plugin: 'writer-kit', agent: 'critic' }, installed)).toEqual(notGranted);
    // The grant is matched exactly, never as a prefix or pattern.
    expect(refusal(caller, { agents: ['writer-kit/*', 'writer-kit', 'writer-kit/writer '] }, target, installed)).toEqual(notGranted);
  });

  test('the checks go in order: the first failing rule is the reason given', () => {
    // Disabled and out of range and not granted: not granted is reported (a plugin learns
    // nothing about the state of an agent it may not call); granted, disabled comes first.
    const stale = plugin('writer-kit', { version: '0.9.0', agents: ['writer'], enabled: false });
    expect(refusal(caller, {}, target, installedOf(caller, stale))?.why).toMatch(/not granted/);
    expect(refusal(caller, grant, target, installedOf(caller, stale))?.why).toMatch(/disabled/);
  });

  test('a plugin name that is also an Object.prototype key is no declared dependency: refused', () => {
    // `constructor` is a valid plugin name, and `{}.constructor` is defined.
    const ctor = plugin('constructor', { agents: ['x'] });
    const why = refusal(caller, { agents: ['constructor/x'] }, { plugin: 'constructor', agent: 'x' }, installedOf(caller, ctor));
    expect(why?.why).toMatch(/not a dependency/);
  });
});
