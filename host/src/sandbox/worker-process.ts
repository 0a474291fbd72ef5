/**
 * One sandbox worker process, seen from the HTTP process: spawn with `--no-node-snapshot`
 * and a minimal environment (no host secrets), framed JSON on fd 3 with a size cap, stderr
 * kept as a short tail for crash reports. Whatever the child does — dies, writes garbage,
 * sends an oversized or malformed frame — ends here as one `onExit` call, never a throw.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { FrameChannel } from './frame-channel.ts';
import { isWorkerMessage, type ParentMessage, type WorkerInit, type WorkerMessage } from './protocol.ts';
import type { WorkerEvents, WorkerLink } from './worker-link.ts';
import { checkedLayout } from '@easel/sdk/isolate';

const STDERR_TAIL = 4096;

/** Only what Node needs to run: the host's env (keys, tokens, DB URLs) stays in the host. */
function workerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: process.env.NODE_ENV ?? 'production' };
  if (process.env.TZ) env.TZ = process.env.TZ;
  return env;
}

export class WorkerProcess implements WorkerLink {
  readonly pid: number | undefined;
  readonly ready: Promise<void>;
  readonly startedAt = Date.now();
  alive = true;
  isReady = false;
  #child: ChildProcess;
  #channel: FrameChannel;
  #events: WorkerEvents;
  #stderr = '';
  #violation: string | undefined;
  #markReady!: () => void;
  #failReady!: (err: Error) => void;

  constructor(entry: string, init: WorkerInit, maxFrameBytes: number, events: WorkerEvents) {
    this.#events = events;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#markReady = resolve;
      this.#failReady = reject;
    });
    this.ready.catch(() => undefined);
    this.#child = spawn(process.execPath, ['--no-node-snapshot', entry], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      env: workerEnv(),
      windowsHide: true,
    });
    this.pid = this.#child.pid;
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (s: string) => {
      this.#stderr = (this.#stderr + s).slice(-STDERR_TAIL);
    });
    this.#child.stderr?.on('error', () => undefined);
    this.#channel = new FrameChannel(this.#child.stdio[3] as Duplex, {
      maxFrameBytes,
      onMessage: (m, attachments) => this.#onMessage(m, attachments),
      onViolation: (reason) => this.kill(`protocol violation: ${reason}`),
    });
    this.#child.on('error', (err) => this.#exited(null, null, `spawn failed: ${err.message}`));
    this.#child.on('exit', (code, signal) => this.#exited(code, signal, undefined));
    this.#channel.send(init);
  }

  send(message: ParentMessage, attachments?: readonly Uint8Array[]): boolean {
    return this.alive && this.#channel.send(message, attachments);
  }

  /** Ends the process at once (a misbehaving worker is treated like a crashed one). */
  kill(reason: string): void {
    this.#violation ??= reason;
    this.#channel.close();
    if (this.alive) this.#child.kill('SIGKILL');
  }

  /** Asks the worker to stop; kills it if it has not after `graceMs`. */
  async shutdown(graceMs: number): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.send({ t: 'shutdown' });
    const timer = setTimeout(() => this.kill('did not stop in time'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  #onMessage(m: unknown, attachments: Buffer[]): void {
    if (!isWorkerMessage(m)) return this.kill('protocol violation: malformed message');
    // Bytes ride only on a bridge request that says it carries them (then exactly one array), or
    // on a result: its answer's text, then as many arrays as its layout names.
    if (attachments.length !== expectedAttachments(m)) return this.kill('protocol violation: unexpected attachments');
    if (m.t === 'ready') {
      this.isReady = true;
      this.#markReady();
      return;
    }
    this.#events.onMessage(this, m, attachments);
  }

  #exited(code: number | null, signal: string | null, reason: string | undefined): void {
    if (!this.alive) return;
    this.alive = false;
    this.#channel.close();
    this.#failReady(new Error(reason ?? `worker exited (${signal ?? code})`));
    this.#events.onExit(this, { code, signal, reason: this.#violation ?? reason, stderr: this.#stderr });
  }
}

/** How many byte arrays a message may carry; -1 (never matched) when its layout is malformed. */
function expectedAttachments(m: WorkerMessage): number {
  if (m.t === 'bridge') return m.bytes ? 1 : 0;
  if (m.t === 'result' && m.ok) {
    const layout = checkedLayout(m.bytes);
    return layout === undefined ? -1 : 1 + layout.attachments;
  }
  return 0;
}
