/**
 * Kill the host (SIGKILL, a real child process) while it replaces a set of three plugins
 * installed from a registry; after each restart the installed set is entirely the old one
 * or entirely the new one, never a mix, and no staged or unrecorded folder is left.
 * A delaying proxy in front of the registry widens the window the kills land in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { REPO } from '../helpers/pack.ts';
import { packSpec, startRegistry, type RunningRegistry } from '../helpers/registry.ts';

const ADMIN = 'crash-test-admin-token-0123456789';
let registry: RunningRegistry;
let proxy: Server;
let proxyUrl: string;
let dataDir: string;

beforeAll(async () => {
  registry = await startRegistry();
  for (const major of [1, 2]) {
    await registry.publish(await packSpec({ name: 'set-c', version: `${major}.0.0` }));
    await registry.publish(await packSpec({ name: 'set-b', version: `${major}.0.0`, dependencies: { 'set-c': `^${major}.0.0` } }));
    await registry.publish(await packSpec({ name: 'set-a', version: `${major}.0.0`, dependencies: { 'set-b': `^${major}.0.0` } }));
  }
  // Tarballs come back 60 ms late; packuments and tarball URLs are rewritten to this origin.
  const target = new URL(registry.url);
  proxy = createServer(async (req, res) => {
    const upstream = await fetch(`${registry.url}${req.url}`, { headers: { accept: req.headers.accept ?? '*/*' } });
    let body = Buffer.from(await upstream.arrayBuffer());
    if (req.url?.endsWith('.tgz')) await new Promise((r) => setTimeout(r, 60));
    else body = Buffer.from(body.toString('utf8').replaceAll(target.origin, proxyUrl));
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
    res.end(body);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  dataDir = await mkdtemp(join(tmpdir(), 'easel-crash-'));
});
/** Every host this file started: a failed assertion must not leave one running. */
const children = new Set<ChildProcess>();

afterAll(async () => {
  for (const child of children) {
    child.kill('SIGKILL');
    await exited(child);
  }
  proxy?.close();
  await registry?.close();
  await rm(dataDir, { recursive: true, force: true });
});

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function startChild(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--no-node-snapshot', join(REPO, 'host/src/main.ts')], {
    env: {
      PATH: process.env.PATH,
      EASEL_DATA_DIR: dataDir,
      EASEL_PORT: '0',
      EASEL_ADMIN_TOKEN: ADMIN,
      EASEL_LOG_LEVEL: 'silent',
      EASEL_FIRST_PARTY_PLUGINS: 'false',
      EASEL_SANDBOX_WORKERS: '1',
      EASEL_REGISTRY_URL: proxyUrl,
      EASEL_REGISTRY_TRUSTED_KEYS: await registry.trustedKeys(),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    // A start takes about a second; far more on a loaded machine (a budget, not what is tested).
    const timer = setTimeout(() => reject(new Error(`host did not start: ${out}`)), 60_000);
    // stderr too: a start that fails says why there, in one line.
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`host exited ${code}: ${out}`)));
  });
  return { child, url };
}

const call = (url: string, method: string, path: string, body?: unknown) =>
  fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

async function installedSet(url: string): Promise<string[]> {
  const res = (await (await call(url, 'GET', '/v1/plugins')).json()) as { plugins: { name: string; version: string }[] };
  return res.plugins.map((p) => `${p.name}@${p.version}`).sort();
}

const OLD = ['set-a@1.0.0', 'set-b@1.0.0', 'set-c@1.0.0'];
const NEW = ['set-a@2.0.0', 'set-b@2.0.0', 'set-c@2.0.0'];

// Eleven host starts and about as many set changes: a budget for a loaded machine.
test('a SIGKILL at any point of a set install leaves the old set or the new one', { timeout: 300_000 }, async () => {
  let { child, url } = await startChild();
  expect((await call(url, 'POST', '/v1/plugins/install', { name: 'set-a', range: '^1.0.0' })).status).toBe(201);
  expect(await installedSet(url)).toEqual(OLD);
  // Time one uninterrupted change of the set (and back), then spread the kills over it.
  const started = performance.now();
  expect((await call(url, 'POST', '/v1/plugins/set-a/upgrade', { range: '^2.0.0' })).status).toBe(200);
  const fullMs = performance.now() - started;
  expect((await call(url, 'POST', '/v1/plugins/set-a/upgrade', { range: '^1.0.0' })).status).toBe(200);
  // Where each kill lands depends on the machine's speed; what it leaves behind must not.
  let unchanged = 0;
  for (const fraction of [0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 1.2, 1.6]) {
    const delayMs = fraction * fullMs;
    const current = await installedSet(url);
    const range = current[0] === OLD[0] ? '^2.0.0' : '^1.0.0';
    const pending = call(url, 'POST', '/v1/plugins/set-a/upgrade', { range }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, delayMs));
    child.kill('SIGKILL');
    await pending;
    await exited(child);

    ({ child, url } = await startChild());
    const after = await installedSet(url);
    expect([OLD, NEW]).toContainEqual(after);
    if (after[0] === current[0]) unchanged++;
    expect(await readdir(join(dataDir, 'staging')).catch(() => [])).toEqual([]);
    expect((await readdir(join(dataDir, 'plugins'))).length).toBe(3);
  }
  // Kills landed before the change was recorded (the first, at once, always does) ...
  expect(unchanged).toBeGreaterThan(0);
  // ... and one lands after it, whatever the timing: a change the host answered survives a kill.
  const answered = (await installedSet(url))[0] === OLD[0] ? NEW : OLD;
  expect((await call(url, 'POST', '/v1/plugins/set-a/upgrade', { range: answered === NEW ? '^2.0.0' : '^1.0.0' })).status).toBe(200);
  child.kill('SIGKILL');
  await exited(child);
  ({ child, url } = await startChild());
  expect(await installedSet(url)).toEqual(answered);
  expect(await readdir(join(dataDir, 'staging')).catch(() => [])).toEqual([]);
  expect((await readdir(join(dataDir, 'plugins'))).length).toBe(3);
  child.kill('SIGTERM');
  await exited(child);
});
