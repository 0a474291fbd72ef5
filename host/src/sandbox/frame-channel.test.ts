import { duplexPair } from 'node:stream';
import { expect, test } from 'vitest';
import { FrameChannel } from './frame-channel.ts';

function pair(maxFrameBytes = 16 * 1024 * 1024) {
  const [left, right] = duplexPair();
  const got: { message: unknown; attachments: Buffer[] }[] = [];
  const violations: string[] = [];
  const sender = new FrameChannel(left, { maxFrameBytes, onMessage: () => undefined, onViolation: (r) => violations.push(r) });
  new FrameChannel(right, { maxFrameBytes, onMessage: (message, attachments) => got.push({ message, attachments }), onViolation: (r) => violations.push(r) });
  // Waits (by the clock, not a count of turns) until `n` messages arrived or a violation was reported.
  const arrived = async (n: number) => {
    const deadline = Date.now() + 10_000;
    while (got.length < n && violations.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return got;
  };
  return { sender, arrived, violations };
}

test('small and large frames arrive whole, in order, with their attachments byte for byte', async () => {
  const { sender, arrived, violations } = pair();
  const small = [Buffer.from('{"input":1}'), new Uint8Array([0, 1, 2, 255])];
  // Past the size up to which attachments are copied into one buffer: written piece by piece.
  const large = [new Uint8Array(200 * 1024).map((_, i) => i % 251), Buffer.from('tail')];
  expect(sender.send({ t: 'a', n: 1 }, small)).toBe(true);
  expect(sender.send({ t: 'b', text: 'ü'.repeat(1000) }, large)).toBe(true);
  expect(sender.send({ t: 'c' })).toBe(true);
  const got = await arrived(3);
  expect(got.map((g) => g.message)).toEqual([{ t: 'a', n: 1 }, { t: 'b', text: 'ü'.repeat(1000) }, { t: 'c' }]);
  expect(got[0]!.attachments.map((a) => [...a])).toEqual(small.map((a) => [...a]));
  expect(got[1]!.attachments.map((a, i) => Buffer.compare(a, large[i]!))).toEqual([0, 0]);
  expect(got[2]!.attachments).toEqual([]);
  // Each attachment owns its memory: not a view of the stream's chunks.
  for (const a of got.flatMap((g) => g.attachments)) expect(a.byteOffset === 0 && a.buffer.byteLength === a.byteLength).toBe(true);
  expect(violations).toEqual([]);
});

test('a frame over the cap is a violation, reported, not thrown', async () => {
  const { sender, arrived, violations } = pair(1024);
  sender.send({ t: 'big' }, [new Uint8Array(4096)]);
  await arrived(1);
  expect(violations).toEqual([expect.stringContaining('over the 1024 byte cap')]);
});
