import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CatalogError, loadCatalog } from './index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'easel-catalog-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const write = async (name: string, value: unknown) => {
  const file = join(dir, name);
  await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};

const problems = async (options: Parameters<typeof loadCatalog>[0]) => {
  const error = await loadCatalog(options).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CatalogError);
  return (error as CatalogError).problems;
};

describe('the bundled Seoul catalog', () => {
  test('loads, is frozen, dated, and lists Titan Image as unavailable in Seoul', async () => {
    const catalog = await loadCatalog();
    expect(catalog.region).toBe('ap-northeast-2');
    expect(catalog.verifiedAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.isFrozen(catalog.models[0]?.prices)).toBe(true);
    const titan = catalog.models.filter((m) => m.id.startsWith('amazon.titan-image'));
    expect(titan.length).toBe(2);
    expect(titan.every((m) => !m.available && /ap-northeast-2/.test(m.unavailableReason ?? ''))).toBe(true);
    expect(catalog.models.find((m) => m.tasks.includes('image') && m.available)?.id).toBe('amazon.nova-canvas-v1:0');
    for (const task of ['text', 'structured', 'image', 'embedding'] as const) expect(catalog.models.some((m) => m.available && m.tasks.includes(task))).toBe(true);
  });
});

describe('operator files', () => {
  test('overrides change prices and quotas of the named models only', async () => {
    const overridesFile = await write('o.json', { models: { 'apac.amazon.nova-micro-v1:0': { prices: { inputPer1k: 1 }, quotas: { rpm: 7 } } } });
    const catalog = await loadCatalog({ overridesFile });
    const micro = catalog.models.find((m) => m.id === 'apac.amazon.nova-micro-v1:0');
    expect(micro?.prices).toEqual({ inputPer1k: 1, outputPer1k: 0.00014 });
    expect(micro?.quotas).toEqual({ rpm: 7, tpm: 1_000_000 });
  });

  test('every problem is reported together, with where it is', async () => {
    expect(await problems({ file: join(dir, 'missing.json') })).toEqual([expect.stringMatching(/cannot read/)]);
    expect(await problems({ file: await write('bad.json', '{') })).toEqual([expect.stringMatching(/not JSON/)]);
    const base = await loadCatalog();
    const broken = { ...base, models: [...base.models, { ...base.models[0], quality: 500 }, { ...base.models[0], tier: 'gold' }] };
    expect((await problems({ file: await write('c.json', broken) })).length).toBeGreaterThanOrEqual(2);
    const duplicate = { ...base, models: [...base.models, base.models[0]] };
    expect(await problems({ file: await write('d.json', duplicate) })).toEqual([expect.stringMatching(/duplicate id/)]);
    expect(await problems({ overridesFile: await write('e.json', { models: { 'no.such-model': { available: true } } }) })).toEqual([expect.stringMatching(/not in the catalog/)]);
    // Making an unpriced model available is caught: the router could not bill it.
    expect(await problems({ overridesFile: await write('f.json', { models: { 'global.amazon.nova-2-lite-v1:0': { available: true } } }) })).toEqual([
      expect.stringMatching(/no inputPer1k\/outputPer1k price/),
    ]);
  });
});
