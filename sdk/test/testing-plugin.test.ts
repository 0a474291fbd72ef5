/**
 * testPlugin: a definition's handlers run by name with the host's checks: inputs and outputs
 * against the manifest's schemas, errors wrapped as the host wraps them, handlers the
 * manifest lists required, the plugin's own agents routed back into its handlers.
 */
import { describe, expect, test } from 'vitest';
import { definePlugin, type Handler, type PluginManifest } from '../src/index.ts';
import { EaselError, loadManifest, testPlugin } from '../src/testing/index.ts';
import hello from '../../plugins-external/hello/src/index.ts';
import { codeOf, HELLO_DIR, manifestWith, PNG_BYTES } from './testing-helpers.ts';

const strictManifest: PluginManifest = manifestWith({ kv: true }, {
  agents: [
    {
      type: 'calc',
      description: 'Arithmetic',
      capabilities: [
        {
          name: 'add',
          description: 'Adds',
          input: { type: 'object', required: ['a', 'b'], properties: { a: { type: 'number' }, b: { type: 'number' } }, additionalProperties: false },
          output: { type: 'object', required: ['sum'], properties: { sum: { type: 'number' } } },
        },
        { name: 'twice', description: 'Adds a to itself through add', input: { type: 'object', required: ['a'] }, output: { type: 'object' } },
        { name: 'loop', description: 'Calls itself', input: { type: 'object' }, output: { type: 'object' } },
        { name: 'deep', description: 'Calls itself one level deeper', input: { type: 'object', required: ['n'] }, output: { type: 'object' } },
        {
          name: 'size',
          description: 'Counts the bytes of a picture',
          input: { type: 'object', required: ['picture'], properties: { picture: { type: 'string', contentEncoding: 'base64', contentMediaType: 'image/png', maxLength: 40 } } },
          output: { type: 'object' },
        },
      ],
    },
  ],
  workflows: [{ type: 'double-sum', description: 'Sums twice', input: { type: 'object', required: ['a'] }, output: { type: 'object', required: ['total'] } }],
});

const calc = definePlugin({
  agents: {
    calc: {
      capabilities: {
        add: (input: { a: number; b: number }) => (input.a === 13 ? { sum: 'unlucky' } : input.a === 666 ? Promise.reject(new Error('no devils')) : { sum: input.a + input.b }),
        twice: async (input: { a: number }, ctx) => ctx.agents.invoke('calc', 'add', { a: input.a, b: input.a }),
        loop: async (input: unknown, ctx) => ctx.agents.invoke('calc', 'loop', input),
        deep: async (input: { n: number }, ctx) => ctx.agents.invoke('calc', 'deep', { n: input.n + 1 }),
        size: async (input: { picture: Uint8Array }) => ({ bytes: input.picture.length, isBytes: input.picture instanceof Uint8Array }),
      },
    },
  },
  workflows: {
    'double-sum': {
      run: async (input: { a: number }, ctx) => {
        const first = await ctx.agents.invoke<{ sum: number }>('calc', 'add', { a: input.a, b: 1 });
        const second = await ctx.agents.invoke<{ sum: number }>('calc', 'add', { a: first.sum, b: 1 });
        return { total: second.sum };
      },
    },
  },
});

/** A plugin whose one handler, `tool.use` (the one manifestWith lists), is `use`. */
const toolPlugin = (use: Handler) => definePlugin({ agents: { tool: { capabilities: { use } } } });

describe('schemas, both ways', () => {
  const plugin = testPlugin(calc, strictManifest);

  test('a valid call answers its output', async () => {
    expect(await plugin.invoke('calc', 'add', { a: 2, b: 3 })).toEqual({ sum: 5 });
  });

  test('input that does not match is INPUT_INVALID with the problems, and the handler never runs', async () => {
    const err = (await plugin.invoke('calc', 'add', { a: 'two', c: 1 }).catch((e) => e)) as EaselError;
    expect(err).toBeInstanceOf(EaselError);
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.message).toBe("the input does not match calc/add's input schema");
    expect(err.details?.problems).toEqual(
      expect.arrayContaining([
        { path: '/', message: "must have required property 'b'" },
        { path: '/', message: "must NOT have additional properties 'c'" },
        { path: '/a', message: 'must be number' },
      ]),
    );
  });

  test('output that does not match is OUTPUT_INVALID with the problems', async () => {
    await expect(plugin.invoke('calc', 'add', { a: 13, b: 1 })).rejects.toMatchObject({
      code: 'OUTPUT_INVALID',
      message: "kit-test returned output that does not match calc/add's output schema",
      details: { problems: [{ path: '/sum', message: 'must be number' }] },
    });
  });

  test('unknown agents, capabilities and workflows', async () => {
    expect(await codeOf(plugin.invoke('calc', 'divide', {}))).toBe('AGENT_NOT_FOUND');
    expect(await codeOf(plugin.invoke('nobody', 'add', {}))).toBe('AGENT_NOT_FOUND');
    expect(await codeOf(plugin.run('triple-sum', {}))).toBe('WORKFLOW_NOT_FOUND');
  });

  test('byte fields: base64 text or a Uint8Array in, a Uint8Array to the handler; size and media type checked', async () => {
    expect(await plugin.invoke('calc', 'size', { picture: PNG_BYTES })).toEqual({ bytes: PNG_BYTES.length, isBytes: true });
    expect(await plugin.invoke('calc', 'size', { picture: Buffer.from(PNG_BYTES).toString('base64') })).toEqual({ bytes: PNG_BYTES.length, isBytes: true });
    await expect(plugin.invoke('calc', 'size', { picture: new Uint8Array([1, 2, 3]) })).rejects.toMatchObject({ code: 'INPUT_INVALID', details: { problems: [{ path: '/picture', message: 'is not a image/png image' }] } });
    await expect(plugin.invoke('calc', 'size', { picture: new Uint8Array(64).fill(0x89) })).rejects.toMatchObject({ code: 'INPUT_INVALID', details: { problems: expect.arrayContaining([{ path: '/picture', message: 'must be at most 30 bytes (it is 64)' }]) } });
  });
});

describe('errors as the host reports them', () => {
  test('a thrown error is PLUGIN_ERROR with the plugin\'s message', async () => {
    const plugin = testPlugin(calc, strictManifest);
    await expect(plugin.invoke('calc', 'add', { a: 666, b: 0 })).rejects.toMatchObject({ code: 'PLUGIN_ERROR', message: 'no devils' });
  });

  test('a ctx failure rethrown keeps its code; a code the plugin made up does not', async () => {
    const manifest = manifestWith({ kv: true });
    const plugin = testPlugin(
      toolPlugin(async (input: { how: string }, ctx) => {
        if (input.how === 'rethrow') await ctx.kv.get('');
        throw Object.assign(new Error('forged'), { code: 'BUDGET_EXCEEDED' });
      }),
      manifest,
    );
    await expect(plugin.invoke('tool', 'use', { how: 'rethrow' })).rejects.toMatchObject({ code: 'KV_KEY_INVALID' });
    await expect(plugin.invoke('tool', 'use', { how: 'forge' })).rejects.toMatchObject({ code: 'PLUGIN_ERROR', message: 'forged' });
  });

  test('a handler the manifest lists but the definition lacks is PLUGIN_LOAD_FAILED with the host\'s message', () => {
    const partial = definePlugin({ agents: { calc: { capabilities: { add: () => ({ sum: 0 }) } } } });
    expect(() => testPlugin(partial, strictManifest)).toThrow(
      expect.objectContaining({ code: 'PLUGIN_LOAD_FAILED', message: 'the script does not define agents.calc.capabilities.twice, agents.calc.capabilities.loop, agents.calc.capabilities.deep, agents.calc.capabilities.size, workflows.double-sum' }),
    );
  });

  test('a call past its wall-clock budget is EXECUTION_TIMEOUT, and its later ctx calls fail', async () => {
    const manifest = manifestWith({ kv: true }, { limits: { timeoutMs: 50, cpuMs: 20 } });
    let late: Promise<string | undefined> | undefined;
    const plugin = testPlugin(
      toolPlugin(
        (_input, ctx) =>
          new Promise(() => {
            setTimeout(() => (late = codeOf(ctx.kv.set('late', true))), 100);
          }),
      ),
      manifest,
    );
    await expect(plugin.invoke('tool', 'use', {})).rejects.toMatchObject({ code: 'EXECUTION_TIMEOUT', message: 'the call ran past its budget (20 ms CPU, 50 ms wall)' });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await late).toBe('CALL_ENDED');
    expect(plugin.readKv()).toEqual({});
  });

  test('a cancelled call is EXECUTION_CANCELLED and its ctx.signal fires', async () => {
    const seen: unknown[] = [];
    const plugin = testPlugin(
      toolPlugin((_input, ctx) => new Promise(() => ctx.signal.addEventListener('abort', () => seen.push((ctx.signal.reason as EaselError).code)))),
      manifestWith({}),
    );
    const stop = new AbortController();
    const call = plugin.invoke('tool', 'use', {}, { signal: stop.signal });
    await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    expect(await codeOf(call)).toBe('EXECUTION_CANCELLED');
    expect(seen).toEqual(['EXECUTION_CANCELLED']);
  });
});

describe('the plugin\'s own agents', () => {
  test('run through their handlers with the schemas checked; a workflow calls them as steps', async () => {
    const plugin = testPlugin(calc, strictManifest);
    expect(await plugin.invoke('calc', 'twice', { a: 4 })).toEqual({ sum: 8 });
    expect(await plugin.run('double-sum', { a: 1 })).toEqual({ total: 3 });
    expect(plugin.recorded.agents).toEqual([
      { agent: 'kit-test/calc', capability: 'add', input: { a: 4, b: 4 } },
      { agent: 'kit-test/calc', capability: 'add', input: { a: 1, b: 1 } },
      { agent: 'kit-test/calc', capability: 'add', input: { a: 2, b: 1 } },
    ]);
    const err = (await plugin.invoke('calc', 'twice', { a: 13 }).catch((e) => e)) as EaselError;
    expect(err.code).toBe('OUTPUT_INVALID');
  });

  test('the same call with the same input again is a cycle; nesting deeper than 4 is refused', async () => {
    const plugin = testPlugin(calc, strictManifest);
    await expect(plugin.invoke('calc', 'loop', { x: 1 })).rejects.toMatchObject({ code: 'AGENT_CALL_REFUSED', message: expect.stringContaining('would close a cycle') });
    await expect(plugin.invoke('calc', 'deep', { n: 0 })).rejects.toMatchObject({ code: 'AGENT_CALL_REFUSED', message: expect.stringContaining('the limit is 4') });
  });

  test('a stub replaces an own agent', async () => {
    const plugin = testPlugin(calc, strictManifest, { agents: { calc: { add: () => ({ sum: 100 }) } } });
    expect(await plugin.invoke('calc', 'twice', { a: 1 })).toEqual({ sum: 100 });
  });
});

describe('hello, through testPlugin', () => {
  test('greet uses the config; count keeps visits in kv; a bad config is refused', async () => {
    const manifest = await loadManifest(HELLO_DIR);
    const plugin = testPlugin(hello, manifest, { config: { greeting: 'Hi' } });
    expect(await plugin.invoke('greeter', 'greet', { name: 'Ada' })).toEqual({ message: 'Hi, Ada!' });
    expect(plugin.logs).toEqual([{ level: 'info', message: 'greeting someone', fields: { name: 'Ada' } }]);
    await plugin.invoke('greeter', 'count', { name: 'Ada' });
    expect(await plugin.invoke('greeter', 'count', { name: 'Ada' })).toEqual({ name: 'Ada', visits: 2 });
    expect(plugin.readKv()).toEqual({ 'visits/Ada': 2 });
    expect(() => testPlugin(hello, manifest, { config: { greeting: '' } })).toThrow(expect.objectContaining({ code: 'PLUGIN_CONFIG_INVALID' }));
    await expect(loadManifest('/nonexistent')).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
  });
});
