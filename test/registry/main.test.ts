/** `npm start -w registry` runs registry/src/main.ts: a real child process, env config, signals. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.ts';

const MAIN = new URL('../../registry/src/main.ts', import.meta.url).pathname;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'easel-registry-main-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

/** Starts main.ts, waits for its listening line, runs `check`, sends SIGTERM, returns the output. */
function run(env: Record<string, string>, check?: (url: string) => Promise<void>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', EASEL_REGISTRY_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    // A start, a request and a stop take a second or two; far more on a loaded machine.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main.ts did not finish: ${stdout} ${stderr}`));
    }, 60_000);
    let checked = false;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const url = /listening on (http:\/\/\S+),/.exec(stdout)?.[1];
      if (url && !checked) {
        checked = true;
        (check ?? (async () => {}))(url).then(() => child.kill('SIGTERM'), (e: unknown) => (child.kill('SIGKILL'), reject(e)));
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('registry main', () => {
  it('starts on env config, prints a generated admin token once, closes on SIGTERM', async () => {
    const env = { EASEL_REGISTRY_PORT: '0', EASEL_REGISTRY_DATA_DIR: dataDir };
    const first = await run(env, async (url) => {
      expect(await (await fetch(`${url}/-/ping`)).json()).toEqual({});
    });
    expect(first.code).toBe(0);
    const token = /admin token \(shown once, store it now\):\n\s+(ereg_admin_\S+)/.exec(first.stdout)?.[1];
    expect(token).toBeDefined();
    expect(first.stdout).toContain('(generated now)');

    const second = await run(env, async (url) => {
      const who = await fetch(`${url}/-/whoami`, { headers: { authorization: `Bearer ${token}` } });
      expect(await who.json()).toEqual({ username: '~admin' });
    });
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain('admin token');
    expect(second.stdout).not.toContain('(generated now)');
  });

  it('an unreachable database stops the start with one line naming the URL without its password', async () => {
    const port = await freePort();
    const res = await run({
      EASEL_REGISTRY_DATA_DIR: dataDir,
      EASEL_REGISTRY_STORE: 'postgres',
      EASEL_REGISTRY_DATABASE_URL: `postgres://registry:hunter2-secret@127.0.0.1:${port}/easel`,
      EASEL_REGISTRY_SIGNING_KEY_FILE: join(dataDir, 'shared.pem'),
    });
    expect(res.code).toBe(1);
    expect(res.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(new RegExp(`^easel-registry: cannot open the PostgreSQL database at postgres://registry:\\*\\*\\*@127\\.0\\.0\\.1:${port}/easel: .*ECONNREFUSED`))]);
    expect(res.stderr + res.stdout).not.toContain('hunter2');
  });

  it('refuses to start on invalid config, listing every problem', async () => {
    const res = await run({ EASEL_REGISTRY_PORT: 'x', EASEL_REGISTRY_OPEN_SIGNUP: 'maybe', EASEL_REGISTRY_DATA_DIR: dataDir });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('EASEL_REGISTRY_PORT: must be integer');
    expect(res.stderr).toContain('EASEL_REGISTRY_OPEN_SIGNUP: must be boolean');
  });
});
