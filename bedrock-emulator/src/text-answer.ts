/**
 * The synthetic text a text model answers: a marker naming the model, the prompt's main
 * words, and filler sentences picked by a PRNG seeded from a sha256 of the request's text.
 * Same request, same text, whether asked through Converse or ConverseStream.
 */
import { random, seedOf, sha256 } from './seeded.ts';
import { cutToTokens, estimateTokens } from './tokens.ts';

const STOP_WORDS = new Set(
  'an as at be by do if in is it me my no of on or so to up us we the and for are but not you your with this that from have has had was were what when where which who why how can could would should will shall may might must does did doing about into than then them they their there these those some any all our out its his her him she also just very please tell give make'.split(
    ' ',
  ),
);

const FILLER = [
  'This text is generated, not written by a model.',
  'It is deterministic: the same request always gets the same answer.',
  'Routing, fallback and caching can be tested against it without a network.',
  'Token counts follow the emulator rule of one token per four bytes.',
  'A real model would reason about the question here.',
  'Nothing in this answer should be taken as advice.',
  'The emulator keeps a log of every call for assertions.',
  'Latency, throttling and stream breaks can be injected through the control plane.',
  'Several short sentences make the stream split into several deltas.',
  'Different prompts lead to different sentences being picked.',
  'Quotas are enforced per model with token buckets.',
  'The answer ends when the filler runs out or maxTokens is reached.',
];

export function answerMarker(modelId: string): string {
  return `[synthetic answer from ${modelId} by the Easel Bedrock emulator]`;
}

/** Up to eight distinct words of the prompt, lowercased, without the most common ones. */
export function mainWords(text: string): string[] {
  const words = text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
  const kept = words.filter((word) => word.length >= 2 && !STOP_WORDS.has(word));
  return [...new Set(kept)].slice(0, 8);
}

export interface TextAnswer {
  text: string;
  outputTokens: number;
  /** True when maxTokens cut the text. */
  truncated: boolean;
}

export function syntheticText(modelId: string, allText: string, lastUserText: string, maxTokens?: number): TextAnswer {
  const digest = sha256('text', allText);
  const next = random(seedOf(digest));
  const words = mainWords(lastUserText);
  const echo = words.length > 0 ? `You asked about: ${words.join(', ')}.` : 'Your message had no words to echo.';
  const pool = [...FILLER];
  const fillers: string[] = [];
  const count = 2 + Math.floor(next() * 3);
  for (let i = 0; i < count; i++) fillers.push(pool.splice(Math.floor(next() * pool.length), 1)[0] as string);
  const full = [answerMarker(modelId), echo, ...fillers, `Reference ${digest.toString('hex').slice(0, 8)}.`].join(' ');
  const text = maxTokens === undefined ? full : cutToTokens(full, maxTokens);
  return { text, outputTokens: estimateTokens(text), truncated: text !== full };
}
