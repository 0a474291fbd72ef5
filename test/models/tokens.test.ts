/** The router's token estimate and the emulator's count are one rule kept in two packages: they must agree. */
import { estimateTokens as emulatorCount } from '@easel/bedrock-emulator';
import { expect, test } from 'vitest';
import { estimateTokens } from '../../host/src/models/tokens.ts';

test.for(['', 'a', 'hello world', '고양이는 귀엽다', 'emoji 🙂🙂', 'x'.repeat(1001)])('%j', (text) => {
  expect(estimateTokens(text)).toBe(emulatorCount(text));
});
