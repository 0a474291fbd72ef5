/**
 * An outside author, end to end, with real processes and nothing from this repository but
 * what a registry serves: the built SDK is packed with `npm pack -w sdk` and published to a
 * real Easel registry; in a temp folder outside the repository the real `npm` client installs
 * it from that registry alone (an empty cache), `easel init` scaffolds a plugin, the author
 * edits its agent and runs its test with the test kit, `easel validate`, gets a token over
 * HTTP with a user name and password, `easel publish`es; then a host installs the plugin by
 * range from the registry and an app calls it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NpmCli } from '../registry/npm-cli.ts';
import { startChildHost, type ChildHost } from '../helpers/child-host.ts';
import { REPO } from '../helpers/pack.ts';
import { startRegistry, type RunningRegistry } from '../helpers/registry.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end with a time bound; the environment has no npm_config_* of ours. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const PASSWORD = 'correct horse battery';

describe('an outside author, from an empty folder to an app calling their plugin', () => {
  let registry: RunningRegistry;
  let npm: NpmCli;
  let work: string;
  let author: string;
  let env: NodeJS.ProcessEnv;
  let host: ChildHost | undefined;

  beforeAll(async () => {
    registry = await startRegistry();
    npm = await NpmCli.create(registry.url);
    work = await mkdtemp(join(tmpdir(), 'easel-outside-'));
    author = join(work, 'my-agent');
    // The author's shell: HOME of their own (their ~/.npmrc), no npm_config_* from the test runner.
    env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k) && !k.startsWith('EASEL_')));
    env.HOME = work;
    env.NO_COLOR = '1';
  }, 60_000);

  afterAll(async () => {
    await host?.close();
    await npm?.close();
    await registry?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the SDK packs with npm pack -w sdk and publishes to the registry as a library package', async () => {
    // `npm pack -w sdk`, in a scratch copy of the workspace so the rebuild it makes never
    // pulls sdk/dist away from the tests running beside this one.
    const packed = await run(process.execPath, [join(REPO, 'scripts/pack-workspace.ts'), 'sdk', work], REPO, env, 300_000);
    expect(packed.code, packed.stderr).toBe(0);
    const tarball = packed.stdout.trim();
    await npm.setToken(registry.token);
    const published = await npm.run(['publish', tarball], { timeoutMs: 120_000 });
    expect(published.code, published.stderr).toBe(0);
    const view = await npm.run(['view', '@easel/sdk', 'bin.easel', 'engines.easel', 'bundleDependencies', '--json']);
    expect(view.code, view.stderr).toBe(0);
    expect(JSON.parse(view.stdout)).toMatchObject({ 'bin.easel': './bin/easel.js', 'engines.easel': expect.any(String), bundleDependencies: ['esbuild-wasm', 'isolated-vm'] });
  }, 420_000);

  it('npm i -D @easel/sdk from that registry alone, into an empty folder outside the repository', async () => {
    await run('mkdir', ['-p', author], work, env);
    await writeFile(join(author, '.npmrc'), `registry=${registry.url}/\n`);
    const install = await run('npm', ['init', '-y'], author, env);
    expect(install.code, install.stderr).toBe(0);
    // A fresh cache: the only source of packages is the registry.
    const i = await run('npm', ['i', '-D', '@easel/sdk', '--cache', join(work, 'npm-cache'), '--no-audit', '--no-fund'], author, env, 300_000);
    expect(i.code, i.stderr).toBe(0);
    const version = await run('npx', ['easel', '--version'], author, env);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    // Plain Node 24 runs it: no TypeScript under node_modules.
    expect((await readdir(join(author, 'node_modules/@easel/sdk/dist'))).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  }, 360_000);

  it('easel init, an edited agent, its own test with the test kit, and easel validate', async () => {
    const init = await run('npx', ['easel', 'init', 'my-agent', '--dir', '.', '--permissions', 'kv'], author, env);
    expect(init.code, init.stderr).toBe(0);
    const source = join(author, 'src/index.ts');
    const edited = (await readFile(source, 'utf8')).replace('`You said: ${input.message}`', '`Echo from my agent: ${input.message.toUpperCase()}`');
    expect(edited).toContain('Echo from my agent');
    await writeFile(source, edited);
    const testFile = join(author, 'test/index.test.ts');
    await writeFile(testFile, (await readFile(testFile, 'utf8')).replace("'You said: Hello'", "'Echo from my agent: HELLO'"));
    const test = await run('npm', ['test'], author, env, 180_000);
    expect(test.code, `${test.stdout}\n${test.stderr}`).toBe(0);
    expect(test.stdout).toMatch(/pass [1-9]/);
    const validate = await run('npx', ['easel', 'validate'], author, env);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout.trim()).toBe('ok: my-agent@0.1.0');
  }, 300_000);

  it('a token over HTTP from a user name and password, then easel publish', async () => {
    const res = await fetch(`${registry.url}/-/npm/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ password: PASSWORD }),
    });
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as { token: string };
    // As in CI: the token in an environment variable, the .npmrc line refers to it.
    const host = new URL(registry.url).host;
    await writeFile(join(author, '.npmrc'), `registry=${registry.url}/\n//${host}/:_authToken=\${MY_REGISTRY_TOKEN}\n`);
    const publish = await run('npx', ['easel', 'publish'], author, { ...env, MY_REGISTRY_TOKEN: token }, 120_000);
    expect(publish.code, publish.stderr).toBe(0);
    expect(publish.stdout.trim()).toMatch(new RegExp(`^\\+ my-agent@0\\.1\\.0 sha512-\\S+ \\S+ k?B ${registry.url}/my-agent$`));
    const view = await npm.run(['view', 'my-agent', 'version']);
    expect(view.stdout.trim()).toBe('0.1.0');
  }, 180_000);

  it('a host installs it by range from the registry, and an app calls it', async () => {
    host = await startChildHost({ env: { EASEL_REGISTRY_URL: registry.url, EASEL_REGISTRY_TRUSTED_KEYS: await registry.trustedKeys(), EASEL_FIRST_PARTY_PLUGINS: 'false' } });
    const install = await host.call('POST', '/v1/plugins/install', { body: { name: 'my-agent', range: '^0.1.0', grant: 'requested' } });
    expect(install.status, JSON.stringify(install.body)).toBeLessThan(300);
    const key = await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'outside author e2e' } });
    expect(key.status).toBe(201);
    const first = await host.call('POST', '/v1/agents/my-agent/assistant/reply', { key: key.body.key, body: { message: 'hi' } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.output).toEqual({ reply: 'Echo from my agent: HI', count: 1 });
    const second = await host.call('POST', '/v1/agents/my-agent/assistant/reply', { key: key.body.key, body: { message: 'again' } });
    expect(second.body.output.count).toBe(2);
  }, 120_000);
});
