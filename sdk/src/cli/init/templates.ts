/**
 * The files `easel init` writes. The scaffold validates, packs, tests and runs as it is:
 * one agent (`assistant.reply`), optionally a workflow that calls it as a recorded step, and
 * code that uses the kv and text-model permissions when they are asked for (the others are
 * in the manifest for the author's own code).
 */
import type { PluginManifest, Permissions } from '../../manifest.ts';

export interface ScaffoldOptions {
  name: string;
  workflow: boolean;
  permissions: Permissions;
  sdkVersion: string;
}

const MESSAGE_INPUT = {
  type: 'object',
  required: ['message'],
  properties: { message: { type: 'string', minLength: 1, maxLength: 2000, description: 'What to answer', examples: ['Hello there'] } },
  additionalProperties: false,
};

function replyOutput(o: ScaffoldOptions): Record<string, unknown> {
  return {
    type: 'object',
    required: o.permissions.kv ? ['reply', 'count'] : ['reply'],
    properties: { reply: { type: 'string' }, ...(o.permissions.kv ? { count: { type: 'integer', minimum: 1 } } : {}) },
    additionalProperties: false,
  };
}

export function manifest(o: ScaffoldOptions): PluginManifest {
  const hasPermissions = Object.keys(o.permissions).length > 0 || o.workflow;
  return {
    $schema: './node_modules/@easel/sdk/plugin.schema.json',
    name: o.name,
    version: '0.1.0',
    description: `${o.name}: an Easel plugin`,
    author: 'Your Name',
    license: 'Apache-2.0',
    engines: { easel: '^1.2.0' },
    ...(hasPermissions ? { permissions: { ...o.permissions } } : {}),
    limits: { memoryMb: 64, timeoutMs: 10000 },
    agents: [
      {
        type: 'assistant',
        description: 'Answers a message',
        capabilities: [{ name: 'reply', description: 'Replies to one message', input: MESSAGE_INPUT, output: replyOutput(o) }],
      },
    ],
    ...(o.workflow
      ? { workflows: [{ type: o.name, description: 'Replies through the assistant agent, as a recorded step', input: MESSAGE_INPUT, output: replyOutput(o) }] }
      : {}),
  };
}

export function source(o: ScaffoldOptions): string {
  const text = o.permissions.models?.tasks.includes('text') === true;
  const lines = [
    "import { definePlugin, type Context } from '@easel/sdk';",
    '',
    'interface ReplyInput {',
    '  message: string;',
    '}',
    '',
    `async function reply(input: ReplyInput, ctx: Context): Promise<{ reply: string${o.permissions.kv ? '; count: number' : ''} }> {`,
    "  ctx.log.info('replying', { length: input.message.length });",
  ];
  if (text) {
    lines.push("  const answer = await ctx.models.text({ prompt: `Answer in one sentence: ${input.message}`, maxTokens: 200 });", '  const reply = answer.text;');
  } else {
    lines.push('  const reply = `You said: ${input.message}`;');
  }
  if (o.permissions.kv) {
    lines.push("  const count = ((await ctx.kv.get<number>('replies')) ?? 0) + 1;", "  await ctx.kv.set('replies', count);", '  return { reply, count };');
  } else {
    lines.push('  return { reply };');
  }
  lines.push('}', '', 'export default definePlugin({', '  agents: {', '    assistant: { capabilities: { reply } },', '  },');
  if (o.workflow) {
    lines.push(
      '  workflows: {',
      '    // Each ctx.agents.invoke is a recorded step: its cost and timing show in the execution.',
      `    '${o.name}': (input: ReplyInput, ctx) => ctx.agents.invoke('assistant', 'reply', input),`,
      '  },',
    );
  }
  lines.push('});', '');
  return lines.join('\n');
}

export function test(o: ScaffoldOptions): string {
  const text = o.permissions.models?.tasks.includes('text') === true;
  const models = text ? "\n    models: { text: ['Hi! Nice to meet you.'] }," : '';
  const expected = text ? "'Hi! Nice to meet you.'" : "'You said: Hello'";
  const lines = [
    "import assert from 'node:assert/strict';",
    "import { test } from 'node:test';",
    "import { runPacked } from '@easel/sdk/testing';",
    '',
    '// runPacked packs this folder and runs the bundle in a real isolate, as a host would, with',
    "// the manifest's limits and permissions; kv and storage are local, models are scripted.",
    "test('assistant.reply answers', async (t) => {",
    `  const plugin = await runPacked('.', {${models}\n  });`,
    '  t.after(() => plugin.close());',
    "  const out = await plugin.invoke('assistant', 'reply', { message: 'Hello' });",
    `  assert.equal(out.reply, ${expected});`,
  ];
  if (o.permissions.kv) lines.push("  assert.equal((await plugin.invoke('assistant', 'reply', { message: 'Again' })).count, 2);");
  lines.push('});', '');
  if (o.workflow) {
    lines.push(
      `test('the ${o.name} workflow calls the assistant', async (t) => {`,
      `  const plugin = await runPacked('.', {${models}\n  });`,
      '  t.after(() => plugin.close());',
      `  const out = await plugin.run('${o.name}', { message: 'Hello' });`,
      `  assert.equal(out.reply, ${expected});`,
      '});',
      '',
    );
  }
  return lines.join('\n');
}

export function packageJson(o: ScaffoldOptions): Record<string, unknown> {
  return {
    name: o.name,
    version: '0.1.0',
    // The npm package of a plugin is the bundle `easel publish` builds, never this folder.
    private: true,
    type: 'module',
    description: `${o.name}: an Easel plugin`,
    scripts: {
      dev: 'easel dev',
      test: 'node --no-node-snapshot --test test/*.test.ts',
      validate: 'easel validate',
      pack: 'easel pack',
      publish: 'easel publish',
    },
    devDependencies: { '@easel/sdk': `^${o.sdkVersion}` },
  };
}

export const TSCONFIG = {
  compilerOptions: {
    target: 'es2024',
    lib: ['es2024'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    erasableSyntaxOnly: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
  },
  include: ['src', 'test'],
};

export function readme(o: ScaffoldOptions): string {
  return `# ${o.name}

An [Easel](https://www.npmjs.com/package/@easel/sdk) plugin. Describe what it does, for whom, and what it needs here:
this file is shown on the plugin's marketplace page.

## Agents

- \`assistant.reply\` — input \`{ "message": string }\`, answers \`{ "reply": string${o.permissions.kv ? ', "count": number' : ''} }\`.
${o.workflow ? `\n## Workflows\n\n- \`${o.name}\` — the same input; calls \`assistant.reply\` as a recorded step.\n` : ''}
## Permissions

${permissionLines(o.permissions)}

## Develop

\`\`\`sh
npm test                 # unit tests with the SDK's test kit (a real isolate, no host needed)
npx easel validate       # manifest + code checked as a host checks them
npx easel dev --host http://127.0.0.1:8080 --admin-key $EASEL_ADMIN_KEY   # reload on every save
npx easel publish        # to the registry in .npmrc
\`\`\`
`;
}

function permissionLines(p: Permissions): string {
  const lines = [
    p.kv ? '- `kv`: its own key-value store (a reply counter)' : '',
    p.storage ? `- \`storage\`: ${p.storage.write ? 'read and write' : 'read'} its own blobs` : '',
    p.models ? `- \`models\`: ${p.models.tasks.join(', ')} up to the ${p.models.maxTier} tier` : '',
  ].filter(Boolean);
  return lines.length ? lines.join('\n') : 'None: it runs with no access to anything outside its isolate.';
}

export const GITIGNORE = ['node_modules/', '*.tgz', '.easel/', ''].join('\n');
