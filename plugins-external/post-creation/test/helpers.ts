/**
 * Shared test fixtures: scripted structured answers for each of the plugin's model calls
 * (told apart by the schema they ask for), a canvas stub that answers as canvas 1.1 does,
 * and a fake PNG.
 */
import type { AgentStubs, ScriptedModels, StructuredRequest, TestOptions } from '@easel/sdk/testing';
import { testPlugin } from '@easel/sdk/testing';
import manifest from '../plugin.json' with { type: 'json' };
import definition from '../src/index.ts';

export { manifest, definition };

/** Enough of a PNG for the plugin's check: the signature and a tag byte. */
export const fakePng = (tag = 0) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, tag]);

export const KO = {
  title: '기말고사 공부법 공유합니다',
  content: '하루 3시간씩 복습했어요',
  draft: {
    title: '기말고사 대비, 하루 3시간 복습법',
    content: '기말고사를 앞두고 제가 쓴 방법을 공유합니다.\n\n매일 3시간씩 그날 배운 내용을 복습했어요.',
    hashtags: ['기말고사', '#공부법', '공부법'],
    summary: '하루 3시간 복습으로 기말고사를 준비한 방법',
  },
};

export const EN = {
  title: 'My cat learned to open doors',
  content: 'She jumps and pulls the handle',
  draft: {
    title: 'My Cat Figured Out Door Handles',
    content: 'Yesterday my cat opened the kitchen door by herself.\n\nShe jumps, grabs the handle and pulls.',
    hashtags: ['cats', 'funny cats'],
    summary: 'A cat that opens doors on her own.',
  },
};

type Kind = 'draft' | 'edit' | 'hashtags' | 'select';

/** Which of the plugin's calls a structured request is, from the schema it asks for. */
export function kindOf(request: StructuredRequest): Kind {
  const required = (request.schema.required ?? []) as string[];
  if (required.includes('selected')) return 'select';
  if (required.includes('summary')) return 'draft';
  if (required.includes('content')) return 'edit';
  return 'hashtags';
}

export type Answers = Partial<Record<Kind, (request: StructuredRequest) => unknown>>;

/** Scripted structured answers: a Korean or English draft by the prompt's language, an edit, hashtags, and "keep the first candidate". */
export function scripted(answers: Answers = {}): ScriptedModels {
  return {
    structured: async (request) => {
      const kind = kindOf(request);
      const own = answers[kind];
      if (own) return own(request);
      const korean = request.system!.includes('Korean');
      if (kind === 'draft') return korean ? KO.draft : EN.draft;
      if (kind === 'edit') return { title: korean ? '수정된 제목' : 'Edited title', content: korean ? '수정된 본문' : 'Edited body', changes: [korean ? '맞춤법 수정' : 'Fixed spelling'] };
      if (kind === 'hashtags') return { hashtags: korean ? ['공부', '시험'] : ['study', 'exams'], changes: [korean ? '해시태그 추천' : 'Suggested hashtags'] };
      const count = ((request.schema.properties as any).rejected.maxItems as number) ?? 1;
      return {
        selected: [{ index: 0, reason: korean ? '게시물 주제와 잘 맞습니다' : 'Matches the post' }],
        rejected: Array.from({ length: count - 1 }, (_, i) => ({ index: i + 1, reason: korean ? '비슷한 이미지입니다' : 'Too similar' })),
      };
    },
  };
}

export interface CanvasCall {
  capability: string;
  input: Record<string, any>;
}

/** canvas 1.1 as a stub: `count` PNGs, their bytes when asked, each call recorded in `calls`. */
export function canvasStub(calls: CanvasCall[] = [], options: { cost?: number; before?: () => Promise<void> } = {}): AgentStubs {
  const answer = (capability: string) => async (input: Record<string, any>) => {
    calls.push({ capability, input });
    await options.before?.();
    const count = input.count ?? 1;
    const [width, height] = String(input.size ?? '1024x1024').split('x').map(Number) as [number, number];
    const n = calls.length;
    const images = Array.from({ length: count }, (_, i) => ({
      blobId: `canvas-blob-${n}-${i}`,
      url: `http://easel.test/v1/blobs/canvas-blob-${n}-${i}?expires=1&sig=x`,
      width,
      height,
      contentType: 'image/png',
      model: 'amazon.nova-canvas-v1:0',
      cost: options.cost ?? 0.04,
    }));
    const keywords = Array.isArray(input.keywords) ? input.keywords.join(' and ') : (input.keywords ?? 'a polished sketch');
    const out: Record<string, unknown> = { images, prompt: `${keywords}, ${input.style ?? 'illustration'} style`, negativePrompt: 'blurry, low quality' };
    if (input.returnBytes === true) out.bytes = images.map((_, i) => fakePng(n * 10 + i));
    return out;
  };
  return {
    'canvas/image-generator': { 'text-to-image': answer('text-to-image') },
    'canvas/sketch-enhancer': { 'sketch-to-image': answer('sketch-to-image') },
  };
}

/** The plugin under testPlugin with scripted models and, unless told otherwise, a canvas stub. */
export function harness(options: TestOptions & { answers?: Answers; canvasCalls?: CanvasCall[] } = {}) {
  const { answers, canvasCalls, ...rest } = options;
  return testPlugin(definition, manifest, { models: scripted(answers), agents: canvasStub(canvasCalls), ...rest });
}

export const ALICE = { app: 'app-1', user: 'alice' };
export const BOB = { app: 'app-1', user: 'bob' };
/** The same user id under another app: another person. */
export const ALICE_ELSEWHERE = { app: 'app-2', user: 'alice' };
