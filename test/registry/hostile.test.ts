/** Every hostile bundle of test/fixtures is refused at publish with its code; nothing is stored. */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABSOLUTE_ESCAPE_TARGET, HOSTILE_BUNDLES, helloTarball } from '../fixtures/hostile-bundles.ts';
import { expectNothingStored, publishBody, startRegistry, type RunningRegistry } from './helpers.ts';

let r: RunningRegistry;
let token: string;


beforeAll(async () => {
  r = await startRegistry();
  token = await r.user('mallory');
  await helloTarball();
});
afterAll(() => r.close());

describe('hostile tarballs at publish', () => {
  it.each(HOSTILE_BUNDLES)('refuses $name with $expectCode and stores nothing', async (hostile) => {
    const tgz = await hostile.build();
    const res = await r.call('PUT', '/hello', { token, body: publishBody('hello', '1.0.0', tgz) });
    expect(res.body.code).toBe(hostile.expectCode);
    expect(res.status).toBe(hostile.expectCode === 'BUNDLE_TOO_LARGE' ? 413 : 400);
    expect(res.body.details.problems.length).toBeGreaterThan(0);
    if (hostile.problemPath !== undefined) expect(res.body.details.problems.map((p: { path: string }) => p.path)).toContain(hostile.problemPath);

    // Nothing stored: no package, no version row, no tarball, no temp folder left, no escape.
    await expectNothingStored(r, 'hello');
    expect(existsSync(ABSOLUTE_ESCAPE_TARGET)).toBe(false);
    expect(existsSync(join(tmpdir(), 'escape.txt'))).toBe(false);
  });
});
