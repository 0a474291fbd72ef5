/**
 * The host `easel dev` starts when it is not pointed at one: the `@easel/host` package next
 * to this SDK (an Easel checkout) or a command the author names, run on embedded defaults
 * (SQLite, blobs in a folder, the Bedrock emulator) with its data in the plugin folder. It
 * runs in a process group of its own, so a Ctrl-C reaches `easel dev` alone, which then
 * stops the host and everything the host started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../io.ts';

export const NO_LOCAL_HOST = 'no local host: pass --host URL --admin-key KEY, or run `./run start` in an Easel checkout';

/** How to start a host: a Node script run with `--no-node-snapshot`, or a shell command. */
export type HostCommand = { kind: 'script'; path: string } | { kind: 'shell'; command: string };

export interface LocalHostOptions {
  dataDir: string;
  port: number;
  io: CliIo;
}

export interface LocalHost {
  url: string;
  adminKey: string;
  pid: number;
  /** Settles when the host process exits, whoever stopped it. */
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL to its whole process group if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Longest wait for the host to say where it listens. */
const START_TIMEOUT_MS = 60_000;
/** Output kept for the message of a start that failed. */
const MAX_OUTPUT = 16 * 1024;
const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** `--host-command` or EASEL_HOST_COMMAND when given, else the host package installed beside this SDK, else undefined. */
export function findHostCommand(override: string | undefined): HostCommand | undefined {
  if (override !== undefined && override !== '') return { kind: 'shell', command: override };
  let path: string;
  try {
    path = fileURLToPath(import.meta.resolve('@easel/host/main'));
  } catch {
    return undefined;
  }
  return existsSync(path) ? { kind: 'script', path } : undefined;
}

/** Starts the host and resolves once it listens; rejects with its last output when it exits first. */
export async function startLocalHost(command: HostCommand, options: LocalHostOptions): Promise<LocalHost> {
  const adminKey = `esl_dev_${randomBytes(24).toString('base64url')}`;
  const env = hostEnv(options, adminKey);
  const child =
    command.kind === 'script'
      ? spawn(process.execPath, ['--no-node-snapshot', command.path], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(command.command, { env, shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A CLI that ends any other way (an uncaught error) still takes its host with it.
  const killGroup = () => signalGroup(child, 'SIGKILL');
  process.once('exit', killGroup);
  void exited.then(() => process.off('exit', killGroup));

  let output = '';
  let url: string | undefined;
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the host did not start within ${START_TIMEOUT_MS / 1000} s:\n${output}`)), START_TIMEOUT_MS);
    const onLine = (line: string, stream: 'stdout' | 'stderr') => {
      if (url === undefined) {
        output = `${output}${line}\n`.slice(-MAX_OUTPUT);
        const found = /listening on (https?:\/\/\S+)/.exec(line)?.[1];
        if (found === undefined) return;
        url = found;
        clearTimeout(timer);
        resolve(found);
      } else {
        relay(line, stream, options.io);
      }
    };
    lines(child, onLine);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the host exited before it listened:\n${output.trim()}`));
    });
  });
  try {
    await listening;
  } catch (error) {
    signalGroup(child, 'SIGKILL');
    await exited;
    throw error;
  }
  return {
    url: url!,
    adminKey,
    pid: child.pid!,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) {
        // The host closes its sandbox workers and emulator itself on SIGTERM; a shell is not
        // the host, so its whole group is told.
        if (command.kind === 'script') child.kill('SIGTERM');
        else signalGroup(child, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // Whatever the host left behind in its group (it was killed, say) goes too.
      signalGroup(child, 'SIGKILL');
    },
  };
}

/** Embedded defaults: none of the author's EASEL_* settings, a data folder of its own, emulated models. */
function hostEnv(options: LocalHostOptions, adminKey: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('EASEL_')) env[name] = value;
  return {
    ...env,
    EASEL_HOST: '127.0.0.1',
    EASEL_PORT: String(options.port),
    EASEL_DATA_DIR: options.dataDir,
    EASEL_ADMIN_TOKEN: adminKey,
    EASEL_LOG_LEVEL: 'warn',
    EASEL_FIRST_PARTY_PLUGINS: 'false',
    EASEL_BEDROCK_MODE: 'emulator',
    EASEL_SANDBOX_WORKERS: '1',
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Gone already.
  }
}

/** Calls `onLine` with each line the child writes to stdout or stderr. */
function lines(child: ChildProcess, onLine: (line: string, stream: 'stdout' | 'stderr') => void): void {
  for (const [name, stream] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const part of parts) onLine(part, name);
    });
  }
}

/**
 * After the start: the host's own warnings and errors (pino JSON lines on stdout) as one
 * readable line each, and anything on stderr as it is. The start banner is not repeated.
 */
function relay(line: string, stream: 'stdout' | 'stderr', io: CliIo): void {
  if (line.trim() === '') return;
  let entry: { level?: number; msg?: string; source?: string; err?: { message?: string } } | undefined;
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    entry = undefined;
  }
  if (entry === undefined || typeof entry !== 'object' || entry === null) return stream === 'stderr' ? io.err(`host: ${line}`) : undefined;
  // The plugin's own lines come through its log stream already.
  if (entry.source === 'plugin') return;
  const level = PINO_LEVELS[entry.level ?? 0] ?? 'log';
  io.err(`host ${level}: ${entry.msg ?? ''}${entry.err?.message ? ` (${entry.err.message})` : ''}`);
}
