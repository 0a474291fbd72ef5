/**
 * The packed script on its own: built as `easel pack` builds it, then run in a fresh V8
 * context that has only ECMAScript globals (no Node, no atob, no TextEncoder, no timers),
 * as in the host's isolate. Handlers are called with the test double of `ctx`.
 */
import { buildPluginScript } from '@easel/sdk/bundle';
import { resolve } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { beforeAll, describe, expect, test } from 'vitest';
import { fakeContext, fakePng } from './fake-context.ts';

type Handler = (input: unknown, ctx: unknown) => Promise<any>;
interface Loaded {
  agents: Record<string, { capabilities: Record<string, Handler> }>;
  workflows: Record<string, Handler>;
}

let code: string;
let plugin: Loaded;

beforeAll(async () => {
  const built = await buildPluginScript(resolve(import.meta.dirname, '..'));
  code = built.code;
  expect(built.warnings).toEqual([]);
  const sandbox = createContext({});
  runInContext(code, sandbox);
  plugin = runInContext('globalThis.__easelPlugin.default', sandbox) as Loaded;
});

describe('the bundle', () => {
  test('uses no host API beyond ECMAScript', () => {
    for (const name of ['require', 'process', 'Buffer', 'atob', 'btoa', 'TextEncoder', 'TextDecoder', 'setTimeout', 'setInterval', 'queueMicrotask', 'fetch', 'import']) {
      expect(code, name).not.toMatch(new RegExp(`\\b${name}\\b`));
    }
  });

  test('exposes the handlers plugin.json names', () => {
    expect(Object.keys(plugin.agents).sort()).toEqual(['image-generator', 'sketch-enhancer']);
    expect(typeof plugin.agents['image-generator']!.capabilities['text-to-image']).toBe('function');
    expect(typeof plugin.agents['sketch-enhancer']!.capabilities['sketch-to-image']).toBe('function');
    expect(typeof plugin.workflows.canvas).toBe('function');
  });

  test('text-to-image runs in a bare context', async () => {
    const { ctx, recorded } = fakeContext({ text: ['cat'] });
    const out = await plugin.agents['image-generator']!.capabilities['text-to-image']!({ keywords: '고양이', style: 'cartoon', count: 2 }, ctx);
    expect(out.images).toHaveLength(2);
    expect(out.prompt).toMatch(/^cat, cartoon style/);
    expect(recorded.puts.map((p) => p.key)).toEqual(['images/exec-1/0.png', 'images/exec-1/1.png']);
  });

  test('sketch bytes from another realm are accepted (the isolate copies them in)', async () => {
    const { ctx, recorded } = fakeContext();
    const out = await plugin.workflows.canvas!({ sketch: fakePng(), style: 'realistic' }, ctx);
    expect(out.images).toHaveLength(1);
    expect(recorded.imageCalls[0]!.similarity).toBe(0.7);
    expect(Array.from(recorded.imageCalls[0]!.image as Uint8Array)).toEqual(Array.from(fakePng()));
  });
});
