/**
 * plugin.json: built from src/schemas by scripts/manifest.ts (and never edited by hand), valid
 * as the SDK validates it, with complete schemas, and asking for what the code uses.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadManifest } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import { manifestText } from '../scripts/manifest.ts';
import { DEFAULT_TIERS, DEFAULTS } from '../src/config.ts';
import definition from '../src/index.ts';
import { assetsModelSchema } from '../src/schemas/assets.ts';
import { feasibilityModelSchema, gameSpecSchema } from '../src/schemas/code.ts';
import { conceptModelSchema } from '../src/schemas/concept.ts';
import { mechanicsModelSchema, refinementModelSchema, storyModelSchema } from '../src/schemas/design.ts';
import { balanceModelSchema, FOCUSES, scenariosModelSchema } from '../src/schemas/playtest.ts';
import { manifest } from './kit.ts';

const DIR = resolve(import.meta.dirname, '..');
type Node = Record<string, any>;

/** Every schema node under `schema`, with its JSON pointer. */
function* walk(schema: Node, path = ''): Generator<[string, Node]> {
  yield [path, schema];
  for (const [key, value] of Object.entries(schema.properties ?? {})) yield* walk(value as Node, `${path}/properties/${key}`);
  if (schema.items) yield* walk(schema.items, `${path}/items`);
  for (const key of ['anyOf', 'oneOf'] as const) {
    for (const [i, branch] of ((schema[key] ?? []) as Node[]).entries()) yield* walk(branch, `${path}/${key}/${i}`);
  }
}

const schemas = (): [string, Node][] => [
  ...manifest.agents.flatMap((a) => a.capabilities.flatMap((c) => [[`${a.type}.${c.name}:input`, c.input], [`${a.type}.${c.name}:output`, c.output]] as [string, Node][])),
  ...manifest.workflows.flatMap((w) => [[`${w.type}:input`, w.input], [`${w.type}:output`, w.output]] as [string, Node][]),
];

describe('plugin.json', () => {
  test('is what scripts/manifest.ts writes (run `node scripts/manifest.ts` after changing a schema)', () => {
    expect(readFileSync(resolve(DIR, 'plugin.json'), 'utf8')).toBe(manifestText());
  });

  test('validates as the SDK and the host validate it', async () => {
    await expect(loadManifest(DIR)).resolves.toMatchObject({ name: 'game-development', version: '1.0.1' });
  });

  test('lists exactly the handlers the code defines', () => {
    const listed = manifest.agents.map((a) => [a.type, a.capabilities.map((c) => c.name)]);
    const defined = Object.entries(definition.agents!).map(([type, a]) => [type, Object.keys(a.capabilities)]);
    expect(listed).toEqual(defined);
    expect(manifest.workflows.map((w) => w.type)).toEqual(Object.keys(definition.workflows!));
  });

  test('inputs are closed, strings and arrays bounded, at every level', () => {
    const problems: string[] = [];
    for (const [name, schema] of schemas()) {
      for (const [path, node] of walk(schema)) {
        if (node.type === 'object' && name.endsWith(':input') && node.additionalProperties !== false) problems.push(`${name}${path}: open object`);
        if (node.type === 'string' && node.maxLength === undefined && !node.enum && !node.pattern?.startsWith('^#')) problems.push(`${name}${path}: unbounded string`);
        if (node.type === 'array' && node.maxItems === undefined) problems.push(`${name}${path}: unbounded array`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('depends on canvas 1.1 and asks for only what the code uses', () => {
    expect(manifest.dependencies).toEqual({ canvas: '^1.1.0' });
    expect(manifest.permissions).toEqual({ models: { tasks: ['structured'], maxTier: 'premium' }, agents: ['canvas/image-generator'] });
    expect(Object.values(DEFAULT_TIERS)).toContain('premium');
  });

  test('the config schema\'s defaults are the code\'s fallbacks', () => {
    const p = manifest.config.properties as Node;
    expect(p.language.default).toBe(DEFAULTS.language);
    expect(p.defaultPlatforms.default).toEqual(DEFAULTS.defaultPlatforms);
    expect(p.maxAssets.default).toBe(DEFAULTS.maxAssets);
    expect(p.maxSprites.default).toBe(DEFAULTS.maxSprites);
    expect(p.spriteStyle.default).toBe(DEFAULTS.spriteStyle);
    expect(p.spriteSize.default).toBe(DEFAULTS.spriteSize);
    expect(p.tiers.default).toEqual(DEFAULT_TIERS);
    expect(Object.fromEntries(Object.entries(p.tiers.properties as Node).map(([k, v]) => [k, v.default]))).toEqual(DEFAULT_TIERS);
  });

  test('the schemas sent to models stay within a default host\'s limits (16 KiB, 256 objects and arrays)', () => {
    const nodes = (v: unknown): number => (v === null || typeof v !== 'object' ? 0 : 1 + Object.values(v).reduce((s: number, c) => s + nodes(c), 0));
    const largest = [
      conceptModelSchema(),
      mechanicsModelSchema(10),
      storyModelSchema(5),
      refinementModelSchema(conceptModelSchema()),
      assetsModelSchema(40),
      feasibilityModelSchema,
      gameSpecSchema,
      scenariosModelSchema(10, FOCUSES),
      balanceModelSchema(Array.from({ length: 40 }, (_, i) => `aParameterNameOfSomeLength${i}`.padEnd(80, 'x'))),
    ];
    for (const schema of largest) {
      expect(JSON.stringify(schema).length).toBeLessThan(16_384);
      expect(nodes(schema)).toBeLessThan(256);
    }
  });
});
