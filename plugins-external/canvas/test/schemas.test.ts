/** The manifest's input schemas, compiled the way the host compiles them (ajv 2020, linear regexes). */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { linearRegExpEngine } from '@easel/sdk/bundle';
import { describe, expect, test } from 'vitest';
import manifest from '../plugin.json' with { type: 'json' };

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, code: { regExp: linearRegExpEngine } });
const capability = (agent: string) => manifest.agents.find((a) => a.type === agent)!.capabilities[0]! as { name: string; input: Record<string, any>; output: Record<string, any> };
const textInput = ajv.compile(capability('image-generator').input);
const sketchInput = ajv.compile(capability('sketch-enhancer').input);
const translatorInput = ajv.compile(capability('translator').input);
const translatorOutput = ajv.compile(capability('translator').output);
const workflowInput = ajv.compile(manifest.workflows[0]!.input);
const output = ajv.compile(capability('image-generator').output);
const SKETCH = 'iVBORw0KGgoAAAANSUhEUg==';

describe('text-to-image input', () => {
  test.each([
    { keywords: '고양이' },
    { keywords: ['cat', 'hat'], style: 'cartoon', count: 4, size: '1152x640', seed: 0 },
    { keywords: Array(8).fill('x'.repeat(100)), seed: 2147483646 },
    { keywords: 'cat', returnBytes: true },
    { keywords: 'cat', returnBytes: false },
  ])('accepts %j', (input) => expect(textInput(input)).toBe(true));

  test.each([
    ['no keywords', {}],
    ['an empty keyword', { keywords: '' }],
    ['a blank keyword', { keywords: '   ' }],
    ['a blank keyword in a list', { keywords: ['cat', '\t'] }],
    ['an empty list', { keywords: [] }],
    ['nine keywords', { keywords: Array(9).fill('x') }],
    ['a keyword over 100 characters', { keywords: 'x'.repeat(101) }],
    ['an unknown style', { keywords: 'x', style: 'anime' }],
    ['count 0', { keywords: 'x', count: 0 }],
    ['count 5', { keywords: 'x', count: 5 }],
    ['a size not offered', { keywords: 'x', size: '1000x1000' }],
    ['a negative seed', { keywords: 'x', seed: -1 }],
    ['a seed over the maximum', { keywords: 'x', seed: 2147483647 }],
    ['an unknown field', { keywords: 'x', quality: 'premium' }],
    ['a sketch', { keywords: 'x', sketch: SKETCH }],
    ['returnBytes that is not a boolean', { keywords: 'x', returnBytes: 'yes' }],
  ])('refuses %s', (_name, input) => expect(textInput(input)).toBe(false));
});

describe('sketch-to-image input', () => {
  test('a sketch alone, or with keywords and similarity', () => {
    expect(sketchInput({ sketch: SKETCH })).toBe(true);
    expect(sketchInput({ sketch: SKETCH, keywords: ['집'], similarity: 0.2, count: 2, style: 'meme' })).toBe(true);
    expect(sketchInput({ sketch: SKETCH, returnBytes: true })).toBe(true);
  });
  test('no sketch, similarity out of range, an oversized sketch', () => {
    expect(sketchInput({ keywords: 'x' })).toBe(false);
    expect(sketchInput({ sketch: SKETCH, similarity: 0.1 })).toBe(false);
    expect(sketchInput({ sketch: SKETCH, similarity: 1.01 })).toBe(false);
    expect(sketchInput({ sketch: 'A'.repeat(1_400_004) })).toBe(false);
  });
  test('the sketch is declared as base64 image content, for the host to decode', () => {
    expect(capability('sketch-enhancer').input.properties.sketch).toEqual({
      description: expect.any(String),
      type: 'string',
      contentEncoding: 'base64',
      contentMediaType: 'image/*',
      maxLength: 1400000,
    });
  });
});

describe('canvas workflow input', () => {
  test('keywords, a sketch, or both', () => {
    expect(workflowInput({ keywords: 'cat' })).toBe(true);
    expect(workflowInput({ sketch: SKETCH })).toBe(true);
    expect(workflowInput({ sketch: SKETCH, keywords: ['cat'], similarity: 0.5 })).toBe(true);
  });
  test('neither, or an unknown field', () => {
    expect(workflowInput({ style: 'cartoon' })).toBe(false);
    expect(workflowInput({ keywords: 'cat', extra: 1 })).toBe(false);
  });
  test('returnBytes is for the capabilities only', () => {
    expect(workflowInput({ keywords: 'cat', returnBytes: true })).toBe(false);
  });
});

describe('translator', () => {
  test('input: keywords as elsewhere, nothing else', () => {
    expect(translatorInput.schema).toMatchObject({ required: ['keywords'], additionalProperties: false });
    expect((translatorInput.schema as any).properties.keywords.anyOf).toEqual(capability('image-generator').input.properties.keywords.anyOf);
    expect(translatorInput({ keywords: '고양이' })).toBe(true);
    expect(translatorInput({ keywords: ['고양이', 'space'] })).toBe(true);
    expect(translatorInput({ keywords: Array(9).fill('x') })).toBe(false);
    expect(translatorInput({ keywords: 'x'.repeat(101) })).toBe(false);
    expect(translatorInput({ keywords: 'cat', style: 'meme' })).toBe(false);
  });
  test('output: English keywords within the drawing inputs\' limits, translated, cost, and the model when one answered', () => {
    expect(translatorOutput({ keywords: ['cat'], translated: true, model: 'm', cost: 0.00001 })).toBe(true);
    expect(translatorOutput({ keywords: ['cat'], translated: false, cost: 0 })).toBe(true);
    expect(translatorOutput({ keywords: [], translated: false, cost: 0 })).toBe(false);
    expect(translatorOutput({ keywords: Array(9).fill('x'), translated: true, cost: 0 })).toBe(false);
    expect(translatorOutput({ keywords: ['cat'], translated: true })).toBe(false);
    // What the translator answers is valid text-to-image keywords.
    const keywordItems = capability('translator').output.properties.keywords;
    expect(keywordItems).toMatchObject({ minItems: 1, maxItems: 8, items: { minLength: 1, maxLength: 100 } });
  });
});

describe('output', () => {
  const image = { blobId: 'b', url: 'https://h/x', width: 1024, height: 1024, contentType: 'image/png', model: 'amazon.nova-canvas-v1:0', cost: 0.04 };
  test('images with every field, the prompt and the negative prompt', () => {
    expect(output({ images: [image], prompt: 'p', negativePrompt: 'n' })).toBe(true);
  });
  test('no images, a missing field or a negative cost', () => {
    expect(output({ images: [], prompt: 'p', negativePrompt: 'n' })).toBe(false);
    expect(output({ images: [{ ...image, url: undefined }], prompt: 'p', negativePrompt: 'n' })).toBe(false);
    expect(output({ images: [{ ...image, cost: -1 }], prompt: 'p', negativePrompt: 'n' })).toBe(false);
  });
  test('bytes: base64 PNG strings for an HTTP caller, bytes for a calling plugin', () => {
    expect(output({ images: [image], prompt: 'p', negativePrompt: 'n', bytes: ['iVBORw0KGgo='] })).toBe(true);
    expect(output({ images: [image], prompt: 'p', negativePrompt: 'n', bytes: [1] })).toBe(false);
    const { description, ...declared } = capability('image-generator').output.properties.bytes;
    expect(declared).toEqual({ type: 'array', items: { type: 'string', contentEncoding: 'base64', contentMediaType: 'image/png' } });
    expect(description).toEqual(expect.any(String));
    expect(capability('image-generator').output.required).not.toContain('bytes');
  });
  test('both drawing capabilities share one output schema; the workflow\'s is the same without bytes', () => {
    expect(capability('sketch-enhancer').output).toEqual(capability('image-generator').output);
    const { bytes: _bytes, ...withoutBytes } = capability('image-generator').output.properties;
    expect(manifest.workflows[0]!.output).toEqual({ ...capability('image-generator').output, properties: withoutBytes });
  });
});
