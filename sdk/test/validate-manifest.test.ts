import { describe, expect, it } from 'vitest';
import { validateManifest, type ManifestValidation } from '../src/bundle/index.ts';
import { helloManifest } from './helpers.ts';

type Manifest = Record<string, any>;

function problemPaths(result: ManifestValidation): string[] {
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.problems.map((p) => p.path).sort();
}

describe('validateManifest: valid manifests', () => {
  it('accepts hello', async () => {
    const result = validateManifest(await helloManifest());
    expect(result).toMatchObject({ ok: true, manifest: { name: 'hello', version: '1.0.0' } });
  });

  it('accepts a manifest that uses every field', async () => {
    const m = await helloManifest();
    Object.assign(m, {
      $schema: '../../plugin.schema.json',
      author: { name: 'Ada', email: 'ada@example.com', url: 'https://example.com/ada' },
      dependencies: { writer: '^2.1.0', 'image-tools': '>=1.0.0 <3' },
      permissions: {
        kv: true,
        storage: { read: true, write: false },
        models: { tasks: ['text', 'structured', 'image', 'embedding'], maxTier: 'premium' },
        agents: ['writer/drafter', 'image-tools/painter'],
      },
      limits: { memoryMb: 8, timeoutMs: 600000, cpuMs: 10 },
      workflows: [
        { type: 'welcome', description: 'Greets then counts', input: { type: 'object' }, output: { type: 'object' } },
        { type: 'bare', description: 'No output schema', input: { type: 'object' } },
      ],
      routes: [
        { method: 'POST', path: '/greet', agent: 'greeter', capability: 'greet', description: 'Greets' },
        { method: 'GET', path: '/', agent: 'greeter', capability: 'count' },
        { method: 'PUT', path: '/v1.2/a_b~c-d', agent: 'greeter', capability: 'count' },
      ],
      keywords: ['hello', 'example'],
      homepage: 'https://example.com/hello',
    });
    expect(validateManifest(m)).toMatchObject({ ok: true });
  });

  it('accepts workflows without agents', async () => {
    const m = await helloManifest();
    m.agents = [];
    m.workflows = [{ type: 'only', description: 'A workflow', input: { type: 'object' } }];
    expect(validateManifest(m).ok).toBe(true);
  });
});

// Each case breaks hello one way and names exactly the JSON paths that must be reported.
const INVALID: { name: string; break: (m: Manifest) => void; paths: string[] }[] = [
  { name: 'name not lowercase', break: (m) => (m.name = 'Hello'), paths: ['/name'] },
  { name: 'name too long', break: (m) => (m.name = 'a'.repeat(65)), paths: ['/name'] },
  { name: 'missing version', break: (m) => delete m.version, paths: ['/version'] },
  { name: 'version not semver', break: (m) => (m.version = '1.0'), paths: ['/version'] },
  { name: 'engines.easel not a range', break: (m) => (m.engines.easel = 'not a range'), paths: ['/engines/easel'] },
  { name: 'missing engines.easel', break: (m) => (m.engines = {}), paths: ['/engines/easel'] },
  { name: 'dependency range invalid', break: (m) => (m.dependencies = { writer: '>>1' }), paths: ['/dependencies/writer'] },
  { name: 'dependency name not kebab-case', break: (m) => (m.dependencies = { Writer: '^1.0.0' }), paths: ['/dependencies/Writer'] },
  { name: 'dependency name with a slash (escaped pointer)', break: (m) => (m.dependencies = { 'a/b': '^1.0.0' }), paths: ['/dependencies/a~1b'] },
  { name: 'depends on itself', break: (m) => (m.dependencies = { hello: '^1.0.0' }), paths: ['/dependencies/hello'] },
  { name: 'unknown top-level field', break: (m) => (m.main = 'index.js'), paths: ['/main'] },
  { name: 'unknown field in a capability', break: (m) => (m.agents[0].capabilities[0].inptu = {}), paths: ['/agents/0/capabilities/0/inptu'] },
  { name: 'capability input not an object', break: (m) => (m.agents[0].capabilities[1].input = 'string'), paths: ['/agents/0/capabilities/1/input'] },
  { name: 'input schema with an unknown type', break: (m) => (m.agents[0].capabilities[0].input = { type: 'strnig' }), paths: ['/agents/0/capabilities/0/input/type'] },
  { name: 'output schema with a dangling $ref', break: (m) => (m.agents[0].capabilities[1].output = { $ref: '#/$defs/missing' }), paths: ['/agents/0/capabilities/1/output'] },
  { name: 'input schema with a bad regex', break: (m) => (m.agents[0].capabilities[0].input = { type: 'string', pattern: '(' }), paths: ['/agents/0/capabilities/0/input'] },
  { name: 'two schemas with the same $id', break: (m) => {
    m.agents[0].capabilities[0].input = { $id: 'https://example.com/same.json', type: 'object' };
    m.agents[0].capabilities[1].input = { $id: 'https://example.com/same.json', type: 'object' };
  }, paths: ['/agents/0/capabilities/1/input'] },
  { name: 'config not describing an object', break: (m) => (m.config = { type: 'array' }), paths: ['/config/type'] },
  { name: 'duplicate agent type', break: (m) => m.agents.push(structuredClone(m.agents[0])), paths: ['/agents/1/type'] },
  { name: 'duplicate capability name', break: (m) => (m.agents[0].capabilities[1].name = 'greet'), paths: ['/agents/0/capabilities/1/name'] },
  { name: 'agent without capabilities', break: (m) => (m.agents[0].capabilities = []), paths: ['/agents/0/capabilities'] },
  { name: 'no agents and no workflows', break: (m) => (m.agents = []), paths: ['/agents'] },
  { name: 'duplicate workflow type', break: (m) => (m.workflows = [
    { type: 'w', description: 'one', input: { type: 'object' } },
    { type: 'w', description: 'two', input: { type: 'object' } },
  ]), paths: ['/workflows/1/type'] },
  { name: 'route to a missing capability', break: (m) => (m.routes = [{ method: 'POST', path: '/x', agent: 'greeter', capability: 'shout' }]), paths: ['/routes/0/capability'] },
  { name: 'route to a missing agent', break: (m) => (m.routes = [{ method: 'POST', path: '/x', agent: 'painter', capability: 'greet' }]), paths: ['/routes/0/agent'] },
  { name: 'route with a bad method and a dot-dot path', break: (m) => (m.routes = [{ method: 'TRACE', path: '/../admin', agent: 'greeter', capability: 'greet' }]), paths: ['/routes/0/method', '/routes/0/path'] },
  { name: 'duplicate route', break: (m) => (m.routes = [
    { method: 'GET', path: '/x', agent: 'greeter', capability: 'greet' },
    { method: 'GET', path: '/x', agent: 'greeter', capability: 'count' },
  ]), paths: ['/routes/1'] },
  { name: 'memoryMb out of range', break: (m) => (m.limits.memoryMb = 2048), paths: ['/limits/memoryMb'] },
  { name: 'timeoutMs not an integer', break: (m) => (m.limits.timeoutMs = 15.5), paths: ['/limits/timeoutMs'] },
  { name: 'bad model tier and task', break: (m) => (m.permissions.models = { tasks: ['text', 'video'], maxTier: 'ultra' }), paths: ['/permissions/models/maxTier', '/permissions/models/tasks/1'] },
  { name: 'permissions.agents naming a non-dependency', break: (m) => (m.permissions.agents = ['writer/drafter']), paths: ['/permissions/agents/0'] },
  { name: 'permissions.agents entry not plugin/agent', break: (m) => (m.permissions.agents = ['drafter']), paths: ['/permissions/agents/0'] },
  { name: 'author of the wrong type', break: (m) => (m.author = 42), paths: ['/author'] },
  { name: 'author email not an email', break: (m) => (m.author = { name: 'Ada', email: 'not-an-email' }), paths: ['/author/email'] },
  { name: 'storage permission with an unknown key', break: (m) => (m.permissions.storage = { read: true, delete: true }), paths: ['/permissions/storage/delete'] },
];

describe('validateManifest: invalid manifests', () => {
  it.each(INVALID)('$name', async ({ break: breakIt, paths }) => {
    const m = await helloManifest();
    breakIt(m);
    const result = validateManifest(m);
    expect(problemPaths(result)).toEqual([...paths].sort());
    if (!result.ok) for (const p of result.problems) expect(p.message).toMatch(/\S/);
  });

  it('reports every problem at once, each with its path', async () => {
    const m = await helloManifest();
    m.name = 'Hello';
    delete m.version;
    m.engines.easel = 'not a range';
    m.extra = true;
    m.limits.memoryMb = 4;
    m.agents[0].capabilities[0].input = { type: 'strnig' };
    m.agents[0].capabilities[1].input = [];
    m.routes = [{ method: 'GET', path: '/c', agent: 'greeter', capability: 'nope' }];
    m.permissions.agents = ['writer/drafter'];
    expect(problemPaths(validateManifest(m))).toEqual([
      '/agents/0/capabilities/0/input/type',
      '/agents/0/capabilities/1/input',
      '/engines/easel',
      '/extra',
      '/limits/memoryMb',
      '/name',
      '/permissions/agents/0',
      '/routes/0/capability',
      '/version',
    ]);
  });

  it('reports a readable message for patterns, unknown fields and enums', async () => {
    const m = await helloManifest();
    m.name = 'Hello_World';
    m.main = 'x';
    m.permissions.models = { tasks: ['text'], maxTier: 'ultra' };
    const result = validateManifest(m);
    expect(result.ok).toBe(false);
    const byPath = Object.fromEntries(result.ok ? [] : result.problems.map((p) => [p.path, p.message]));
    expect(byPath['/name']).toMatch(/kebab-case/);
    expect(byPath['/main']).toMatch(/not allowed/);
    expect(byPath['/permissions/models/maxTier']).toMatch(/"basic", "standard", "premium"/);
  });

  it.each([[null], ['plugin'], [42], [[]], [[{}]]])('refuses a non-object (%j) at the root', (value) => {
    expect(problemPaths(validateManifest(value))).toEqual(['/']);
  });

  it('lists every missing required field', () => {
    expect(problemPaths(validateManifest({}))).toEqual(
      ['/agents', '/author', '/description', '/engines', '/license', '/name', '/version'],
    );
  });

  it('can validate the same manifest twice (no schema state leaks between calls)', async () => {
    const m = await helloManifest();
    m.agents[0].capabilities[0].input = { $id: 'urn:easel:test', type: 'object' };
    expect(validateManifest(m).ok).toBe(true);
    expect(validateManifest(m).ok).toBe(true);
  });
});
