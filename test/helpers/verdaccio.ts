/**
 * A real verdaccio (the root devDependency) on 127.0.0.1 for host tests: a child process of
 * the test, with a generated config in a temp folder (storage, htpasswd auth, no uplinks,
 * `'**'` readable by all and publishable by authenticated users) and one user created with
 * `PUT /-/user/org.couchdb.user:NAME`.
 *
 * The child runs verdaccio's programmatic `runServer` and listens on port 0, then reports
 * the port it got over IPC, so there is no free-port race. It exits when told to (SIGTERM)
 * or when the test process goes away (the IPC channel closes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface RunningVerdaccio {
  url: string;
  dir: string;
  user: string;
  token: string;
  /** A JSON request against verdaccio (with the user's token unless `token` is null). */
  request(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: any }>;
  /**
   * Publishes a tarball with the body `npm publish` sends (like the Easel registry helper's
   * `publish`), without any of npm's own checks: `manifest` is the version document.
   */
  publishRaw(manifest: { name: string; version: string } & Record<string, unknown>, tarball: Buffer): Promise<{ status: number; body: any }>;
  /** Everything the child wrote (its log), for failure messages. */
  output(): string;
  close(): Promise<void>;
}

export interface VerdaccioOptions {
  /** How long the child may take to listen; default 20 s. */
  startTimeoutMs?: number;
  /** verdaccio's `max_body_size`; default 100mb (a publish body is base64, ~4/3 of the tarball). */
  maxBodySize?: string;
}

// Runs inside the child: argv-free, everything through the environment.
const CHILD = `
const { runServer } = await import(process.env.VERDACCIO_ENTRY);
const server = await runServer(process.env.VERDACCIO_CONFIG);
const stop = () => { server.closeAllConnections?.(); server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 2000).unref(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
server.on('error', (err) => { console.error('verdaccio listen error:', err); process.exit(2); });
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
`;

/** verdaccio's ESM entry, from the root devDependency. */
const ENTRY = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('verdaccio/package.json')), 'build', 'index.mjs')).href;

const USER = 'easel-tester';
const PASSWORD = 'correct horse battery staple';

export async function startVerdaccio(options: VerdaccioOptions = {}): Promise<RunningVerdaccio> {
  const dir = await mkdtemp(join(tmpdir(), 'easel-verdaccio-'));
  // YAML is a superset of JSON; verdaccio parses a .yaml config as YAML (others it require()s, deprecated).
  const config = {
    storage: join(dir, 'storage'),
    auth: { htpasswd: { file: join(dir, 'htpasswd'), max_users: 10 } },
    uplinks: {},
    packages: { '**': { access: '$all', publish: '$authenticated', unpublish: '$authenticated' } },
    web: { enable: false },
    max_body_size: options.maxBodySize ?? '100mb',
    log: { type: 'stdout', format: 'json', level: 'warn' },
  };
  const configPath = join(dir, 'config.yaml');
  await writeFile(configPath, JSON.stringify(config, null, 2));

  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-20_000);
  };
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      NODE_ENV: 'production',
      VERDACCIO_ENTRY: ENTRY,
      VERDACCIO_CONFIG: configPath,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  let port: number;
  try {
    port = await waitForPort(child, options.startTimeoutMs ?? 20_000, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;

  let token = '';
  const request = async (method: string, path: string, body?: unknown, auth?: string | null) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const bearer = auth === undefined ? token : auth;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const res = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as any };
  };

  try {
    const user = await request('PUT', `/-/user/org.couchdb.user:${USER}`, { _id: `org.couchdb.user:${USER}`, name: USER, password: PASSWORD, type: 'user', roles: [] }, null);
    if (user.status !== 201 || typeof user.body?.token !== 'string') throw new Error(`verdaccio user: ${user.status} ${JSON.stringify(user.body)}`);
    token = user.body.token;
  } catch (error) {
    await stop();
    throw new Error(`verdaccio started at ${url} but creating a user failed: ${(error as Error).message}\n${log}`);
  }

  return {
    url,
    dir,
    user: USER,
    token,
    request,
    async publishRaw(manifest, tarball) {
      const { name, version } = manifest;
      const file = `${name.startsWith('@') ? name.split('/')[1] : name}-${version}.tgz`;
      const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
      const shasum = createHash('sha1').update(tarball).digest('hex');
      return request('PUT', `/${encodeURIComponent(name).replace(/^%40/, '@')}`, {
        _id: name,
        name,
        'dist-tags': { latest: version },
        versions: { [version]: { ...manifest, _id: `${name}@${version}`, dist: { integrity, shasum, tarball: `${url}/${name}/-/${file}` } } },
        _attachments: { [file]: { content_type: 'application/octet-stream', data: tarball.toString('base64'), length: tarball.length } },
      });
    },
    output: () => log,
    close: stop,
  };
}

function waitForPort(child: ChildProcess, timeoutMs: number, log: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      cleanup();
      reject(new Error(`verdaccio did not start: ${why}\n--- its output ---\n${log()}`));
    };
    const timer = setTimeout(() => fail(`no port within ${timeoutMs} ms`), timeoutMs);
    const onMessage = (m: unknown) => {
      const port = (m as { port?: unknown })?.port;
      if (typeof port === 'number') {
        cleanup();
        resolve(port);
      }
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited (code ${code}, signal ${signal})`);
    const onError = (error: Error) => fail(`could not spawn: ${error.message}`);
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
