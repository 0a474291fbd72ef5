import { describe, expect, test } from 'vitest';
import { readAnswer } from './guest-answer.ts';

const limits = { maxPayloadBytes: 1000, maxBinaryBytes: 16 };
const none = new Set<string>();
const read = (answer: unknown, delivered: ReadonlySet<string> = none) => readAnswer(answer, limits, delivered);

describe('reading a guest answer', () => {
  test('an output, with the bytes of its laid-out fields', () => {
    expect(read('{"ok":true,"value":{"a":1}}')).toEqual({ outcome: { output: { a: 1 }, envelope: '{"ok":true,"value":{"a":1}}' } });
    const bytes = new Uint8Array([1, 2, 3]).buffer;
    const { outcome } = read(['{"ok":true,"value":{"img":null},"bytes":[["img",-1]]}', bytes]);
    expect(outcome).toMatchObject({ output: { img: null }, bytes: [['img', -1]], attachments: [new Uint8Array([1, 2, 3])] });
  });

  test('malformed, missing and oversized answers are the plugin’s fault, with the limit named', () => {
    expect(read('not json').outcome).toMatchObject({ code: 'PLUGIN_ERROR', message: expect.stringContaining('malformed') });
    expect(read(undefined).outcome).toMatchObject({ code: 'PLUGIN_ERROR', message: expect.stringContaining('no answer') });
    expect(read(['{"ok":true,"value":1}', 'not bytes']).outcome).toMatchObject({ code: 'PLUGIN_ERROR' });
    // Layout and attachments disagree.
    expect(read(['{"ok":true,"value":{},"bytes":[["a",2]]}', new ArrayBuffer(1)]).outcome).toMatchObject({ code: 'PLUGIN_ERROR' });
    expect(read(`{"ok":true,"value":"${'x'.repeat(2000)}"}`).outcome).toMatchObject({ code: 'OUTPUT_TOO_LARGE' });
    expect(read(['{"ok":true,"value":{}}', new ArrayBuffer(17)]).outcome).toMatchObject({ code: 'OUTPUT_TOO_LARGE' });
  });

  test('a guest may claim its own codes, its shim’s limits and codes the bridge delivered; nothing else', () => {
    const failed = (code: string) => `{"ok":false,"code":"${code}","message":"m"}`;
    expect(read(failed('BRIDGE_BUSY')).outcome).toEqual({ code: 'BRIDGE_BUSY', message: 'm' });
    expect(read(failed('BUDGET_EXCEEDED')).outcome).toMatchObject({ code: 'PLUGIN_ERROR' });
    expect(read(failed('BUDGET_EXCEEDED'), new Set(['BUDGET_EXCEEDED'])).outcome).toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(read(failed('NOT_A_CODE')).outcome).toMatchObject({ code: 'PLUGIN_ERROR' });
    expect((read(`{"ok":false,"code":"PLUGIN_ERROR","message":"${'y'.repeat(5000)}"}`).outcome as { message: string }).message.length).toBeLessThanOrEqual(1001);
  });

  test('dropped log lines are counted only as small whole numbers', () => {
    expect(read('{"logsDropped":{"oversize":2,"overflow":0,"invalid":1},"ok":true,"value":1}').dropped).toEqual({ oversize: 2, overflow: 0, invalid: 1 });
    expect(read('{"logsDropped":{"oversize":-5,"overflow":1.5,"invalid":"9"},"ok":true,"value":1}').dropped).toBeUndefined();
  });
});
