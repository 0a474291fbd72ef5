/** The test kit set up for this plugin: its manifest, its handlers, scripted models and schema checks. */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { linearRegExpEngine } from '@easel/sdk/bundle';
import { testPlugin, type PluginHarness, type TestOptions } from '@easel/sdk/testing';
import { expect } from 'vitest';
import manifest from '../plugin.json' with { type: 'json' };
import definition from '../src/index.ts';
import type { GameConfig } from '../src/config.ts';
import type { Language } from '../src/schemas/common.ts';
import { answerFor, canvasAnswer, type AnswerOptions } from './fixtures.ts';

export { manifest };

/** The harness with structured answers in `lang` and canvas stubbed. */
export function game(lang: Language, options: TestOptions<GameConfig> & { answers?: AnswerOptions } = {}): PluginHarness {
  const { answers, ...rest } = options;
  let drawn = 0;
  return testPlugin(definition, manifest, {
    models: { structured: (request) => answerFor(request as never, lang, answers) },
    agents: { 'canvas/image-generator': { 'text-to-image': (input) => canvasAnswer(input, drawn++) } },
    ...rest,
  });
}

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, code: { regExp: linearRegExpEngine } });
const compiled = new Map<string, ValidateFunction>();

function compile(key: string, schema: object): ValidateFunction {
  let check = compiled.get(key);
  if (!check) compiled.set(key, (check = ajv.compile(schema)));
  return check;
}

type Cap = { name: string; input: object; output: object };

export function capabilityOf(agent: string, capability: string): Cap {
  const found = manifest.agents.find((a) => a.type === agent)?.capabilities.find((c) => c.name === capability) as Cap | undefined;
  if (!found) throw new Error(`no ${agent}.${capability} in plugin.json`);
  return found;
}

/** Asserts `value` matches the manifest's output schema of a capability (or of a workflow). */
export function expectOutputOf(target: { agent: string; capability: string } | { workflow: string }, value: unknown): void {
  const schema =
    'workflow' in target ? (manifest.workflows.find((w) => w.type === target.workflow)!.output as object) : capabilityOf(target.agent, target.capability).output;
  const key = 'workflow' in target ? `w:${target.workflow}` : `c:${target.agent}.${target.capability}`;
  const check = compile(key, schema);
  expect(check(value), JSON.stringify(check.errors)).toBe(true);
}

/** Whether `value` matches a capability's input schema. */
export function inputValid(agent: string, capability: string, value: unknown): boolean {
  return compile(`i:${agent}.${capability}`, capabilityOf(agent, capability).input)(value);
}

export const HANGUL = /[\uAC00-\uD7A3]/;
