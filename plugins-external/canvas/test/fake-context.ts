/** A `ctx` double for unit tests: records model, storage and log calls; models answer from queues. */
import type { BlobInfo, Context, ImageRequest, TextRequest, TextResult } from '@easel/sdk';

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Enough of a PNG for the plugin's check: the signature and a few bytes. */
export function fakePng(tag = 0): Uint8Array {
  return new Uint8Array([...PNG_SIGNATURE, 0, 0, 0, 13, tag]);
}

export interface ImageAnswer {
  images: Uint8Array[];
  model: string;
  cost: number;
  width: number;
  height: number;
}

export interface FakeOptions {
  /** Text answers (or errors to throw), used in order; default: a fixed English phrase. */
  text?: (string | Error)[];
  /** Image answers; default: `count` PNGs of the asked size at 0.04 USD each. */
  image?: (request: ImageRequest) => ImageAnswer;
  /** Aborts the call when the named step starts. */
  abortOn?: 'text' | 'image' | 'put';
}

export interface Recorded {
  textCalls: TextRequest[];
  imageCalls: ImageRequest[];
  puts: { key: string; bytes: Uint8Array; contentType: string }[];
  logs: { level: string; message: string; fields?: Record<string, unknown> }[];
}

export function fakeContext(options: FakeOptions = {}): { ctx: Context; recorded: Recorded } {
  const recorded: Recorded = { textCalls: [], imageCalls: [], puts: [], logs: [] };
  const answers = [...(options.text ?? [])];
  let aborted = false;
  const reason = Object.assign(new Error('the execution was cancelled'), { code: 'EXECUTION_ABORTED' });
  const abortIf = (step: FakeOptions['abortOn']) => {
    if (options.abortOn === step) aborted = true;
  };
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    recorded.logs.push({ level, message, ...(fields ? { fields } : {}) });
  };
  const ctx = {
    executionId: 'exec-1',
    plugin: { name: 'canvas', version: '1.0.0' },
    config: {},
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    kv: {} as Context['kv'],
    agents: {} as Context['agents'],
    signal: {
      get aborted() {
        return aborted;
      },
      get reason() {
        return aborted ? reason : undefined;
      },
      throwIfAborted() {
        if (aborted) throw reason;
      },
      addEventListener() {},
      removeEventListener() {},
    },
    models: {
      async text(request: TextRequest): Promise<TextResult> {
        recorded.textCalls.push(request);
        abortIf('text');
        const answer = answers.length > 0 ? answers.shift()! : 'cute cat';
        if (answer instanceof Error) throw answer;
        return { text: answer, model: 'apac.amazon.nova-micro-v1:0', inputTokens: 10, outputTokens: 5, cost: 0.00001, cached: false, stopReason: 'end_turn' };
      },
      async image(request: ImageRequest) {
        recorded.imageCalls.push(request);
        abortIf('image');
        if (options.image) return options.image(request);
        const count = request.count ?? 1;
        return {
          images: Array.from({ length: count }, (_, i) => fakePng(i)),
          model: 'amazon.nova-canvas-v1:0',
          cost: 0.04 * count,
          width: request.width ?? 1024,
          height: request.height ?? 1024,
        };
      },
    } as unknown as Context['models'],
    storage: {
      async put(key: string, bytes: Uint8Array, contentType: string): Promise<BlobInfo> {
        abortIf('put');
        recorded.puts.push({ key, bytes, contentType });
        return { key, blobId: `blob-${recorded.puts.length}`, size: bytes.length, contentType, sha256: '0'.repeat(64), createdAt: '2026-01-01T00:00:00.000Z' };
      },
      async url(key: string) {
        return `https://easel.test/v1/blobs/url/${key}`;
      },
    } as unknown as Context['storage'],
    async progress() {},
  } satisfies Context;
  return { ctx, recorded };
}
