/**
 * `./run start --with-registry`: makes the local registry the normal path for the quick start.
 * Starts Easel's registry in the background (once; `./run stop` stops it too), makes sure the
 * SDK, the Bedrock emulator and every first-party plugin are published there (each version only when missing),
 * then prints two lines for the run script: the registry's URL and its trusted keys (JSON),
 * which the host gets as EASEL_REGISTRY_URL and EASEL_REGISTRY_TRUSTED_KEYS.
 *
 * State lives in <data>/registry: the registry's own data, its pid and log, and the local
 * publisher account (publisher.json, mode 0600) that owns what this script publishes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { packWorkspace } from './pack-workspace.ts';

const REPO = resolve(import.meta.dirname, '..');
const dataDir = resolve(process.env.EASEL_DATA_DIR ?? join(REPO, 'data'));
const dir = join(dataDir, 'registry');
const port = Number(process.env.EASEL_LOCAL_REGISTRY_PORT ?? 4873);
const url = `http://127.0.0.1:${port}`;
const START_TIMEOUT_MS = 30_000;

const say = (line: string) => process.stderr.write(`registry: ${line}\n`);

interface Publisher {
  name: string;
  password: string;
  token?: string;
}

mkdirSync(dir, { recursive: true, mode: 0o700 });
await ensureRunning();
const publisher = await ensurePublisher();
await ensureLibrary('sdk', publisher);
await ensureLibrary('bedrock-emulator', publisher);
for (const plugin of firstPartyFolders()) await ensurePlugin(plugin, publisher);
const keys = (await (await fetch(`${url}/-/npm/v1/keys`)).json()) as { keys: unknown[] };
process.stdout.write(`${url}\n${JSON.stringify(keys.keys)}\n`);

async function ping(): Promise<boolean> {
  try {
    return (await fetch(`${url}/-/ping`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

async function ensureRunning(): Promise<void> {
  if (await ping()) return;
  const log = openSync(join(dir, 'registry.log'), 'a');
  const child = spawn(process.execPath, [join(REPO, 'registry/src/main.ts')], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, EASEL_REGISTRY_DATA_DIR: join(dir, 'data'), EASEL_REGISTRY_PORT: String(port), EASEL_REGISTRY_HOST: '127.0.0.1' },
  });
  child.unref();
  writeFileSync(join(dir, 'registry.pid'), `${child.pid}\n`);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await ping())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      say(`did not start on ${url}; its log: ${join(dir, 'registry.log')} (is port ${port} taken? set EASEL_LOCAL_REGISTRY_PORT)`);
      process.exit(1);
    }
    await sleep(200);
  }
  say(`started on ${url} (pid ${child.pid}, log ${join(dir, 'registry.log')})`);
}

/** The local publisher account: created at first use, its token kept beside its password. */
async function ensurePublisher(): Promise<Required<Publisher>> {
  const file = join(dir, 'publisher.json');
  const saved: Publisher = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { name: 'easel-local', password: randomBytes(18).toString('base64url') };
  if (saved.token) {
    const who = await fetch(`${url}/-/whoami`, { headers: { authorization: `Bearer ${saved.token}` } });
    if (who.ok) return saved as Required<Publisher>;
  }
  const res = await fetch(`${url}/-/user/org.couchdb.user:${saved.name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _id: `org.couchdb.user:${saved.name}`, name: saved.name, password: saved.password, type: 'user', roles: [] }),
  });
  const body = (await res.json()) as { token?: string; message?: string };
  if (!body.token) {
    say(`cannot log in as ${saved.name}: ${res.status} ${body.message ?? ''}`);
    process.exit(1);
  }
  const publisher = { ...saved, token: body.token };
  writeFileSync(file, JSON.stringify(publisher, null, 2), { mode: 0o600 });
  return publisher;
}

async function published(name: string, version: string): Promise<boolean> {
  const res = await fetch(`${url}/${encodeURIComponent(name)}`, { headers: { accept: 'application/json' } });
  if (res.status === 404) return false;
  const doc = (await res.json()) as { versions?: Record<string, unknown> };
  return Boolean(doc.versions?.[version]);
}

function npmEnv(token: string, home: string): NodeJS.ProcessEnv {
  const npmrc = join(home, 'npmrc');
  writeFileSync(npmrc, `registry=${url}/\n//127.0.0.1:${port}/:_authToken=${token}\n`, { mode: 0o600 });
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));
  return { ...env, npm_config_userconfig: npmrc, npm_config_cache: join(home, 'cache'), npm_config_update_notifier: 'false' };
}

/** A package as authors install it: `npm pack -w <workspace>`, then `npm publish` of that tarball. */
async function ensureLibrary(workspace: 'sdk' | 'bedrock-emulator', publisher: Required<Publisher>): Promise<void> {
  const { name, version } = JSON.parse(readFileSync(join(REPO, workspace, 'package.json'), 'utf8')) as { name: string; version: string };
  if (await published(name, version)) return;
  say(`publishing ${name}@${version} (npm pack -w ${workspace}, then npm publish) …`);
  const temp = mkdtempSync(join(tmpdir(), 'easel-library-publish-'));
  try {
    const env = npmEnv(publisher.token, temp);
    const tarball = packWorkspace(workspace, temp, env);
    execFileSync('npm', ['publish', tarball, '--registry', `${url}/`], { cwd: temp, env, stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

function firstPartyFolders(): string[] {
  const root = join(REPO, 'plugins-external');
  return readdirSync(root)
    .filter((f) => existsSync(join(root, f, 'plugin.json')))
    .sort()
    .map((f) => join(root, f));
}

/** A first-party plugin, published the way an author publishes: `easel publish`. */
async function ensurePlugin(folder: string, publisher: Required<Publisher>): Promise<void> {
  const { name, version } = JSON.parse(readFileSync(join(folder, 'plugin.json'), 'utf8')) as { name: string; version: string };
  if (await published(name, version)) return;
  execFileSync(process.execPath, [join(REPO, 'sdk/bin/easel.js'), 'publish', folder, '--registry', url], {
    env: { ...process.env, EASEL_REGISTRY_TOKEN: publisher.token },
    // Standard output carries this script's answer to the run script: the CLI talks on stderr.
    stdio: ['ignore', 2, 2],
  });
}
