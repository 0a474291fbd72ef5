/**
 * Running from the console in a real Chromium, against a real host with the first-party
 * plugins and the Bedrock emulator: the canvas workflow from its generated form, its steps
 * appearing live over the event stream while the image model is held, cancel, then a run to its
 * image; streamed text of a story; the executions pages; and the cost dashboard, whose chart
 * figures equal the usage report's for the same period.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import { ADMIN_TOKEN, startHost, type RunningHost } from '../helpers/host.ts';
import { useBrowser } from '../helpers/browser.ts';
import { signIn } from '../helpers/console.ts';
import { drawSketch, sha256 } from '../helpers/images.ts';

let host: RunningHost;
let appKey: string;
let control: EmulatorControl;
const browser = useBrowser(import.meta.filename);
const IMAGE_MODEL = 'amazon.nova-canvas-v1:0';

beforeAll(async () => {
  host = await startHost({ firstPartyPlugins: true });
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'studio' } })).body.key;
  control = host.host.models.emulator?.control as EmulatorControl;
});
afterAll(async () => {
  await control?.reset();
  await host?.close();
});

/** Opens the run page on the canvas workflow and fills its generated form. */
async function fillCanvas(page: Page): Promise<void> {
  await page.goto(`${host.url}/console/run?target=${encodeURIComponent('workflow:canvas/canvas')}`);
  await page.locator('[data-target="workflow:canvas/canvas"]').waitFor();
  // keywords is text or a list of text: the text kind is chosen first.
  await page.fill('#input-keywords', '등대');
  await page.selectOption('#input-style', { label: 'meme' });
  await page.selectOption('#input-size', { label: '512x512' });
}

describe('running the canvas workflow', () => {
  test('the form is generated from its input schema, with a file input for the sketch', async () => {
    const { page } = browser();
    await signIn(page, host.url, appKey);
    await fillCanvas(page);
    await expect(page.locator('#input-sketch').getAttribute('type')).resolves.toBe('file');
    await expect(page.locator('#input-sketch').getAttribute('accept')).resolves.toBe('image/*');
    await expect(page.locator('#input-count').getAttribute('type')).resolves.toBe('number');
    expect(await page.locator('#input-style option').allTextContents()).toEqual(['(not set)', 'cartoon', 'realistic', 'meme', 'illustration']);
    expect(await page.locator('#input-keywords-kind option').allTextContents()).toEqual(['text', 'list of text']);
  });

  test('a refused input shows the host’s problem under the field it names', async () => {
    const { page, allow } = browser();
    allow(/status of 400/);
    await fillCanvas(page);
    await page.fill('#input-similarity', '5');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.locator('[data-field="/similarity"] .field-errors').textContent()).resolves.toMatch(/<= 1/);
    await expect(page.locator('.error-box[data-code=INPUT_INVALID]').count()).resolves.toBe(1);
  });

  test('its steps appear live while the image model works, and Cancel stops it', async () => {
    const { page, shot } = browser();
    // The image model answers after a minute: the run stays on its drawing step meanwhile.
    await control.fault({ modelId: IMAGE_MODEL, latencyMs: 60_000, count: 1 });
    await fillCanvas(page);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const live = page.locator('.live');
    // The translation step finished and the drawing step started: the execution has not ended.
    await page.locator('[data-step="translator/translate-keywords"][data-step-status=succeeded]').waitFor();
    await page.locator('[data-step="image-generator/text-to-image"][data-step-status=running]').waitFor();
    await expect(live.getAttribute('data-status')).resolves.toBe('running');
    await expect(page.locator('.progress li').first().textContent()).resolves.toBe('translating the keywords');
    expect(await page.locator('.finished').count()).toBe(0);
    await shot('canvas running live');
    const executionId = (await live.getAttribute('data-execution'))!;
    expect((await host.call('GET', `/v1/executions/${executionId}`, { key: appKey })).body.status).toBe('running');

    await live.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.live[data-status=cancelled] [data-finished=cancelled]').waitFor();
    await page.locator('[data-step="image-generator/text-to-image"][data-step-status=cancelled]').waitFor();
    expect((await host.call('GET', `/v1/executions/${executionId}`, { key: appKey })).body.status).toBe('cancelled');
    await shot('canvas cancelled');
  });

  test('a run to its end shows its image and its steps', async () => {
    const { page, shot } = browser();
    await control.reset();
    await fillCanvas(page);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('.live [data-finished=succeeded]').waitFor();
    const image = page.locator('img[data-output-image]');
    await expect(image.count()).resolves.toBe(1);
    // Loaded from the host (a signed blob URL), at the size asked for.
    await expect.poll(() => image.evaluate((img) => (img as unknown as { complete: boolean }).complete && (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(512);
    expect(await page.locator('[data-step-status=succeeded]').count()).toBe(2);
    const id = (await page.locator('.live').getAttribute('data-execution'))!;
    // Read as an admin: the page may be signed in with another app's key by the tests before.
    const record = (await host.call('GET', `/v1/executions/${id}`)).body;
    expect(record.status).toBe('succeeded');
    expect(await image.getAttribute('src')).toBe(record.output.images[0].url);
    await shot('canvas image');
  });
});

describe('streamed text', () => {
  test('a story’s text appears as the model streams it', async () => {
    const { page, shot } = browser();
    await page.goto(`${host.url}/console/run?target=${encodeURIComponent('workflow:content-creation/content')}`);
    await page.locator('[data-target="workflow:content-creation/content"]').waitFor();
    await page.fill('#input-topic', 'a paper boat');
    await page.selectOption('#input-length', { label: 'flash' });
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('.live [data-finished=succeeded]').waitFor();
    const streamed = await page.locator('[data-stream-text]').first().textContent();
    expect(streamed?.length).toBeGreaterThan(20);
    // The text shown is what the model.delta events carried, in order.
    const id = (await page.locator('.live').getAttribute('data-execution'))!;
    const stream = await fetch(`${host.url}/v1/executions/${id}/events`, { headers: { authorization: `Bearer ${appKey}` } }).then((r) => r.text());
    const deltas = [...stream.matchAll(/^event: model\.delta\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as { stepId: string | null; text: string });
    const byStep = new Map<string, string>();
    for (const d of deltas) byStep.set(d.stepId ?? 'execution', (byStep.get(d.stepId ?? 'execution') ?? '') + d.text);
    expect([...byStep.values()]).toContain(streamed);
    await shot('story streamed');
  });
});

describe('executions', () => {
  test('the list shows the runs with their status, and a detail shows steps, models, tokens and cost', async () => {
    const { page, shot } = browser();
    await signIn(page, host.url, ADMIN_TOKEN);
    await page.goto(`${host.url}/console/executions?plugin=canvas`);
    await page.locator('[data-section=executions]').waitFor();
    const statuses = await page.locator('[data-section=executions] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
    expect(statuses).toEqual(['succeeded', 'cancelled']);
    // A time filter: the runs since an hour ago, then none since an hour from now.
    await page.fill('input[name=since]', new Date(Date.now() - 3_600_000).toISOString().slice(0, 16));
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('[data-section=executions] tbody tr').count()).toBe(2);
    expect(new URL(page.url()).searchParams.get('since')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/);
    await page.fill('input[name=since]', new Date(Date.now() + 3_600_000).toISOString().slice(0, 16));
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator('[data-page=executions] .empty').waitFor();
    await page.goto(`${host.url}/console/executions?plugin=canvas&status=succeeded`);
    await expect.poll(() => page.locator('[data-section=executions] tbody tr').count()).toBe(1);
    await page.locator('[data-section=executions] tbody tr a').click();
    await page.locator('[data-page=execution]').waitFor();
    const id = (await page.locator('[data-page=execution]').getAttribute('data-execution'))!;
    const record = (await host.call('GET', `/v1/executions/${id}`)).body;
    const drawing = page.locator('[data-step="image-generator/text-to-image"]');
    await expect(drawing.textContent()).resolves.toContain(IMAGE_MODEL);
    const step = record.steps.find((s: { agent: string }) => s.agent === 'image-generator');
    await expect(drawing.locator('td').nth(4).textContent()).resolves.toBe(`$${step.costUsd.toFixed(step.costUsd >= 0.01 ? 4 : 6)}`);
    await page.locator('img[data-output-image]').waitFor();
    await shot('execution detail');
  });
});

describe('the cost dashboard', () => {
  test('its charts show the usage report’s figures for the period it shows', async () => {
    const { page, shot } = browser();
    await page.goto(`${host.url}/console/costs?period=7d`);
    const dashboard = page.locator('.dashboard');
    await dashboard.waitFor();
    const from = (await dashboard.getAttribute('data-period-from'))!;
    const to = (await dashboard.getAttribute('data-period-to'))!;
    const report = (await host.call('GET', `/v1/usage/report?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)).body;
    const canvas = report.byPlugin.find((p: { plugin: string }) => p.plugin === 'canvas');
    expect(canvas.costUsd).toBeGreaterThan(0);
    // The plugin chart: drawn, with the same figures in its table.
    await expect(page.locator('[data-chart=by-plugin] canvas').count()).resolves.toBe(1);
    const cell = (label: string, series: string) => page.locator(`[data-chart-table=by-plugin] tr[data-label="${label}"] td[data-series="${series}"]`);
    expect(Number(await cell('canvas', 'cost (USD)').getAttribute('data-value'))).toBe(canvas.costUsd);
    expect(Number(await cell('canvas', 'calls').getAttribute('data-value'))).toBe(canvas.calls);
    // Every day's and every model's figures too.
    for (const day of report.byDay) {
      expect(Number(await page.locator(`[data-chart-table=by-day] tr[data-label="${day.day}"] td[data-series="cost (USD)"]`).getAttribute('data-value'))).toBe(day.costUsd);
    }
    for (const model of report.byModel) {
      expect(Number(await page.locator(`[data-chart-table=by-model] tr[data-label="${model.model}"] td[data-series="cost (USD)"]`).getAttribute('data-value'))).toBe(model.costUsd);
    }
    expect(report.byModel.map((m: { model: string }) => m.model)).toContain(IMAGE_MODEL);
    await expect(page.locator('[data-tile=calls] .tile-value').textContent()).resolves.toBe(report.totals.calls.toLocaleString('en-US'));
    await shot('cost dashboard');
  });

  test('an app key sees its own app’s costs only', async () => {
    const { page } = browser();
    const other = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'other shop' } })).body.key;
    await signIn(page, host.url, other);
    await page.goto(`${host.url}/console/costs`);
    await page.locator('.dashboard').waitFor();
    await expect(page.locator('[data-tile=calls] .tile-value').textContent()).resolves.toBe('0');
    expect(await page.locator('[data-chart=by-app]').count()).toBe(0);
    await expect(page.locator('[data-chart=by-plugin] .empty').count()).resolves.toBe(1);
  });
});

describe('a byte field', () => {
  test('a sketch chosen in the file input is sent as bytes and drawn from', async () => {
    const { page, shot } = browser();
    const sketch = drawSketch('ring', [200, 40, 40]);
    await page.goto(`${host.url}/console/run?target=${encodeURIComponent('workflow:canvas/canvas')}`);
    await page.locator('[data-target="workflow:canvas/canvas"]').waitFor();
    await page.setInputFiles('#input-sketch', { name: 'ring.png', mimeType: 'image/png', buffer: sketch });
    // Previewed before it is sent.
    await page.locator('[data-field="/sketch"] img.file-preview').waitFor();
    await page.selectOption('#input-size', { label: '512x512' });
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('.live [data-finished=succeeded]').waitFor();
    await page.locator('[data-step="sketch-enhancer/sketch-to-image"][data-step-status=succeeded]').waitFor();
    const id = (await page.locator('.live').getAttribute('data-execution'))!;
    // Read as an admin: the page may be signed in with another app's key by the tests before.
    const record = (await host.call('GET', `/v1/executions/${id}`)).body;
    // The host recorded the bytes it was given: those of the file.
    expect(record.input.sketch).toEqual({ bytes: sketch.length, sha256: sha256(sketch), mediaType: 'image/png' });
    await shot('sketch drawn');
  });
});
