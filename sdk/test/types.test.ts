/**
 * Type tests of the authoring API: checked by `tsc` (part of the test command), and run by
 * vitest so the file also proves definePlugin returns what it was given.
 */
import { expect, expectTypeOf, test } from 'vitest';
import { definePlugin, PLUGIN_GLOBAL, type Context, type PluginCallError, type PluginDefinition } from '../src/index.ts';

test('definePlugin keeps the definition and types ctx.config from its type argument', () => {
  const plugin = definePlugin<{ greeting: string }>({
    agents: {
      greeter: {
        capabilities: {
          greet: async (input: { name: string }, ctx) => {
            expectTypeOf(ctx.config.greeting).toEqualTypeOf<string>();
            expectTypeOf(ctx.kv.get<number>).returns.resolves.toEqualTypeOf<number | undefined>();
            expectTypeOf(ctx.signal.aborted).toEqualTypeOf<boolean>();
            return { message: `${ctx.config.greeting}, ${input.name}` };
          },
        },
      },
    },
  });
  expectTypeOf(plugin).toEqualTypeOf<PluginDefinition<{ greeting: string }>>();
  expect(Object.keys(plugin.agents?.greeter?.capabilities ?? {})).toEqual(['greet']);
  expect(PLUGIN_GLOBAL).toBe('__easelPlugin');
});

test('ctx members are read-only and bridge errors carry a code', () => {
  expectTypeOf<Context['kv']>().toHaveProperty('list');
  expectTypeOf<Context['agents']['invoke']>().parameters.toEqualTypeOf<[string, string, unknown]>();
  expectTypeOf<PluginCallError['code']>().toEqualTypeOf<string>();
  // @ts-expect-error ctx.config is readonly
  const mutate = (ctx: Context<{ a: number }>) => (ctx.config.a = 2);
  expect(typeof mutate).toBe('function');
});
