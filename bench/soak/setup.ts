/**
 * What the host serves during the soak, installed as an admin would: every first-party plugin,
 * the orch-* fixtures (workflows over three plugins), soak-steady at two versions (the upgrade
 * target) and soak-hostile, each packed with the real `easel` CLI and uploaded; then app keys.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copyPlugin } from '../../test/helpers/plugin-copy.ts';
import { packWithCli } from '../../test/helpers/pack.ts';
import { call } from './client.ts';

export const STEADY_VERSIONS = ['1.0.0', '1.1.0'] as const;

/** In install order: dependencies first. */
const PLUGINS: { dir: string; name: string; grant: unknown }[] = [
  { dir: 'plugins-external/hello', name: 'hello', grant: 'requested' },
  { dir: 'plugins-external/canvas', name: 'canvas', grant: 'requested' },
  { dir: 'plugins-external/post-creation', name: 'post-creation', grant: 'requested' },
  { dir: 'plugins-external/game-development', name: 'game-development', grant: 'requested' },
  { dir: 'plugins-external/content-creation', name: 'content-creation', grant: 'requested' },
  { dir: 'test/fixtures/plugins/orch-b', name: 'orch-b', grant: 'requested' },
  { dir: 'test/fixtures/plugins/orch-c', name: 'orch-c', grant: 'requested' },
  { dir: 'test/fixtures/plugins/orch-a', name: 'orch-a', grant: 'requested' },
  { dir: 'test/fixtures/plugins/soak-steady', name: 'soak-steady', grant: 'requested' },
  { dir: 'test/fixtures/plugins/soak-hostile', name: 'soak-hostile', grant: 'requested' },
];

export interface Installed {
  /** Every installed plugin's name. */
  names: string[];
  /** soak-steady's tarballs by version, for the upgrades. */
  steady: Record<(typeof STEADY_VERSIONS)[number], Buffer>;
  /** The hostile plugin's tarball, re-uploaded as is. */
  hostile: Buffer;
  /** A bundle cut in half: the upload must refuse it and change nothing. */
  truncated: Buffer;
}

/** soak-steady at another version: the same code, its manifest's version changed. */
async function packSteadyAt(version: string): Promise<Buffer> {
  const copy = await copyPlugin('test/fixtures/plugins/soak-steady');
  try {
    const file = join(copy.dir, 'plugin.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as { version: string };
    manifest.version = version;
    await writeFile(file, JSON.stringify(manifest, null, 2));
    return (await packWithCli(copy.dir)).tarball;
  } finally {
    await copy.remove();
  }
}

async function ensure(what: string, reply: Promise<{ status: number; body?: unknown }>, status: number): Promise<any> {
  const res = await reply;
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  return res.body;
}

export async function install(url: string, adminKey: string): Promise<Installed> {
  const packed = await Promise.all(PLUGINS.map(async (p) => (await packWithCli(p.dir)).tarball));
  const steady = { '1.0.0': packed[PLUGINS.findIndex((p) => p.name === 'soak-steady')]!, '1.1.0': await packSteadyAt('1.1.0') };
  for (const [i, plugin] of PLUGINS.entries()) {
    await ensure(`upload ${plugin.name}`, call(url, 'POST', '/v1/plugins/upload', { key: adminKey, raw: packed[i], contentType: 'application/gzip' }), 201);
    await ensure(`enable ${plugin.name}`, call(url, 'POST', `/v1/plugins/${plugin.name}/enable`, { key: adminKey, body: { grant: plugin.grant } }), 200);
  }
  const hostile = packed[PLUGINS.findIndex((p) => p.name === 'soak-hostile')]!;
  return { names: PLUGINS.map((p) => p.name), steady, hostile, truncated: hostile.subarray(0, Math.floor(hostile.length / 2)) };
}

export async function appKey(url: string, adminKey: string, label: string): Promise<string> {
  return (await ensure(`key ${label}`, call(url, 'POST', '/v1/keys', { key: adminKey, body: { role: 'app', label } }), 201)).key as string;
}
