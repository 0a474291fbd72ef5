import { describe, expect, expectTypeOf, test } from 'vitest';
import { fillTemplate, templateNames, type MessageArgs, type TemplateNames } from './message-template.ts';

describe('error message templates', () => {
  test('placeholders are filled from the values, and one without a value stays as written', () => {
    expect(fillTemplate("plugin '{plugin}' has no agent '{agent}'", { plugin: 'canvas', agent: 'x' })).toBe("plugin 'canvas' has no agent 'x'");
    expect(fillTemplate('{a} and {b}', { a: 1 })).toBe('1 and {b}');
    expect(fillTemplate('no placeholders')).toBe('no placeholders');
    // A value is inserted as text once: braces in it are not read as placeholders.
    expect(fillTemplate('{a}{b}', { a: '{b}', b: 'x' })).toBe('{b}x');
  });

  test('the names of a template, at run time and in the type system', () => {
    expect(templateNames("plugin '{plugin}' has no agent '{agent}'")).toEqual(['plugin', 'agent']);
    expectTypeOf<TemplateNames<"plugin '{plugin}' has no agent '{agent}'">>().toEqualTypeOf<'plugin' | 'agent'>();
    expectTypeOf<TemplateNames<'no placeholders'>>().toEqualTypeOf<never>();
    expectTypeOf<MessageArgs<'{a}', { x: 1 }>>().toEqualTypeOf<[values: { readonly a: string | number | boolean | bigint }, details?: { x: 1 }]>();
  });
});
