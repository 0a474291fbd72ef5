/**
 * `easel dev [dir]`: the author's inner loop. Runs the plugin on a host (one it starts on
 * embedded defaults, or one named with --host), reloads it on every save, prints `curl`
 * examples, and streams its log lines and calls until Ctrl-C.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { CliIo } from '../io.ts';
import type { Command, CommandValues } from '../command.ts';
import { DevSession } from './dev-session.ts';
import { HostClient, HostError } from './host-client.ts';
import { findHostCommand, NO_LOCAL_HOST, startLocalHost, type LocalHost } from './local-host.ts';
import { ReloadQueue, watchPluginFolder } from './watch.ts';

/** Port of the host `easel dev` starts, unless --port says otherwise (0: any free port). */
export const DEFAULT_DEV_PORT = 8787;
/** Saves within this many ms make one reload (editors write a file in several steps). */
const DEBOUNCE_MS = 40;

export const devCommand: Command = {
  usage: 'dev [dir] [--host <url> --admin-key <key>] [--port <n>]',
  summary: 'run the plugin on a host, reload it on every save, stream its logs',
  options: {
    host: { type: 'string' },
    'admin-key': { type: 'string' },
    port: { type: 'string' },
    'host-command': { type: 'string' },
  },
  positionals: [0, 1],
  run: ([dir = '.'], values, io) => dev(dir, values, io),
};

interface Target {
  url: string;
  adminKey: string;
  local?: LocalHost;
}

async function dev(dir: string, values: CommandValues, io: CliIo): Promise<number> {
  const root = resolve(dir);
  if (!existsSync(join(root, 'plugin.json'))) {
    io.err(`easel: no plugin.json in ${root}`);
    return 1;
  }
  const options = devOptions(values);
  if (typeof options === 'string') {
    io.err(`easel: ${options}`);
    io.err(`Usage: easel ${devCommand.usage}`);
    return 2;
  }
  const stop = stopSignals();
  let target: Target | undefined;
  let client: HostClient | undefined;
  let session: DevSession | undefined;
  let watcher: { close(): void } | undefined;
  let queue: ReloadQueue | undefined;
  try {
    target = options.host ? { url: options.host, adminKey: options.adminKey! } : await startHost(root, options, io);
    if (!target) return 1;
    if (stop.fired) return 0;
    client = new HostClient(target.url);
    session = new DevSession(root, client, target.adminKey, io);
    const appKey = await session.open().catch((err: unknown) => {
      io.err(`easel: cannot use the host at ${target!.url}: ${err instanceof HostError ? `${err.code}: ${err.message}` : (err as Error).message}`);
      return undefined;
    });
    if (appKey === undefined) return 1;
    io.out(`app key: ${appKey}`);
    await session.reload(performance.now());
    queue = new ReloadQueue((since) => session!.reload(since), DEBOUNCE_MS);
    watcher = await watchPluginFolder(root, () => queue!.changed());
    io.out(`watching ${root} (Ctrl-C to stop)`);
    const ended = await Promise.race([stop.stopped.then(() => 'signal' as const), target.local?.exited.then(() => 'host' as const) ?? new Promise<never>(() => {})]);
    if (ended === 'host') {
      io.err('easel: the local host exited; stopping');
      return 1;
    }
    return 0;
  } finally {
    watcher?.close();
    queue?.close();
    await queue?.idle();
    await session?.close();
    client?.close();
    if (target?.local) {
      io.out('stopping the local host');
      await target.local.stop();
    }
    stop.dispose();
  }
}

interface DevOptions {
  host?: string;
  adminKey?: string;
  port: number;
  hostCommand?: string;
}

/** The options, with EASEL_HOST (when it is a URL), EASEL_ADMIN_KEY and EASEL_HOST_COMMAND; a string says what is wrong. */
function devOptions(values: CommandValues): DevOptions | string {
  const str = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  // EASEL_HOST is also the host's own listen address (127.0.0.1): only a URL names a host to attach to.
  const envHost = process.env.EASEL_HOST && /^https?:\/\//.test(process.env.EASEL_HOST) ? process.env.EASEL_HOST : undefined;
  const host = str('host') ?? envHost;
  const adminKey = str('admin-key') ?? (process.env.EASEL_ADMIN_KEY || undefined);
  if (host !== undefined) {
    try {
      const url = new URL(host);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return `--host must be an http or https URL, not ${host}`;
    } catch {
      return `--host must be a URL such as http://127.0.0.1:8080, not ${host}`;
    }
    if (adminKey === undefined) return '--host needs --admin-key (or EASEL_ADMIN_KEY): uploading and enabling a plugin takes an admin key';
    if (str('port') !== undefined) return '--port applies to the host easel dev starts, not to one named with --host';
  } else if (str('admin-key') !== undefined) {
    return '--admin-key goes with --host; the host easel dev starts gets a key of its own';
  }
  const portText = str('port') ?? String(DEFAULT_DEV_PORT);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) return `--port must be a port number (0 to 65535), not ${portText}`;
  return { ...(host ? { host, adminKey } : {}), port, hostCommand: str('host-command') ?? (process.env.EASEL_HOST_COMMAND || undefined) };
}

/** Starts the local host with its data in `<plugin>/.easel/dev-data`; undefined (after saying why) when it cannot. */
async function startHost(root: string, options: DevOptions, io: CliIo): Promise<Target | undefined> {
  const command = findHostCommand(options.hostCommand);
  if (!command) {
    io.err(`easel: ${NO_LOCAL_HOST}`);
    return undefined;
  }
  const easelDir = join(root, '.easel');
  const dataDir = join(easelDir, 'dev-data');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // The host's data is nobody's source: keep it out of the author's commits.
  if (!existsSync(join(easelDir, '.gitignore'))) await writeFile(join(easelDir, '.gitignore'), '*\n');
  io.out(`starting a local host (data in ${relative(process.cwd(), dataDir) || dataDir})`);
  try {
    const local = await startLocalHost(command, { dataDir, port: options.port, io });
    io.out(`host: ${local.url} (local, pid ${local.pid})`);
    return { url: local.url, adminKey: local.adminKey, local };
  } catch (err) {
    io.err(`easel: the local host did not start: ${(err as Error).message}`);
    return undefined;
  }
}

/** The first SIGINT or SIGTERM: `stopped` resolves, `fired` turns true. Further signals are ignored while stopping. */
function stopSignals(): { stopped: Promise<void>; readonly fired: boolean; dispose(): void } {
  let fired = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  const onSignal = () => {
    fired = true;
    resolveStopped();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopped,
    get fired() {
      return fired;
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
