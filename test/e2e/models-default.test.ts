/**
 * The offline default: `host/src/main.ts` with no AWS credentials starts the Bedrock emulator
 * on a loopback port, points the router at it and says so; with credentials it targets
 * Bedrock in ap-northeast-2 (no call is made here, the machine is offline).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { EmulatorControl } from '@easel/bedrock-emulator';
import { REPO } from '../helpers/pack.ts';

const ADMIN = 'default-admin-token-0123456789abcdef';
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function startMain(extraEnv: Record<string, string>): Promise<{ out: string; url: string; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'easel-default-'));
  dirs.push(dir);
  // HOME is an empty folder: no ~/.aws files, whatever the machine has.
  const child = spawn(process.execPath, ['--no-node-snapshot', join(REPO, 'host/src/main.ts')], {
    env: { PATH: process.env.PATH, HOME: dir, EASEL_DATA_DIR: join(dir, 'data'), EASEL_PORT: '0', EASEL_ADMIN_TOKEN: ADMIN, EASEL_LOG_LEVEL: 'info', EASEL_FIRST_PARTY_PLUGINS: 'false', EASEL_SANDBOX_WORKERS: '1', ...extraEnv },
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start: ${out}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)[\s\S]*Models: [\s\S]*Blobs: /.exec(out);
      if (m?.[1] && out.endsWith('\n')) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`host exited ${code}: ${out}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { out, url, stop };
}

const get = async (url: string, path: string) => (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as Promise<Record<string, unknown>>;

test('without AWS credentials the host starts the emulator on loopback, says so, and the router uses it', { timeout: 60_000 }, async () => {
  const { out, url, stop } = await startMain({});
  const dir = dirs.at(-1) as string;
  try {
    const endpoint = /Models: Bedrock emulator at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(endpoint).toBeDefined();
    expect(out).toMatch(/"msg":"model calls go to the Bedrock emulator/);
    expect(out).toContain(`Blobs: local folder ${join(dir, 'data', 'blobs')}\n`);
    expect((await get(url, '/v1/models/health')).target).toBe('emulator');
    // The logged endpoint is a live emulator, whose control plane refuses whoever lacks the host's token.
    const control = new EmulatorControl(endpoint as string);
    await expect(control.calls()).rejects.toThrow(/answered 401/);
    await control.close();
  } finally {
    await stop();
  }
});

test('with AWS credentials in the environment the host targets Bedrock in ap-northeast-2', { timeout: 60_000 }, async () => {
  const { out, url, stop } = await startMain({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
  try {
    expect(out).toMatch(/Models: Amazon Bedrock in ap-northeast-2/);
    expect(out).not.toMatch(/Bedrock emulator/);
    expect(await get(url, '/v1/models/health')).toMatchObject({ target: 'bedrock', region: 'ap-northeast-2' });
    expect(out).not.toContain('secret');
  } finally {
    await stop();
  }
});

test('the embedded defaults serve the first-party canvas plugin: keywords in, a stored PNG out', { timeout: 90_000 }, async () => {
  const { out, url, stop } = await startMain({ EASEL_FIRST_PARTY_PLUGINS: 'true' });
  try {
    expect(out).toMatch(/Blobs: local folder /);
    const key = ((await (await fetch(`${url}/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ role: 'app', label: 'demo' }) })).json()) as { key: string }).key;
    const res = await fetch(`${url}/v1/p/canvas/generate`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ keywords: '고양이', style: 'cartoon', size: '512x512' }) });
    expect(res.status).toBe(200);
    const { output } = (await res.json()) as { output: { images: { url: string }[] } };
    const image = await fetch(`${url}${output.images[0]!.url}`);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
  } finally {
    await stop();
  }
});
