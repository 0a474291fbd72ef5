import { definePlugin } from '@easel/sdk';

interface HelloConfig {
  greeting?: string;
}

export default definePlugin<HelloConfig>({
  agents: {
    greeter: {
      capabilities: {
        greet: async (input: { name: string }, ctx) => {
          const greeting = ctx.config.greeting ?? 'Hello';
          ctx.log.info('greeting someone', { name: input.name });
          return { message: `${greeting}, ${input.name}!` };
        },
        count: async (input: { name: string }, ctx) => {
          const key = `visits/${input.name}`;
          const visits = ((await ctx.kv.get<number>(key)) ?? 0) + 1;
          await ctx.kv.set(key, visits);
          return { name: input.name, visits };
        },
      },
    },
  },
});
