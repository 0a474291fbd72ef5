/**
 * Entry of a sandbox worker process (spawned by the supervisor, never imported). Talks to
 * the supervisor over length-prefixed JSON frames on fd 3; the first frame is `init`, which
 * carries the code-cache key (never env or argv). Refuses to run without
 * `--no-node-snapshot`, which isolated-vm needs on Node >= 20.
 */
import { Socket } from 'node:net';
import { errorMessage } from '../errors/easel-error.ts';
import { FrameChannel } from './frame-channel.ts';
import type { ParentMessage, WorkerMessage } from './protocol.ts';
import { WorkerRuntime } from './worker-runtime.ts';

const EXIT_BAD_FLAGS = 78;
const EXIT_INTERNAL = 70;

if (!process.execArgv.includes('--no-node-snapshot')) {
  process.stderr.write('easel sandbox worker: refusing to start without --no-node-snapshot\n');
  process.exit(EXIT_BAD_FLAGS);
}

const socket = new Socket({ fd: 3, readable: true, writable: true });
const limits = { maxFrameBytes: 1024 * 1024, onMessage, onViolation: () => process.exit(EXIT_INTERNAL) };
const channel = new FrameChannel(socket, limits);
let runtime: WorkerRuntime | undefined;

// A message that cannot be framed (JSON.stringify overflows on a value nested a few thousand
// levels deep, which an isolate's own stringify may still produce) must not vanish: someone
// waits for it. A call's result becomes a coded failure; a bridge request is refused here as
// the supervisor would refuse it. Without this the call waited forever.
const send = (m: WorkerMessage, attachments?: readonly Uint8Array[]): void => {
  if (channel.send(m, attachments)) return;
  if (m.t === 'result' && m.ok) {
    const { cpuMs, wallMs, heapUsedBytes, heapPeakBytes } = m;
    channel.send({ t: 'result', callId: m.callId, ok: false, code: 'OUTPUT_INVALID', message: errorMessage('OUTPUT_INVALID', { plugin: 'the plugin', problem: 'cannot be carried as JSON (nested too deeply?)' }), cpuMs, wallMs, heapUsedBytes, heapPeakBytes });
  } else if (m.t === 'bridge') {
    runtime?.handle({ t: 'bridgeReply', bridgeId: m.bridgeId, ok: false, code: 'BRIDGE_ARGUMENT_INVALID', message: errorMessage('BRIDGE_ARGUMENT_INVALID', { reason: 'they cannot be carried as JSON (nested too deeply?)' }) });
  }
};

function onMessage(raw: unknown, attachments: Buffer[]): void {
  const m = raw as ParentMessage;
  try {
    if (runtime) return runtime.handle(m, attachments);
    if (m?.t !== 'init') return;
    // Frames from the supervisor carry inputs and configs as raw JSON attachments, but bridge
    // replies carry their value as a JSON string inside the frame's JSON, which escaping can grow.
    limits.maxFrameBytes = 8 * m.maxPayloadBytes + m.maxBinaryBytes + 1024 * 1024;
    runtime = new WorkerRuntime(m, send);
    send({ t: 'ready' });
  } catch (err) {
    send({ t: 'log', level: 'error', msg: 'worker failed to handle a message', fields: { reason: (err as Error)?.message } });
  }
}

// The supervisor is gone: nothing left to serve.
socket.on('close', () => process.exit(0));

process.on('unhandledRejection', (reason) => {
  send({ t: 'log', level: 'error', msg: 'unhandled rejection in worker', fields: { reason: String((reason as Error)?.message ?? reason) } });
});
process.on('uncaughtException', (err) => {
  send({ t: 'log', level: 'error', msg: 'uncaught exception in worker', fields: { reason: err.message } });
  setTimeout(() => process.exit(EXIT_INTERNAL), 20);
});
