/**
 * A newcomer's host lifecycle, with real processes on 127.0.0.1 and real data folders: a first
 * start that fails on a taken port keeps its admin key and leaves no process behind, and the
 * next start serves that key; the host started as `./run start` starts it (node itself, no
 * wrapper) writes its pid file, and SIGTERM or `./run stop` ends it with nothing left; start
 * errors are one line with the fix.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, test } from 'vitest';
import { REPO } from '../helpers/pack.ts';
import { markedPath, processesWith } from '../helpers/processes.ts';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

interface Main {
  child: ChildProcess;
  out(): string;
  err(): string;
  exited: Promise<number | null>;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'easel-lifecycle-'));
  dirs.push(dir);
  return dir;
}

/** The host as `./run start` runs it: `node --no-node-snapshot host/src/main.ts`, nothing in between. */
function startMain(env: Record<string, string>): Main {
  const child = spawn(process.execPath, ['--no-node-snapshot', join(REPO, 'host/src/main.ts')], {
    env: { EASEL_PORT: '0', EASEL_LOG_LEVEL: 'warn', EASEL_FIRST_PARTY_PLUGINS: 'false', EASEL_SANDBOX_WORKERS: '2', ...env },
    cwd: env.HOME,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

/** Resolves with the URL once the whole banner is out; rejects if the host exits first. */
function listening(main: Main): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 30 s:\n${main.out()}${main.err()}`)), 30_000);
    const check = (): void => {
      const url = /Easel host listening on (http:\/\/\S+)\n[\s\S]*  Stop: .*\n/.exec(main.out())?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      main.child.stdout?.off('data', check);
      resolve(url);
    };
    main.child.stdout?.on('data', check);
    void main.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`host exited (${code}) before listening:\n${main.out()}${main.err()}`));
    });
  });
}

async function takenPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a first start that fails on a taken port keeps the admin key in admin.key (0600); the next start serves it', { timeout: 90_000 }, async () => {
  const home = await tempDir();
  const data = join(home, 'data');
  const { PATH, marker } = markedPath();
  const { port, server } = await takenPort();
  // No EASEL_ADMIN_TOKEN: the host generates the first admin key.
  const failed = startMain({ PATH, HOME: home, EASEL_DATA_DIR: data, EASEL_PORT: String(port) });
  try {
    expect(await failed.exited).toBe(1);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  expect(failed.err()).toBe(`easel: port ${port} on 127.0.0.1 is in use; stop the other process or set EASEL_PORT\n`);
  expect(failed.out()).not.toMatch(/listening on|\n\s+at /);
  // Its sandbox workers were closed before it exited: no process of its tree is left.
  expect(processesWith(marker)).toEqual([]);
  expect(existsSync(join(data, 'host.pid'))).toBe(false);

  const keyFile = join(data, 'admin.key');
  expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  const key = (await readFile(keyFile, 'utf8')).trim();
  expect(key).toMatch(/^esl_[A-Za-z0-9_-]{43}$/);

  const good = startMain({ PATH, HOME: home, EASEL_DATA_DIR: data });
  const url = await listening(good);
  expect(good.out()).toContain(`  Admin key: in ${keyFile}\n`);
  expect(good.out()).not.toContain(key);
  // The marker finds a live tree (the host and its two workers), so the empty list above means something.
  expect(processesWith(marker).length).toBeGreaterThanOrEqual(3);
  const plugins = await fetch(`${url}/v1/plugins`, { headers: { authorization: `Bearer ${key}` } });
  expect(plugins.status).toBe(200);
  expect((await fetch(`${url}/v1/plugins`, { headers: { authorization: 'Bearer esl_not-the-key-0123456789' } })).status).toBe(401);
  good.child.kill('SIGTERM');
  expect(await good.exited).toBe(0);
  expect(processesWith(marker)).toEqual([]);
  expect((await readFile(keyFile, 'utf8')).trim()).toBe(key);
});

test('started as ./run start does, the host writes host.pid; SIGTERM removes it and leaves no process; a second start on its port names it', { timeout: 90_000 }, async () => {
  const home = await tempDir();
  const data = join(home, 'data');
  const { PATH, marker } = markedPath();
  const host = startMain({ PATH, HOME: home, EASEL_DATA_DIR: data, EASEL_ADMIN_TOKEN: 'lifecycle-admin-token-0123456789' });
  const url = await listening(host);
  expect(host.out()).toContain('  Admin key: the one set in EASEL_ADMIN_TOKEN\n');
  expect(existsSync(join(data, 'admin.key'))).toBe(false);
  const pid = Number((await readFile(join(data, 'host.pid'), 'utf8')).trim());
  expect(pid).toBe(host.child.pid);
  const tree = processesWith(marker);
  expect(tree).toContain(pid);
  expect(tree.length).toBeGreaterThanOrEqual(3);

  // Another start on the same folder and port: the line says which host holds the port.
  const second = markedPath();
  const clash = startMain({ PATH: second.PATH, HOME: home, EASEL_DATA_DIR: data, EASEL_PORT: new URL(url).port });
  expect(await clash.exited).toBe(1);
  expect(clash.err()).toBe(`easel: port ${new URL(url).port} on 127.0.0.1 is in use (the host started from ${data} is running as pid ${pid}: ./run stop stops it); stop the other process or set EASEL_PORT\n`);
  expect(processesWith(second.marker)).toEqual([]);
  expect(Number((await readFile(join(data, 'host.pid'), 'utf8')).trim())).toBe(pid);

  host.child.kill('SIGTERM');
  expect(await host.exited).toBe(0);
  expect(existsSync(join(data, 'host.pid'))).toBe(false);
  expect(processesWith(marker)).toEqual([]);
  for (const p of tree) expect(alive(p)).toBe(false);
});

test('./run stop stops the host of the data folder, says so, and handles a missing or stale pid file', { timeout: 90_000 }, async () => {
  const home = await tempDir();
  const data = join(home, 'data');
  const { PATH, marker } = markedPath();
  const host = startMain({ PATH, HOME: home, EASEL_DATA_DIR: data, EASEL_ADMIN_TOKEN: 'lifecycle-admin-token-0123456789' });
  await listening(host);
  const stop = () => promisify(execFile)(join(REPO, 'run'), ['stop'], { env: { PATH: process.env.PATH, HOME: home, EASEL_DATA_DIR: data }, cwd: home });

  const stopped = await stop();
  expect(stopped.stdout).toContain(`easel: sent SIGTERM to the host (pid ${host.child.pid})`);
  expect(stopped.stdout).toContain(`easel: the host (pid ${host.child.pid}) has stopped\n`);
  expect(await host.exited).toBe(0);
  expect(existsSync(join(data, 'host.pid'))).toBe(false);
  expect(processesWith(marker)).toEqual([]);

  expect((await stop()).stdout).toMatch(/^easel: no host to stop: .*host\.pid does not exist/);
  // A host killed outright leaves its pid file; that pid names no process now.
  const gone = startMain({ HOME: home, EASEL_DATA_DIR: join(home, 'other') });
  gone.child.kill('SIGKILL');
  await gone.exited;
  await writeFile(join(data, 'host.pid'), `${gone.child.pid}\n`);
  expect((await stop()).stdout).toMatch(/is gone; removed that stale file\n$/);
  expect(existsSync(join(data, 'host.pid'))).toBe(false);
});

test('a data folder that cannot be made is one line with the fix, exit 1', { timeout: 30_000 }, async () => {
  const home = await tempDir();
  await writeFile(join(home, 'a-file'), '');
  const data = join(home, 'a-file', 'data');
  const failed = startMain({ HOME: home, EASEL_DATA_DIR: data });
  expect(await failed.exited).toBe(1);
  expect(failed.err()).toMatch(new RegExp(`^easel: cannot use the data folder ${data}: a part of the path is a file, not a folder; make it a folder this user can write, or set EASEL_DATA_DIR to one\\n$`));
});
