/** Pure pieces of the Bedrock emulator: quota buckets, fault rules, text cutting, chunking. */
import { describe, expect, test } from 'vitest';
import { evenChunks, wordChunks } from '../src/event-stream.ts';
import { FaultBook } from '../src/faults.ts';
import { resolveModel } from '../src/model-ids.ts';
import { Quotas } from '../src/quotas.ts';
import { cutToTokens, estimateTokens } from '../src/tokens.ts';

describe('Quotas', () => {
  test('start full, charge at arrival and refill continuously', () => {
    const quotas = new Quotas();
    quotas.set('m', { rpm: 2, tpm: 1000 }, 0);
    expect(quotas.take('m', 10, 0)).toBe(true);
    expect(quotas.take('m', 10, 0)).toBe(true);
    expect(quotas.take('m', 10, 0)).toBe(false);
    // One request refills in 30 s at 2 rpm.
    expect(quotas.take('m', 10, 29_000)).toBe(false);
    expect(quotas.take('m', 10, 30_000)).toBe(true);
    expect(quotas.take('other', 1e9, 0)).toBe(true);
  });

  test('a call short of tokens takes nothing', () => {
    const quotas = new Quotas();
    quotas.set('m', { rpm: 10, tpm: 100 }, 0);
    expect(quotas.take('m', 101, 0)).toBe(false);
    expect(quotas.take('m', 100, 0)).toBe(true);
    expect(quotas.take('m', 1, 0)).toBe(false);
    expect(quotas.take('m', 50, 30_000)).toBe(true);
  });
});

describe('FaultBook', () => {
  test('counts default to 1, or Infinity for latency-only rules', () => {
    const book = new FaultBook();
    book.add({ modelId: 'm', exception: 'ThrottlingException' });
    book.add({ modelId: 'm', latencyMs: 10 });
    expect(book.take('m', 'converse')).toMatchObject({ latencyMs: 10, exception: { type: 'ThrottlingException' } });
    for (let i = 0; i < 5; i++) expect(book.take('m', 'converse')).toEqual({ latencyMs: 10, breakMode: 'exception' });
  });

  test('the first exception wins and the second waits for the next call', () => {
    const book = new FaultBook();
    book.add({ modelId: '*', exception: 'InternalServerException' });
    book.add({ modelId: 'm', exception: 'ThrottlingException' });
    expect(book.take('m', 'converse').exception?.type).toBe('InternalServerException');
    expect(book.take('m', 'converse').exception?.type).toBe('ThrottlingException');
    expect(book.take('m', 'converse').exception).toBeUndefined();
  });

  test('stream breaks wait for a stream, stopReasons for a text call', () => {
    const book = new FaultBook();
    book.add({ modelId: 'm', breakAfterDeltas: 2, breakMode: 'reset' });
    book.add({ modelId: 'm', stopReason: 'max_tokens' });
    expect(book.take('m', 'invoke')).toEqual({ latencyMs: 0, breakMode: 'exception' });
    const text = book.take('m', 'converse');
    expect(text.stopReason).toBe('max_tokens');
    expect(text.breakAfterDeltas).toBeUndefined();
    expect(book.take('m', 'converse-stream')).toMatchObject({ breakAfterDeltas: 2, breakMode: 'reset' });
    expect(book.take('other', 'converse-stream').breakAfterDeltas).toBeUndefined();
  });

  test('count null means every call', () => {
    const book = new FaultBook();
    book.add({ modelId: 'm', exception: 'ServiceUnavailableException', count: null });
    for (let i = 0; i < 5; i++) expect(book.take('m', 'converse').exception?.type).toBe('ServiceUnavailableException');
  });
});

describe('tokens and chunks', () => {
  test('cutToTokens stays within the budget and never splits a character', () => {
    const text = '고양이가 밥을 먹는다 and then the cat slept for a very long time';
    for (let max = 1; max < 20; max++) {
      const cut = cutToTokens(text, max);
      expect(estimateTokens(cut)).toBeLessThanOrEqual(max);
      expect(text.startsWith(cut)).toBe(true);
      expect(cut).not.toMatch(/\uFFFD/);
    }
    expect(cutToTokens(text, 1000)).toBe(text);
  });

  test('chunks concatenate back to the text', () => {
    const text = '  leading space, several   words\nand a newline  ';
    expect(wordChunks(text).join('')).toBe(text);
    expect(wordChunks('')).toEqual([]);
    const json = JSON.stringify({ city: '서울', n: 1 });
    expect(evenChunks(json, 3).join('')).toBe(json);
  });
});

describe('model ids', () => {
  test('families come from the base id', () => {
    expect(resolveModel('apac.amazon.nova-pro-v1:0')).toMatchObject({ baseId: 'amazon.nova-pro-v1:0', family: 'text' });
    expect(resolveModel('amazon.nova-premier-v1:0').family).toBe('text');
    expect(resolveModel('amazon.titan-image-generator-v1').family).toBe('image');
    expect(resolveModel('arn:aws:bedrock:ap-northeast-2::foundation-model/amazon.titan-embed-text-v1').family).toBe('embedding');
    expect(() => resolveModel('amazon.titan-embed-text-v2:1')).toThrow();
    expect(() => resolveModel('amazon.nova-sonic-v1:0')).toThrow();
  });
});
