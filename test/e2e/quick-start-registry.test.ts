/**
 * `./run start --with-registry`, as its two halves run: scripts/local-registry.ts (a real
 * process) starts the local registry in the background and publishes the SDK and the
 * first-party plugins there; the host, given what the script printed, installs the
 * first-party plugins by range from that registry and enables them. A second run publishes
 * nothing again. The registry is stopped through its pid file, as `./run stop` does. A newcomer's
 * first start then answers every workflow the first-party plugins offer.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:http2';
import { freePort } from '../helpers/free-port.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startChildHost, type ChildHost } from '../helpers/child-host.ts';
import { REPO } from '../helpers/pack.ts';

const run = promisify(execFile);

/** The local registry's port, chosen by the first test; the second installs from it. */
let registryPort = '';

describe('the quick start with the local registry', () => {
  let dataDir: string;
  let host: ChildHost | undefined;

  afterAll(async () => {
    await host?.close();
    const pid = Number((await readFile(join(dataDir, 'registry/registry.pid'), 'utf8').catch(() => '')).trim());
    if (pid) process.kill(pid, 'SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('publishes the SDK and the first-party plugins once; the host installs them from the registry', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'easel-quick-start-'));
    registryPort = String(await freePort());
    const env = { ...process.env, EASEL_DATA_DIR: dataDir, EASEL_LOCAL_REGISTRY_PORT: registryPort };
    const first = await run(process.execPath, [join(REPO, 'scripts/local-registry.ts')], { cwd: REPO, env, timeout: 400_000 });
    const [url, keys] = first.stdout.trim().split('\n');
    expect(url).toBe(`http://127.0.0.1:${env.EASEL_LOCAL_REGISTRY_PORT}`);
    expect(JSON.parse(keys!)).toEqual([expect.objectContaining({ keyid: expect.any(String), key: expect.any(String) })]);
    expect((await readFile(join(dataDir, 'registry/publisher.json'), 'utf8')).length).toBeGreaterThan(0);

    const firstParty = (await readdir(join(REPO, 'plugins-external'))).sort();
    const sdk = (await (await fetch(`${url}/@easel%2fsdk`)).json()) as { versions: Record<string, unknown> };
    const { version: sdkVersion } = JSON.parse(await readFile(join(REPO, 'sdk/package.json'), 'utf8')) as { version: string };
    expect(Object.keys(sdk.versions)).toEqual([sdkVersion]);
    for (const name of firstParty) expect((await fetch(`${url}/${name}`)).status).toBe(200);
    expect((await fetch(`${url}/@easel%2fbedrock-emulator`)).status).toBe(200);

    // Again: everything is there already, so nothing is packed or published.
    const second = await run(process.execPath, [join(REPO, 'scripts/local-registry.ts')], { cwd: REPO, env, timeout: 120_000 });
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).not.toContain('publishing');

    host = await startChildHost({
      env: { EASEL_FIRST_PARTY_PLUGINS: 'true', EASEL_FIRST_PARTY_SOURCE: 'registry', EASEL_REGISTRY_URL: url!, EASEL_REGISTRY_TRUSTED_KEYS: keys! },
      startTimeoutMs: 120_000,
    });
    const listed = await host.call('GET', '/v1/plugins');
    expect(listed.status).toBe(200);
    const plugins = listed.body.plugins as { name: string; enabled: boolean; source?: unknown }[];
    for (const name of firstParty) expect(plugins.find((p) => p.name === name)).toMatchObject({ enabled: true });
    // Installed from the registry: the install record names its tarball's integrity, as the registry serves it.
    const canvas = (await (await fetch(`${url}/canvas`)).json()) as { 'dist-tags': { latest: string }; versions: Record<string, { dist: { integrity: string } }> };
    const installed = await host.call('GET', '/v1/plugins/canvas');
    expect(installed.body.integrity).toBe(canvas.versions[canvas['dist-tags'].latest]!.dist.integrity);

    // A newcomer's first start can call every workflow the first-party plugins offer.
    const app: string = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'newcomer' } })).body.key;
    const post = await host.call('POST', '/v1/workflows/post-creation/executions?wait=true', { key: app, body: { title: 'Hello, Easel' } });
    expect(post.status, JSON.stringify(post.body)).toBe(200);
    const postId: string = post.body.output.postId;
    const concept = { title: 'Star Dodger', summary: 'Dodge falling stars with a tiny ship' };
    const inputs: Record<string, unknown> = {
      canvas: { keywords: 'lighthouse', size: '512x512' },
      'post-creation': { title: '첫 글', useCanvas: true, canvasConfig: { keyword: 'a sunrise', imageCount: 1 } },
      'post-enhancement': { postId, type: 'hashtags' },
      'post-illustration': { postId, keyword: 'a sunset' },
      'game-concept-creation': { idea: 'A cozy farming game where crops grow from songs' },
      'asset-creation': { concept, maxSprites: 1 },
      'code-generation': { concept },
      content: { topic: 'a lighthouse keeper who befriends a storm' },
    };
    const listedWorkflows = (await host.call('GET', '/v1/workflows', { key: app })).body.workflows as { type: string; plugin: string }[];
    const offered = listedWorkflows.filter((w) => w.plugin !== 'hello').map((w) => w.type).sort();
    expect(offered).toEqual(Object.keys(inputs).sort());
    for (const [type, input] of Object.entries(inputs)) {
      const res = await host.call('POST', `/v1/workflows/${type}/executions?wait=true`, { key: app, body: input });
      expect(res.status, `${type}: ${JSON.stringify(res.body).slice(0, 500)}`).toBe(200);
    }
  }, 600_000);

  it('the emulator installs from that registry alone and answers a Converse call', async () => {
    const url = `http://127.0.0.1:${registryPort}`;
    const folder = await mkdtemp(join(tmpdir(), 'easel-emulator-user-'));
    try {
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));
      await writeFile(join(folder, 'package.json'), JSON.stringify({ name: 'aws-sdk-user', private: true }));
      const install = await run('npm', ['i', '@easel/bedrock-emulator', '--registry', `${url}/`, '--cache', join(folder, '.cache'), '--no-audit', '--no-fund'], { cwd: folder, env, timeout: 120_000 });
      expect(install.stderr).not.toMatch(/ERR!/);
      const child = spawn(join(folder, 'node_modules/.bin/easel-bedrock-emulator'), ['--port', '0'], { cwd: folder, env, stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const endpoint = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /http:\/\/\S+/.exec(out);
            if (m) resolve(m[0]);
          });
          child.once('exit', (code) => reject(new Error(`the emulator exited ${code}`)));
        });
        const answer = await converse(endpoint, 'apac.amazon.nova-micro-v1:0', 'Hello');
        expect(answer.output.message.content[0].text.length).toBeGreaterThan(0);
        expect(answer.usage.inputTokens).toBeGreaterThan(0);
      } finally {
        child.kill('SIGTERM');
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 180_000);
});

/** One Converse call over cleartext HTTP/2, as the AWS SDK makes it (the emulator checks no signature). */
function converse(endpoint: string, modelId: string, text: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const session = connect(endpoint);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': `/model/${encodeURIComponent(modelId)}/converse`, 'content-type': 'application/json' });
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      session.close();
      try {
        resolve(JSON.parse(body));
      } catch (err) {
        reject(new Error(`not JSON: ${body}`, { cause: err }));
      }
    });
    req.end(JSON.stringify({ messages: [{ role: 'user', content: [{ text }] }] }));
  });
}
