/**
 * The canvas plugin end to end on the embedded defaults (local blob folder, the Bedrock
 * emulator): installed as a first-party plugin at start, keywords or a sketch in over HTTP
 * (its own routes, the generic agent and workflow endpoints, JSON and multipart), PNGs out,
 * stored through ctx.storage with metadata rows that match the bytes the URLs serve.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import type { Image } from '../../plugins-external/canvas/src/images.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { drawSketch, pngSize, sha256 } from '../helpers/images.ts';
import { readEvents } from '../helpers/orchestration.ts';

let host: RunningHost;
let appKey: string;
let otherAppKey: string;
let control: EmulatorControl;

beforeAll(async () => {
  host = await startHost({ firstPartyPlugins: true });
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body.key;
  otherAppKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'other' } })).body.key;
  control = host.host.models.emulator?.control as EmulatorControl;
});
afterAll(async () => {
  await host?.close();
});
beforeEach(async () => {
  await control.reset();
});

const post = (path: string, body: unknown) => host.call('POST', path, { key: appKey, body, headers: { 'x-easel-user': 'painter' } });

async function upload(path: string, fields: Record<string, string>, sketch: { bytes: Buffer; type?: string; name?: string }) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('sketch', new Blob([sketch.bytes], { type: sketch.type ?? 'image/png' }), sketch.name ?? 'sketch.png');
  const res = await fetch(`${host.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${appKey}` }, body: form });
  return { status: res.status, body: (await res.json()) as any };
}

/** Fetches an image's URL (signed, no key) and checks it against its metadata row. */
async function checkStored(image: Image, executionId: string, size: { width: number; height: number }): Promise<Buffer> {
  const res = await fetch(`${host.url}${image.url}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/png');
  const bytes = Buffer.from(await res.arrayBuffer());
  expect(pngSize(bytes)).toEqual(size);
  const row = await host.host.store.blobs.byId(image.blobId);
  expect(row).toMatchObject({ pluginName: 'canvas', executionId, contentType: 'image/png', size: bytes.length, sha256: sha256(bytes) });
  expect(image).toMatchObject({ contentType: 'image/png', model: 'amazon.nova-canvas-v1:0', ...size });
  expect(image.cost).toBeGreaterThan(0);
  return bytes;
}

async function blobFiles(): Promise<string[]> {
  return (await readdir(host.config.storage.dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
}

describe('keywords to images', () => {
  test('the plugin route answers stored PNGs whose URLs serve the recorded bytes', async () => {
    const res = await post('/v1/p/canvas/generate', { keywords: ['red bicycle', 'Han river'], style: 'realistic', count: 2, size: '512x512' });
    expect(res.status).toBe(200);
    const { images, prompt, negativePrompt } = res.body.output as { images: Image[]; prompt: string; negativePrompt: string };
    expect(images).toHaveLength(2);
    expect(prompt).toMatch(/red bicycle/);
    expect(prompt).toMatch(/photorealistic/i);
    expect(negativePrompt.length).toBeGreaterThan(0);
    const [a, b] = await Promise.all(images.map((image) => checkStored(image, res.body.executionId, { width: 512, height: 512 })));
    expect(sha256(a!)).not.toBe(sha256(b!));
    // The emulator drew them once, with the negative prompt; the usage rows bill what the output says.
    const calls = await control.calls();
    expect(calls.map((c) => c.taskType)).toEqual(['TEXT_IMAGE']);
    const usage = await host.host.store.usage.listByExecution(res.body.executionId);
    expect(usage.reduce((sum, row) => sum + row.costUsd, 0)).toBeCloseTo(images[0]!.cost + images[1]!.cost, 8);
    // The app whose execution stored them may fetch by key too; another app may not.
    const id = images[0]!.blobId;
    expect((await fetch(`${host.url}/v1/blobs/${id}`, { headers: { authorization: `Bearer ${appKey}` } })).status).toBe(200);
    expect((await fetch(`${host.url}/v1/blobs/${id}`, { headers: { authorization: `Bearer ${otherAppKey}` } })).status).toBe(404);
    expect((await fetch(`${host.url}/v1/blobs/${id}`)).status).toBe(401);
  });

  test('Korean keywords are translated for the image model, through the generic agent endpoint', async () => {
    const res = await post('/v1/agents/canvas/image-generator/text-to-image', { keywords: '고양이와 우주', style: 'cartoon', size: '768x768' });
    expect(res.status).toBe(200);
    const { images, prompt } = res.body.output as { images: Image[]; prompt: string };
    expect(prompt).toMatch(/cartoon/i);
    await checkStored(images[0]!, res.body.executionId, { width: 768, height: 768 });
    // A basic text model got the Korean keywords; its answer (synthetic here) is the image prompt's subject.
    const calls = await control.calls();
    expect(calls.map((c) => c.taskType ?? c.op)).toEqual(['converse', 'TEXT_IMAGE']);
    expect(calls[0]).toMatchObject({ modelId: expect.stringContaining('nova-micro'), prompt: expect.stringContaining('고양이와 우주') });
    expect(prompt).toMatch(/^\[synthetic answer/);
    expect(calls[1]!.prompt).toBe(prompt.slice(0, 200));
  });

  test('the canvas workflow takes the keyword path without a sketch', async () => {
    const listed = await host.call('GET', '/v1/workflows', { key: appKey });
    expect(listed.body.workflows).toContainEqual(expect.objectContaining({ plugin: 'canvas', type: 'canvas', path: '/v1/workflows/canvas/executions' }));
    const res = await post('/v1/workflows/canvas/executions', { keywords: 'lighthouse', style: 'meme', size: '512x512' });
    expect(res.status).toBe(200);
    await checkStored(res.body.output.images[0], res.body.executionId, { width: 512, height: 512 });
    expect((await control.calls()).map((c) => c.taskType)).toEqual(['TEXT_IMAGE']);
  });
});

describe('sketch to images', () => {
  const square = drawSketch('square', [220, 30, 30]);
  const ring = drawSketch('ring', [30, 30, 220]);

  test('a multipart upload of the sketch: the variation follows the sketch bytes', async () => {
    const fields = { keywords: 'a friendly robot', style: 'illustration', seed: '7', similarity: '0.8' };
    const first = await upload('/v1/p/canvas/sketch', fields, { bytes: square });
    const second = await upload('/v1/p/canvas/sketch', fields, { bytes: ring });
    const again = await upload('/v1/p/canvas/sketch', fields, { bytes: square });
    for (const res of [first, second, again]) expect(res.status).toBe(200);
    const [a, b, c] = await Promise.all([first, second, again].map((res) => checkStored(res.body.output.images[0], res.body.executionId, { width: 1024, height: 1024 })));
    // Same seed and prompt: only the sketch differs between the first two, and nothing between the first and third.
    expect(sha256(a!)).not.toBe(sha256(b!));
    expect(sha256(a!)).toBe(sha256(c!));
    const calls = await control.calls();
    expect(calls.map((call) => call.taskType)).toEqual(['IMAGE_VARIATION', 'IMAGE_VARIATION', 'IMAGE_VARIATION']);
    // The recorded input keeps a summary of the sketch, not its bytes.
    const execution = await host.call('GET', `/v1/executions/${first.body.executionId}`, { key: appKey });
    expect(execution.body.input.sketch).toEqual({ bytes: square.length, sha256: sha256(square), mediaType: 'image/png' });
  });

  test('a base64 sketch in JSON takes the workflow down the sketch path', async () => {
    const res = await post('/v1/workflows/canvas/executions', { sketch: `data:image/png;base64,${ring.toString('base64')}`, style: 'cartoon', count: 2, size: '512x512' });
    expect(res.status).toBe(200);
    expect(res.body.output.images).toHaveLength(2);
    for (const image of res.body.output.images) await checkStored(image, res.body.executionId, { width: 512, height: 512 });
    expect((await control.calls()).map((c) => c.taskType)).toEqual(['IMAGE_VARIATION']);
  });
});

describe('the canvas workflow runs its agents as recorded steps', () => {
  /** The execution's steps as `agent.capability`, and its event stream's step events. */
  async function stepsOf(executionId: string) {
    const record = (await host.call('GET', `/v1/executions/${executionId}`, { key: appKey })).body;
    const events = await readEvents(host, executionId, { key: appKey });
    return { record, events, names: record.steps.map((s: { agent: string; capability: string }) => `${s.agent}.${s.capability}`) };
  }

  test('Korean keywords: translate, then generate; each step with its model, cost and timing, on the record and the stream', async () => {
    const res = await post('/v1/workflows/canvas/executions', { keywords: ['고양이', '모자'], style: 'cartoon', size: '512x512' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { record, events, names } = await stepsOf(res.body.executionId);
    expect(names).toEqual(['translator.translate-keywords', 'image-generator.text-to-image']);
    for (const step of record.steps) {
      expect(step).toMatchObject({ pluginName: 'canvas', status: 'succeeded', depth: 1 });
      expect(step.models).toHaveLength(1);
      expect(step.costUsd).toBeGreaterThan(0);
      expect(Date.parse(step.finishedAt)).toBeGreaterThanOrEqual(Date.parse(step.startedAt));
    }
    // The translation is a text model's, the drawing the image model's; the drawing came after the translation.
    expect(record.steps[1].models).toEqual(['amazon.nova-canvas-v1:0']);
    expect(Date.parse(record.steps[1].startedAt)).toBeGreaterThanOrEqual(Date.parse(record.steps[0].finishedAt));
    expect(record.costUsd).toBeCloseTo(record.steps[0].costUsd + record.steps[1].costUsd, 9);
    const stepEvents = events.filter((e) => e.event.startsWith('step.')).map((e) => `${e.event} ${e.data.agent}.${e.data.capability}`);
    expect(stepEvents).toEqual([
      'step.started translator.translate-keywords',
      'step.finished translator.translate-keywords',
      'step.started image-generator.text-to-image',
      'step.finished image-generator.text-to-image',
    ]);
    const finished = events.filter((e) => e.event === 'step.finished');
    for (const e of finished) expect(e.data).toMatchObject({ status: 'succeeded', costUsd: expect.any(Number), models: [expect.any(String)], durationMs: expect.any(Number) });
    await checkStored(res.body.output.images[0], res.body.executionId, { width: 512, height: 512 });
  });

  test('English keywords: one step, no translation', async () => {
    const res = await post('/v1/workflows/canvas/executions', { keywords: 'lighthouse', size: '512x512' });
    expect(res.status).toBe(200);
    expect((await stepsOf(res.body.executionId)).names).toEqual(['image-generator.text-to-image']);
  });

  test('a sketch: the enhance step gets the sketch as bytes (its recorded input names the bytes, not base64)', async () => {
    const sketch = drawSketch('ring', [10, 160, 60]);
    const res = await post('/v1/workflows/canvas/executions', { sketch: sketch.toString('base64'), keywords: 'a leaf', size: '512x512' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { record, names } = await stepsOf(res.body.executionId);
    expect(names).toEqual(['sketch-enhancer.sketch-to-image']);
    expect(record.steps[0].models).toEqual(['amazon.nova-canvas-v1:0']);
    expect((await control.calls()).map((c) => c.taskType)).toEqual(['IMAGE_VARIATION']);
    // What was recorded about the step carries no copy of the sketch.
    expect(JSON.stringify(record.steps[0])).not.toContain(sketch.toString('base64').slice(0, 40));
  });
});

describe('bad input is refused before anything runs or is stored', () => {
  const notAnImage = Buffer.from('GIF89a? no: plain text pretending to be a sketch');
  const tooBig = Buffer.concat([drawSketch('square', [0, 0, 0]), Buffer.alloc(1_100_000)]);

  test.each([
    ['an empty keyword', '/v1/p/canvas/generate', { keywords: '' }, '/keywords'],
    ['a blank keyword', '/v1/p/canvas/generate', { keywords: ['cat', '   '] }, '/keywords'],
    ['an unknown style', '/v1/p/canvas/generate', { keywords: 'cat', style: 'cubist' }, '/style'],
    ['more than 4 images', '/v1/p/canvas/generate', { keywords: 'cat', count: 5 }, '/count'],
    ['a sketch that is not base64', '/v1/workflows/canvas/executions', { sketch: 'not base64!' }, '/sketch'],
    ['a sketch that is not an image', '/v1/workflows/canvas/executions', { sketch: notAnImage.toString('base64') }, '/sketch'],
    ['neither keywords nor sketch', '/v1/workflows/canvas/executions', { style: 'cartoon' }, '/'],
  ])('%s: INPUT_INVALID naming the field', async (_name, path, body, field) => {
    const before = await host.host.store.blobs.usage('canvas');
    const res = await post(path, body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INPUT_INVALID');
    expect(res.body.details.problems.map((p: { path: string }) => p.path)).toContain(field);
    expect(await host.host.store.blobs.usage('canvas')).toEqual(before);
    expect(await control.calls()).toEqual([]);
  });

  test.each([
    ['not an image', notAnImage, 'is not a PNG or JPEG image'],
    ['over the size cap', tooBig, 'must be at most 1050000 bytes'],
  ])('an uploaded sketch %s: INPUT_INVALID for /sketch, nothing stored', async (_name, bytes, message) => {
    const before = { usage: await host.host.store.blobs.usage('canvas'), files: (await blobFiles()).length };
    const res = await upload('/v1/p/canvas/sketch', { style: 'cartoon' }, { bytes });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INPUT_INVALID' });
    expect(res.body.details.problems).toContainEqual({ path: '/sketch', message: expect.stringContaining(message) });
    expect({ usage: await host.host.store.blobs.usage('canvas'), files: (await blobFiles()).length }).toEqual(before);
    expect(await control.calls()).toEqual([]);
  });

  test('a form field over the multipart field limit is refused, not cut short', async () => {
    const res = await upload('/v1/p/canvas/sketch', { keywords: 'k'.repeat(70 * 1024) }, { bytes: drawSketch('ring', [1, 2, 3]) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('REQUEST_TOO_LARGE');
    expect(await control.calls()).toEqual([]);
  });

  test('a file for a field that takes no bytes, and a route the plugin does not declare', async () => {
    const form = new FormData();
    form.append('keywords', new Blob([Buffer.from('cat')]), 'k.txt');
    const res = await fetch(`${host.url}/v1/p/canvas/generate`, { method: 'POST', headers: { authorization: `Bearer ${appKey}` }, body: form });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'INPUT_INVALID', details: { problems: [{ path: '/keywords' }] } });
    expect((await post('/v1/p/canvas/nothing-here', {})).body.code).toBe('ROUTE_NOT_FOUND');
    expect((await host.call('GET', '/v1/p/canvas/generate', { key: appKey })).body.code).toBe('ROUTE_NOT_FOUND');
    // Plugin routes are for app keys.
    expect((await host.call('POST', '/v1/p/canvas/generate', { body: { keywords: 'cat' } })).body.code).toBe('FORBIDDEN');
    expect((await post('/v1/p/no-such-plugin/generate', { keywords: 'cat' })).body.code).toBe('PLUGIN_NOT_FOUND');
  });

  test('a disabled plugin mounts no routes until enabled again', async () => {
    // The first-party post-creation and game-development depend on canvas: disabling it takes force.
    expect((await host.call('POST', '/v1/plugins/canvas/disable')).body.code).toBe('PLUGIN_IN_USE');
    expect((await host.call('POST', '/v1/plugins/canvas/disable?force=true')).status).toBe(200);
    expect((await post('/v1/p/canvas/generate', { keywords: 'cat' })).body.code).toBe('PLUGIN_DISABLED');
    const grant = { storage: { read: true, write: true }, models: { tasks: ['image', 'text'], maxTier: 'standard' } };
    expect((await host.call('POST', '/v1/plugins/canvas/enable', { body: { grant } })).status).toBe(200);
    expect((await post('/v1/p/canvas/generate', { keywords: 'cat', size: '512x512' })).status).toBe(200);
  });
});
