/** The pure parts of `easel dev`: example inputs and curl lines, what counts as a plugin file, reload queueing, error blocks. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { PluginManifest } from '../src/manifest.ts';
import { curlExamples, exampleOf } from '../src/cli/dev/examples.ts';
import { printFailure } from '../src/cli/dev/report.ts';
import { isPluginFile, ReloadQueue } from '../src/cli/dev/watch.ts';
import { tempDir } from './helpers.ts';

describe('exampleOf', () => {
  it('takes a schema’s own value first: const, default, examples, enum', () => {
    expect(exampleOf({ type: 'string', const: 'c', default: 'd' })).toBe('c');
    expect(exampleOf({ type: 'string', default: 'd', examples: ['e'] })).toBe('d');
    expect(exampleOf({ type: 'string', examples: ['e'], enum: ['a'] })).toBe('e');
    expect(exampleOf({ enum: ['cartoon', 'meme'] })).toBe('cartoon');
  });

  it('makes up required properties only, by type, within bounds', () => {
    const schema = {
      type: 'object',
      required: ['name', 'count', 'ratio', 'tags', 'flag', 'when', 'nested'],
      properties: {
        name: { type: 'string', minLength: 10 },
        count: { type: 'integer', minimum: 3, maximum: 9 },
        ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1, multipleOf: 0.25 },
        tags: { type: 'array', minItems: 2, items: { type: 'string', maxLength: 3 } },
        flag: { type: ['boolean', 'null'] },
        when: { type: 'string', format: 'date-time' },
        nested: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
        optional: { type: 'string' },
      },
    };
    expect(exampleOf(schema)).toEqual({
      name: 'examplexxx',
      count: 3,
      ratio: 0.25,
      tags: ['exa', 'exa'],
      flag: true,
      when: '2026-01-01T00:00:00Z',
      nested: { id: '00000000-0000-4000-8000-000000000000' },
    });
  });

  it('follows local $refs, the first of oneOf/anyOf, all of allOf; base64 fields get bytes', () => {
    const schema = {
      $defs: { size: { enum: ['512x512', '1024x1024'] } },
      allOf: [
        { type: 'object', required: ['size'], properties: { size: { $ref: '#/$defs/size' } } },
        { required: ['sketch', 'pick'], properties: { sketch: { type: 'string', contentEncoding: 'base64', contentMediaType: 'image/png' }, pick: { oneOf: [{ type: 'integer' }, { type: 'string' }] } } },
      ],
    };
    const example = exampleOf(schema) as Record<string, unknown>;
    expect(example.size).toBe('512x512');
    expect(example.pick).toBe(1);
    expect(Buffer.from(example.sketch as string, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });

  it('stops at a recursive $ref', () => {
    const schema = { $defs: { node: { type: 'object', required: ['child'], properties: { child: { $ref: '#/$defs/node' } } } }, $ref: '#/$defs/node' };
    expect(() => exampleOf(schema)).not.toThrow();
  });
});

describe('curlExamples', () => {
  const capability = (name: string, input: object) => ({ name, description: name, input, output: { type: 'object' } });
  const manifest = {
    name: 'canvas',
    version: '1.0.0',
    agents: [{ type: 'painter', description: 'd', capabilities: [capability('paint', { type: 'object', required: ['words'], properties: { words: { type: 'string', default: "it's" } } }), capability('list', { type: 'object', required: ['limit', 'tag'], properties: { limit: { type: 'integer', default: 5 }, tag: { type: 'array', items: { type: 'string' } } } })] }],
    workflows: [{ type: 'poster', description: 'd', input: { type: 'object', required: ['posterId', 'size'], properties: { posterId: { type: 'string', default: 'p 1' }, size: { type: 'integer', default: 3 } } } }],
    routes: [
      { method: 'POST', path: '/paint', agent: 'painter', capability: 'paint' },
      { method: 'GET', path: '/images', agent: 'painter', capability: 'list' },
      { method: 'PUT', path: '/posters/:posterId', workflow: 'poster' },
    ],
  } as unknown as PluginManifest;

  it('one line per capability, workflow and route (its :params filled), with the app key and a quoted example input', () => {
    const auth = "-H 'authorization: Bearer esl_app'";
    expect(curlExamples(manifest, 'http://127.0.0.1:8787', 'esl_app')).toEqual([
      `curl -s -X POST http://127.0.0.1:8787/v1/agents/canvas/painter/paint ${auth} -H 'content-type: application/json' -d '{"words":"it'\\''s"}'`,
      `curl -s -X POST http://127.0.0.1:8787/v1/agents/canvas/painter/list ${auth} -H 'content-type: application/json' -d '{"limit":5,"tag":["example"]}'`,
      `curl -s -X POST http://127.0.0.1:8787/v1/workflows/poster/executions?plugin=canvas ${auth} -H 'content-type: application/json' -d '{"posterId":"p 1","size":3}'`,
      `curl -s -X POST http://127.0.0.1:8787/v1/p/canvas/paint ${auth} -H 'content-type: application/json' -d '{"words":"it'\\''s"}'`,
      `curl -s -X GET 'http://127.0.0.1:8787/v1/p/canvas/images?limit=5&tag=example' ${auth}`,
      // A workflow route: its :posterId filled from the example, which leaves the body.
      `curl -s -X PUT http://127.0.0.1:8787/v1/p/canvas/posters/p%201 ${auth} -H 'content-type: application/json' -d '{"size":3}'`,
    ]);
  });
});

describe('isPluginFile', () => {
  it('counts sources and the manifest; not build output, dependencies, hidden folders or editor scratch files', () => {
    for (const path of ['plugin.json', 'src/index.ts', 'src/lib/deep/util.ts', 'README.md', 'lib/helper.js']) expect(isPluginFile(path), path).toBe(true);
    for (const path of ['dist/plugin.js', 'node_modules/x/index.js', 'src/node_modules/y.js', '.easel/dev-data/easel.db', '.git/index', 'src/.index.ts.swp', 'src/index.ts~', '.#plugin.json', '4913', 'hello-1.0.0.tgz', '']) {
      expect(isPluginFile(path), path).toBe(false);
    }
  });
});

describe('ReloadQueue', () => {
  it('debounces saves into one reload, and a save during a reload queues exactly one more', async () => {
    const runs: number[] = [];
    let release!: () => void;
    let first = true;
    const queue = new ReloadQueue(async (since) => {
      runs.push(since);
      if (first) {
        first = false;
        await new Promise<void>((resolve) => (release = resolve));
      }
    }, 10);
    queue.changed();
    queue.changed();
    await sleep(40);
    expect(runs).toHaveLength(1);
    // Three saves while the first reload runs: one reload after it, covering all three.
    const during = performance.now();
    for (let i = 0; i < 3; i++) {
      queue.changed();
      await sleep(20);
    }
    expect(runs).toHaveLength(1);
    release();
    await sleep(10);
    await queue.idle();
    expect(runs).toHaveLength(2);
    expect(runs[1]).toBeGreaterThanOrEqual(during);
    queue.close();
    queue.changed();
    await sleep(30);
    expect(runs).toHaveLength(2);
  });
});

describe('printFailure', () => {
  it('shows a build error at file:line:column (from 1) with its line and a caret', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'src', 'index.ts'), 'const a = 1;\nconst b = 2 x;\n');
    const lines: string[] = [];
    const io = { out: (l: string) => void lines.push(l), err: (l: string) => void lines.push(l) };
    await printFailure(io, root, 'the build failed (BUNDLE_INVALID)', [{ path: 'src/index.ts:2:13', message: 'Expected ";" but found "x"' }], 'keeps serving');
    expect(lines.join('\n')).toBe(['✗ the build failed (BUNDLE_INVALID)', '  src/index.ts:2:13: Expected ";" but found "x"', '  2 | const b = 2 x;', '    |             ^', '  keeps serving'].join('\n'));
  });
});
