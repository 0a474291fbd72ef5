import { expect, test } from 'vitest';
import { redactUrl } from './log-serializers.ts';

test('signed blob URLs are logged without their signature', () => {
  expect(redactUrl('/v1/blobs/0b6c5f0e-8f4e-4a57-9a36-1d1d0c1c2e3f?expires=1790000000&sig=AbCdEf_-123')).toBe('/v1/blobs/0b6c5f0e-8f4e-4a57-9a36-1d1d0c1c2e3f?expires=1790000000&sig=[redacted]');
  expect(redactUrl('/v1/blobs/x?sig=secret&expires=1')).toBe('/v1/blobs/x?sig=[redacted]&expires=1');
  expect(redactUrl('/v1/agents/a/b/c?design=1')).toBe('/v1/agents/a/b/c?design=1');
});
