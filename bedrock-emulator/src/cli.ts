/**
 * The `easel-bedrock-emulator` command: reads its arguments, starts the emulator, prints the
 * URL it listens on as one line, and serves until SIGINT or SIGTERM. Every failure it
 * expects is one line on stderr: 2 for bad usage, 1 when it cannot listen.
 */
import { parseArgs } from 'node:util';
import { startEmulator, type StartedEmulator } from './index.ts';

const NAME = 'easel-bedrock-emulator';

export const HELP = `${NAME}: a local Amazon Bedrock Runtime emulator (synthetic answers, not a model)

Usage:
  ${NAME} --port N [--host 127.0.0.1] [--control-token T]
  ${NAME} --help

Options:
  --port N             port to listen on; 0 picks a free one
  --host H             interface to listen on (default 127.0.0.1, loopback only)
  --control-token T    answer the control API (/__emulator/*) only when the request
                       carries T as x-emulator-token; without it any local process may
                       script faults and read the prompts in the call log
  -h, --help           this text

Prints the URL it listens on as one line (the endpoint for a BedrockRuntimeClient), then
serves cleartext HTTP/2 until SIGINT or SIGTERM.
Exit codes: 0 stopped by a signal, 1 could not listen, 2 bad usage.`;

interface Listen {
  host: string;
  port: number;
  controlToken?: string;
}

/** What the arguments ask for: the help text, a start, or the usage problem to report. */
export type CliRequest = { kind: 'help' } | { kind: 'start'; listen: Listen } | { kind: 'usage'; problem: string };

export function parseCli(argv: string[]): CliRequest {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        'control-token': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    // parseArgs explains more than one line's worth; its first sentence names the problem.
    return { kind: 'usage', problem: (err as Error).message.split('. ')[0] ?? 'bad arguments' };
  }
  if (values.help) return { kind: 'help' };
  if (values.port === undefined) return { kind: 'usage', problem: '--port is required; 0 picks a free port' };
  const port = /^\d{1,5}$/.test(values.port) ? Number(values.port) : Number.NaN;
  if (!(port <= 65_535)) return { kind: 'usage', problem: `--port must be a whole number from 0 to 65535, not "${values.port}"` };
  if (values.host === '') return { kind: 'usage', problem: '--host must not be empty' };
  const controlToken = values['control-token'];
  if (controlToken === '') return { kind: 'usage', problem: '--control-token must not be empty' };
  return { kind: 'start', listen: { host: values.host, port, ...(controlToken === undefined ? {} : { controlToken }) } };
}

/** The one line that says why listening failed, and what to do about it. */
function listenProblem(err: NodeJS.ErrnoException, { host, port }: Listen): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use: stop the process that holds it, or pass another --port (0 picks a free one)`;
    case 'EACCES':
      return `no permission to listen on port ${port} on ${host}: pass a --port of 1024 or above (0 picks a free one)`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `cannot listen on host ${host}: it is not an address of this machine; pass --host 127.0.0.1 for loopback`;
    default:
      return `cannot listen on ${host}:${port}: ${err.message}`;
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Resolves at the first SIGINT or SIGTERM; a second one gets Node's default (ends the process). */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      for (const name of SIGNALS) process.off(name, stop);
      resolve(signal);
    };
    for (const name of SIGNALS) process.on(name, stop);
  });
}

/**
 * Runs the command with `argv` (without node and the script); resolves with the exit code,
 * after the emulator has closed when it was started.
 * @example process.exitCode = await main(['--port', '4599']);
 */
export async function main(argv: string[]): Promise<number> {
  const request = parseCli(argv);
  if (request.kind === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (request.kind === 'usage') {
    process.stderr.write(`${NAME}: ${request.problem} (see --help)\n`);
    return 2;
  }
  const stopped = nextSignal();
  let emulator: StartedEmulator;
  try {
    emulator = await startEmulator(request.listen);
  } catch (err) {
    // System errors (listen, address lookup) are the user's to fix; anything else is a bug.
    if ((err as NodeJS.ErrnoException).syscall === undefined) throw err;
    process.stderr.write(`${NAME}: ${listenProblem(err as NodeJS.ErrnoException, request.listen)}\n`);
    return 1;
  }
  process.stdout.write(`${emulator.url}\n`);
  await stopped;
  await emulator.close();
  return 0;
}
