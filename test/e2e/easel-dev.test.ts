/**
 * `easel dev`, the built CLI as a child process, on a copy of plugins-external/hello: it
 * starts its own host (or attaches to one with --host), loads the plugin and reloads it on
 * every save. A save serves the new code without a version bump; a syntax error or a
 * manifest/code mismatch is reported with its location and the last good code keeps serving;
 * the plugin's ctx.log lines and failed calls show in the output; SIGTERM leaves no process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { EASEL_CLI, REPO } from '../helpers/pack.ts';
import { copyPlugin, type PluginCopy } from '../helpers/plugin-copy.ts';
import { markedPath, processesWith } from '../helpers/processes.ts';
import { ADMIN_TOKEN, startHost, type RunningHost } from '../helpers/host.ts';

/** Generous: the property is that the new code answers, not how fast (the output says how fast). */
const RELOAD_BOUND_MS = 20_000;

interface Dev {
  child: ChildProcess;
  marker: string;
  output(): string;
  /** Waits until the output matches `re` (after `from`, an offset into the output); answers the match. */
  waitFor(re: RegExp, from?: number, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function startDev(args: string[], env: Record<string, string> = {}, cli = EASEL_CLI): Dev {
  const { PATH, marker } = markedPath();
  const child = spawn(process.execPath, [cli, 'dev', ...args], { env: { PATH, HOME: tmpdir(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => void (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL');
  });
  return {
    child,
    marker,
    output: () => out,
    exited,
    waitFor: (re, from = 0, timeoutMs = 30_000) =>
      vi.waitFor(
        () => {
          const m = re.exec(out.slice(from));
          if (!m) throw new Error(`no ${re} in the output of easel dev:\n${out}`);
          return m;
        },
        { timeout: timeoutMs, interval: 50 },
      ),
  };
}

async function plugin(): Promise<PluginCopy> {
  const copy = await copyPlugin('plugins-external/hello');
  cleanups.push(() => copy.remove());
  return copy;
}

async function greet(url: string, key: string, name = 'Ada'): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/v1/agents/hello/greeter/greet`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  return { status: res.status, body: await res.json() };
}

/** Polls until greeting Ada answers `message`; resolves with how long that took. */
async function answers(url: string, key: string, message: string): Promise<number> {
  const started = performance.now();
  await vi.waitFor(async () => expect((await greet(url, key)).body.output?.message).toBe(message), { timeout: RELOAD_BOUND_MS, interval: 20 });
  return performance.now() - started;
}

test('starts its own host, reloads on save, keeps the last good code on errors, shows logs, and leaves nothing behind', { timeout: 180_000 }, async () => {
  const { dir } = await plugin();
  const source = join(dir, 'src', 'index.ts');
  const original = await readFile(source, 'utf8');
  const dev = startDev([dir, '--port', '0']);

  const [, url, pid] = await dev.waitFor(/host: (http:\/\/\S+) \(local, pid (\d+)\)/, 0, 60_000);
  const hostPid = Number(pid);
  const [, appKey] = await dev.waitFor(/app key: (\S+)/);
  await dev.waitFor(/loaded hello@1\.0\.0 in \d+ ms/);
  // A ready-to-run curl per capability, with this host, the app key and an input from the schema.
  // The examples follow the 'loaded' line: wait for them rather than read the output at once.
  await dev.waitFor(new RegExp(escape(`curl -s -X POST ${url}/v1/agents/hello/greeter/greet -H 'authorization: Bearer ${appKey}' -H 'content-type: application/json' -d '{"name":"example"}'`)));
  expect(dev.output()).toContain(`${url}/v1/agents/hello/greeter/count`);
  expect((await greet(url!, appKey!, 'example')).body.output).toEqual({ message: 'Hello, example!' });

  // ctx.log lines and each call, as they happen.
  await dev.waitFor(/info  greeting someone \{"name":"example"\}/);
  await dev.waitFor(/agent greeter\/greet succeeded in \d+ ms/);

  // A save serves the new code, without a version bump.
  let mark = dev.output().length;
  await writeFile(source, original.replace("?? 'Hello'", "?? 'Howdy'"));
  const latency = await answers(url!, appKey!, 'Howdy, Ada!');
  const [, reported] = await dev.waitFor(/reloaded hello@1\.0\.0 in (\d+) ms/, mark);
  console.log(`easel dev: the new code answered ${Math.round(latency)} ms after the save; it reported ${reported} ms`);

  // A syntax error: one block with file:line:column, the line and a caret; the last good code serves.
  mark = dev.output().length;
  await writeFile(source, original.replace("?? 'Hello'", "?? 'Hola'").replace('return { message:', 'return { message: =>'));
  const errorLine = original.split('\n').findIndex((l) => l.includes('return { message:')) + 1;
  const [block] = await dev.waitFor(/✗ the build failed \(BUNDLE_INVALID\)\n.*\n.*\n.*\^\n.*keeps serving/, mark);
  expect(block).toMatch(new RegExp(`src/index\\.ts:${errorLine}:\\d+: `));
  expect((await greet(url!, appKey!)).body.output).toEqual({ message: 'Howdy, Ada!' });

  // A manifest/code mismatch the host refuses (PLUGIN_LOAD_FAILED): reported, and the last good code serves.
  // The manifest goes first, so that no state between the two saves is a good one (the source still does not build).
  mark = dev.output().length;
  const manifestFile = join(dir, 'plugin.json');
  const manifest = await readFile(manifestFile, 'utf8');
  const withWave = JSON.parse(manifest);
  withWave.agents[0].capabilities.push({ name: 'wave', description: 'not written yet', input: { type: 'object' }, output: { type: 'object' } });
  await writeFile(manifestFile, JSON.stringify(withWave, null, 2));
  await writeFile(source, original.replace("?? 'Hello'", "?? 'Hola'"));
  await dev.waitFor(/✗ the host refused hello@1\.0\.0 \(PLUGIN_LOAD_FAILED\)\n[^\n]*wave[\s\S]*keeps serving/, mark);
  expect((await greet(url!, appKey!)).body.output).toEqual({ message: 'Howdy, Ada!' });

  // Fixed: the new code serves; a call that throws shows as an error line.
  await writeFile(manifestFile, manifest);
  await writeFile(source, original.replace("?? 'Hello'", "?? 'Hi'").replace("ctx.log.info('greeting someone'", "if (input.name === 'boom') throw new Error('no booms');\n          ctx.log.info('greeting someone'"));
  await answers(url!, appKey!, 'Hi, Ada!');
  mark = dev.output().length;
  expect((await greet(url!, appKey!, 'boom')).body.code).toBe('PLUGIN_ERROR');
  await dev.waitFor(/ERROR agent greeter\/greet failed in \d+ ms PLUGIN_ERROR: .*no booms/, mark);

  // SIGTERM: the watcher and the host stop, exit 0, no process of the tree is left (the host's pid included).
  expect(processesWith(dev.marker)).toContain(hostPid);
  dev.child.kill('SIGTERM');
  expect(await dev.exited).toBe(0);
  expect(processesWith(dev.marker)).toEqual([]);
});

test('attaches to a running host with --host and --admin-key, and revokes its app key on exit', { timeout: 120_000 }, async () => {
  const { dir } = await plugin();
  const host: RunningHost = await startHost();
  cleanups.push(() => host.close());
  const dev = startDev([dir, '--host', host.url, '--admin-key', ADMIN_TOKEN]);
  const [, appKey] = await dev.waitFor(/app key: (\S+)/);
  await dev.waitFor(/loaded hello@1\.0\.0 in \d+ ms/);
  expect(dev.output()).not.toContain('starting a local host');
  await dev.waitFor(new RegExp(escape(`curl -s -X POST ${host.url}/v1/agents/hello/greeter/greet`)));
  expect((await greet(host.url, appKey!)).body.output).toEqual({ message: 'Hello, Ada!' });
  expect((await host.call('GET', '/v1/plugins/hello')).body).toMatchObject({ enabled: true, granted: { kv: true } });

  const source = join(dir, 'src', 'index.ts');
  await writeFile(source, (await readFile(source, 'utf8')).replace("?? 'Hello'", "?? 'Ahoy'"));
  await answers(host.url, appKey!, 'Ahoy, Ada!');

  dev.child.kill('SIGINT');
  expect(await dev.exited).toBe(0);
  expect(processesWith(dev.marker)).toEqual([]);
  // The host goes on serving; only the key easel dev made for its examples is gone.
  expect((await greet(host.url, appKey!)).status).toBe(401);
  expect((await host.call('GET', '/v1/plugins/hello')).body.enabled).toBe(true);
});

test('bad usage is exit 2; without a host package and without --host it says what to do', { timeout: 60_000 }, async () => {
  const { dir } = await plugin();
  const noKey = startDev([dir, '--host', 'http://127.0.0.1:9']);
  expect(await noKey.exited).toBe(2);
  expect(noKey.output()).toContain('--host needs --admin-key');

  // @easel/sdk as an author gets it from a registry: its files and its bundled dependencies, no @easel/host.
  const project = await mkdtemp(join(tmpdir(), 'easel-sdk-only-'));
  cleanups.push(() => rm(project, { recursive: true, force: true }));
  const sdk = join(project, 'node_modules', '@easel', 'sdk');
  await mkdir(sdk, { recursive: true });
  for (const part of ['package.json', 'bin', 'dist']) await cp(join(REPO, 'sdk', part), join(sdk, part), { recursive: true });
  for (const dep of ['isolated-vm', 'esbuild', 'esbuild-wasm']) await symlink(join(REPO, 'node_modules', dep), join(project, 'node_modules', dep), 'dir');
  const alone = startDev([dir], {}, join(sdk, 'bin', 'easel.js'));
  expect(await alone.exited).toBe(1);
  expect(alone.output()).toContain('no local host: pass --host URL --admin-key KEY, or run `./run start` in an Easel checkout');
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
