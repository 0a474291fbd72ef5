import { describe, expect, test } from 'vitest';
import { parseFrames } from './sse.ts';

describe('parseFrames', () => {
  test('reads events, ids, retry and comments, and keeps an unfinished frame for later', () => {
    const frames: unknown[] = [];
    const rest = parseFrames('retry: 2000\n\n: ping\n\nid: 1\nevent: step.started\ndata: {"a":1}\n\nid: 2\nevent: model.delta\ndata: {"text":"he', (f) => frames.push(f));
    expect(frames).toEqual([{ data: [], retry: 2000 }, { data: [] }, { id: '1', event: 'step.started', data: ['{"a":1}'] }]);
    expect(rest).toBe('id: 2\nevent: model.delta\ndata: {"text":"he');
    const more: unknown[] = [];
    expect(parseFrames(`${rest}llo"}\n\n`, (f) => more.push(f))).toBe('');
    expect(more).toEqual([{ id: '2', event: 'model.delta', data: ['{"text":"hello"}'] }]);
  });

  test('CRLF line ends, multi-line data and a field without a space', () => {
    const frames: unknown[] = [];
    parseFrames('event:x\r\ndata: a\r\ndata:b\r\n\r\n', (f) => frames.push(f));
    expect(frames).toEqual([{ event: 'x', data: ['a', 'b'] }]);
  });
});
