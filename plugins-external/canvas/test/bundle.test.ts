/**
 * The packed script on its own: built as `easel pack` builds it and read in a fresh V8
 * context that has only ECMAScript globals (no Node, no atob, no TextEncoder, no timers);
 * then run by the test kit's `runPacked` in a real isolate behind the host's guest shim,
 * with canvas's limits and its `ctx` answered as a host answers it.
 */
import { buildPluginScript } from '@easel/sdk/bundle';
import { runPacked } from '@easel/sdk/testing';
import { resolve } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { beforeAll, describe, expect, test } from 'vitest';

const DIR = resolve(import.meta.dirname, '..');
/** Enough of a PNG for the host's and the plugin's checks: the signature and a few bytes. */
const fakePng = () => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0]);

type Handler = (input: unknown, ctx: unknown) => Promise<any>;
interface Loaded {
  agents: Record<string, { capabilities: Record<string, Handler> }>;
  workflows: Record<string, { run: Handler; estimate: (input: unknown, ctx: unknown) => any }>;
}

let code: string;
let plugin: Loaded;

beforeAll(async () => {
  const built = await buildPluginScript(DIR);
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
    expect(Object.keys(plugin.agents).sort()).toEqual(['image-generator', 'sketch-enhancer', 'translator']);
    expect(typeof plugin.agents['image-generator']!.capabilities['text-to-image']).toBe('function');
    expect(typeof plugin.agents['sketch-enhancer']!.capabilities['sketch-to-image']).toBe('function');
    expect(typeof plugin.agents.translator!.capabilities['translate-keywords']).toBe('function');
    expect(typeof plugin.workflows.canvas!.run).toBe('function');
    expect(typeof plugin.workflows.canvas!.estimate).toBe('function');
  });

  test('the estimate hook runs in a bare context (no TextEncoder) and names the steps', () => {
    const { steps } = plugin.workflows.canvas!.estimate({ keywords: ['고양이'], count: 2 }, {});
    expect(steps.map((s: { agent: string }) => s.agent)).toEqual(['translator', 'image-generator']);
    expect(steps[0].model.inputTokens).toBeGreaterThan(0);
    expect(steps[1].model.images).toBe(2);
  });

  test('text-to-image runs in an isolate, its output matching the manifest', async () => {
    const plugin = await runPacked(DIR, { models: { text: ['cat'] } });
    try {
      const out = await plugin.invoke('image-generator', 'text-to-image', { keywords: '고양이', style: 'cartoon', count: 2 }, { executionId: 'exec-1' });
      expect(out.images).toHaveLength(2);
      expect(out.prompt).toMatch(/^cat, cartoon style/);
      expect(plugin.recorded.puts.map((p) => p.key)).toEqual(['images/exec-1/0.png', 'images/exec-1/1.png']);
    } finally {
      await plugin.close();
    }
  });

  test('the admin config reaches the isolate: default style and size, translation tier', async () => {
    const plugin = await runPacked(DIR, { models: { text: ['cat'] }, config: { defaultStyle: 'meme', defaultSize: '512x512', translationTier: 'standard', maxImages: 1 } });
    try {
      const out = await plugin.invoke('image-generator', 'text-to-image', { keywords: '고양이' });
      expect(out.prompt).toMatch(/^cat, meme style/);
      expect(plugin.recorded.models.image[0]).toMatchObject({ width: 512, height: 512, count: 1 });
      expect(plugin.recorded.models.text[0]!.tier).toBe('standard');
      await expect(plugin.invoke('image-generator', 'text-to-image', { keywords: 'cat', count: 2 })).rejects.toMatchObject({ code: 'REQUEST_REJECTED' });
    } finally {
      await plugin.close();
    }
  });

  test('sketch bytes cross into the isolate as the host sends them, and out to the model as a copy', async () => {
    const plugin = await runPacked(DIR);
    try {
      const out = await plugin.invoke('sketch-enhancer', 'sketch-to-image', { sketch: fakePng(), style: 'realistic' });
      expect(out.images).toHaveLength(1);
      expect(plugin.recorded.models.image[0]!.similarity).toBe(0.7);
      expect(Array.from(plugin.recorded.models.image[0]!.image as Uint8Array)).toEqual(Array.from(fakePng()));
    } finally {
      await plugin.close();
    }
  });

  test('the workflow in an isolate: Korean keywords are translated, then drawn, each a recorded step', async () => {
    const plugin = await runPacked(DIR, { models: { text: ['cat, moon'] } });
    try {
      const out = await plugin.run('canvas', { keywords: ['고양이', '달'], style: 'cartoon' });
      expect(plugin.recorded.agents.map((a) => `${a.agent}.${a.capability}`)).toEqual(['canvas/translator.translate-keywords', 'canvas/image-generator.text-to-image']);
      expect(out.prompt).toMatch(/^cat and moon, cartoon style/);
      expect(Object.keys(out).sort()).toEqual(['images', 'negativePrompt', 'prompt']);
    } finally {
      await plugin.close();
    }
  });

  test('the workflow in an isolate: the sketch reaches sketch-to-image as bytes', async () => {
    const plugin = await runPacked(DIR);
    try {
      await plugin.run('canvas', { sketch: fakePng(), keywords: 'boat' });
      expect(plugin.recorded.agents.map((a) => `${a.agent}.${a.capability}`)).toEqual(['canvas/sketch-enhancer.sketch-to-image']);
      expect(Array.from(plugin.recorded.models.image[0]!.image as Uint8Array)).toEqual(Array.from(fakePng()));
    } finally {
      await plugin.close();
    }
  });

  test('returnBytes: the PNG bytes leave the isolate beside the JSON, and reach an app as base64, as stored', async () => {
    const plugin = await runPacked(DIR);
    try {
      const out = await plugin.invoke('image-generator', 'text-to-image', { keywords: 'cat', count: 2, returnBytes: true });
      expect(out.bytes).toHaveLength(2);
      const stored = await plugin.readStorage();
      for (const [i, image] of (out.images as { blobId: string }[]).entries()) {
        expect(Array.from(Buffer.from(out.bytes[i] as string, 'base64'))).toEqual(Array.from(stored.find((o) => o.info.blobId === image.blobId)!.bytes));
      }
    } finally {
      await plugin.close();
    }
  });
});
