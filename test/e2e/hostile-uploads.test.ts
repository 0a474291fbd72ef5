/**
 * Hostile bundles uploaded over HTTP: each is refused with its code, nothing is recorded and
 * nothing is written outside the staging folder (which is emptied again).
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ABSOLUTE_ESCAPE_TARGET, HOSTILE_BUNDLES } from '../fixtures/hostile-bundles.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';

let host: RunningHost;
let dataDirBefore: string[];
beforeAll(async () => {
  host = await startHost();
  dataDirBefore = await tree(host.dataDir);
});
afterAll(async () => host?.close());

async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  // The database's own files change with every request; the question is what else appears.
  return entries.filter((e) => !e.startsWith('easel.db')).sort();
}

describe.each(HOSTILE_BUNDLES)('$name', (bundle) => {
  test(`is refused with ${bundle.expectCode}, changes nothing`, async () => {
    const res = await host.call('POST', '/v1/plugins/upload', { raw: await bundle.build() });
    expect(res.body.code).toBe(bundle.expectCode);
    expect(res.status).toBe(bundle.expectCode === 'BUNDLE_TOO_LARGE' ? 413 : 400);
    expect(res.body.statusCode).toBe(res.status);
    expect((await host.call('GET', '/v1/plugins')).body.plugins).toEqual([]);
    expect(await readdir(join(host.dataDir, 'staging')).catch(() => [])).toEqual([]);
    expect(await readdir(join(host.dataDir, 'plugins')).catch(() => [])).toEqual([]);
    expect(await tree(host.dataDir)).toEqual(dataDirBefore.concat(['plugins', 'staging'].filter((d) => !dataDirBefore.includes(d))).sort());
    expect(existsSync(ABSOLUTE_ESCAPE_TARGET)).toBe(false);
  });
});
