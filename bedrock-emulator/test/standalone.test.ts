/**
 * The emulator as its users meet it: the `easel-bedrock-emulator` command in a child process,
 * and a plain `@aws-sdk/client-bedrock-runtime` client pointed at the URL it prints, with
 * nothing of Easel on the client side.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  type ConverseCommandInput,
} from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, test as base } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/easel-bedrock-emulator.js', import.meta.url));
const TEXT_MODEL = 'amazon.nova-lite-v1:0';
const IMAGE_MODEL = 'amazon.nova-canvas-v1:0';
const EMBEDDING_MODEL = 'amazon.titan-embed-text-v2:0';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Running {
  url: string;
  port: number;
  child: ChildProcessWithoutNullStreams;
  /** Resolves when the process has ended, with everything it wrote. */
  exited: Promise<Exited>;
}

function cli(args: string[]): { child: ChildProcessWithoutNullStreams; exited: Promise<Exited> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'close').then(([code, signal]) => ({ code, signal, stdout, stderr }) as Exited);
  return { child, exited };
}

/** Starts the command and waits for the URL line it prints once it listens. */
async function startCli(args: string[]): Promise<Running> {
  const { child, exited } = cli(args);
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer | string): void => {
      seen += chunk.toString();
      const end = seen.indexOf('\n');
      if (end === -1) return;
      child.stdout.off('data', onData);
      resolve(seen.slice(0, end));
    };
    child.stdout.on('data', onData);
    void exited.then((result) => reject(new Error(`the emulator exited before listening: ${JSON.stringify(result)}`)));
  });
  return { url, port: Number(new URL(url).port), child, exited };
}

const test = base
  .extend('emulator', { scope: 'file' }, async ({}, { onCleanup }) => {
    const running = await startCli(['--port', '0']);
    onCleanup(async () => {
      running.child.kill('SIGTERM');
      await running.exited;
    });
    return running;
  })
  .extend('client', { scope: 'file' }, async ({ emulator }, { onCleanup }) => {
    // Any Region and any credentials: the emulator checks neither.
    const client = new BedrockRuntimeClient({
      region: 'eu-west-1',
      endpoint: emulator.url,
      credentials: { accessKeyId: 'dummy', secretAccessKey: 'dummy' },
      maxAttempts: 1,
    });
    onCleanup(() => client.destroy());
    return client;
  });

const question: ConverseCommandInput = {
  modelId: TEXT_MODEL,
  system: [{ text: 'Answer briefly.' }],
  messages: [{ role: 'user', content: [{ text: 'Why do lighthouses have different light patterns?' }] }],
  inferenceConfig: { maxTokens: 200 },
};

describe('the command', () => {
  test('prints the URL it listens on as one line', ({ emulator }) => {
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.port).toBeGreaterThan(0);
  });

  test('--help prints the usage and exits 0', async () => {
    const result = await cli(['--help']).exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('easel-bedrock-emulator --port N [--host 127.0.0.1] [--control-token T]');
    expect(result.stderr).toBe('');
  });

  test.for([
    [['--port', 'eighty']],
    [['--port', '70000']],
    [['--bogus']],
    [[]],
  ])('bad arguments %j: one line on stderr, exit 2', async ([args]) => {
    const result = await cli(args).exited;
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^easel-bedrock-emulator: [^\n]+\n$/);
  });

  test('a second instance on the same port says so in one line and exits 1', async ({ emulator }) => {
    const result = await cli(['--port', String(emulator.port)]).exited;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^easel-bedrock-emulator: [^\n]+\n$/);
    expect(result.stderr).toContain(`port ${emulator.port}`);
    expect(result.stderr).toContain('already in use');
    expect(result.stderr).toContain('--port');
  });

  test.for(['SIGINT', 'SIGTERM'] as const)('%s stops it cleanly (exit 0)', async (signal) => {
    const running = await startCli(['--port', '0']);
    running.child.kill(signal);
    const result = await running.exited;
    expect(result).toMatchObject({ code: 0, signal: null, stderr: '' });
  });
});

describe('a plain BedrockRuntimeClient', () => {
  test('Converse: a synthetic text that says so, with usage', async ({ client }) => {
    const out = await client.send(new ConverseCommand(question));
    const text = out.output?.message?.content?.[0]?.text ?? '';
    expect(out.output?.message?.role).toBe('assistant');
    expect(text).toContain(`[synthetic answer from ${TEXT_MODEL}`);
    expect(out.stopReason).toBe('end_turn');
    expect(out.usage?.inputTokens).toBeGreaterThan(0);
    expect(out.usage?.outputTokens).toBeGreaterThan(0);
    expect(out.usage?.totalTokens).toBe((out.usage?.inputTokens ?? 0) + (out.usage?.outputTokens ?? 0));
  });

  test('ConverseStream: events in order, deltas that add up to the Converse text', async ({ client }) => {
    const whole = await client.send(new ConverseCommand(question));
    const out = await client.send(new ConverseStreamCommand(question));
    const kinds: string[] = [];
    let text = '';
    let usage: { inputTokens?: number; outputTokens?: number } | undefined;
    for await (const event of out.stream ?? []) {
      const [kind] = Object.keys(event).filter((key) => key !== '$unknown');
      kinds.push(kind ?? '?');
      text += event.contentBlockDelta?.delta?.text ?? '';
      if (event.metadata) usage = event.metadata.usage;
      if (event.messageStop) expect(event.messageStop.stopReason).toBe('end_turn');
    }
    const deltas = kinds.filter((kind) => kind === 'contentBlockDelta').length;
    expect(deltas).toBeGreaterThan(1);
    expect(kinds).toEqual(['messageStart', ...Array(deltas).fill('contentBlockDelta'), 'contentBlockStop', 'messageStop', 'metadata']);
    expect(text).toBe(whole.output?.message?.content?.[0]?.text);
    expect(usage?.inputTokens).toBeGreaterThan(0);
    expect(usage?.outputTokens).toBeGreaterThan(0);
  });

  test('InvokeModel, image model: PNGs of the asked size', async ({ client }) => {
    const body = {
      taskType: 'TEXT_IMAGE',
      textToImageParams: { text: 'a lighthouse at dusk' },
      imageGenerationConfig: { numberOfImages: 2, width: 320, height: 256 },
    };
    const out = await client.send(new InvokeModelCommand({ modelId: IMAGE_MODEL, contentType: 'application/json', body: JSON.stringify(body) }));
    const answer = JSON.parse(new TextDecoder().decode(out.body)) as { images: string[]; error: unknown };
    expect(answer.error).toBeNull();
    expect(answer.images).toHaveLength(2);
    for (const image of answer.images) {
      const png = Buffer.from(image, 'base64');
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      // IHDR, the first chunk: width and height right after its type.
      expect(png.toString('latin1', 12, 16)).toBe('IHDR');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([320, 256]);
    }
  });

  test('InvokeModel, embedding model: a unit vector of the asked dimension', async ({ client }) => {
    const body = { inputText: 'How far can a lighthouse be seen?', dimensions: 256 };
    const out = await client.send(new InvokeModelCommand({ modelId: EMBEDDING_MODEL, contentType: 'application/json', body: JSON.stringify(body) }));
    const answer = JSON.parse(new TextDecoder().decode(out.body)) as { embedding: number[]; inputTextTokenCount: number };
    expect(answer.embedding).toHaveLength(256);
    expect(answer.embedding.every(Number.isFinite)).toBe(true);
    expect(Math.hypot(...answer.embedding)).toBeCloseTo(1, 6);
    expect(answer.inputTextTokenCount).toBeGreaterThan(0);
  });
});
