/**
 * A hostile plugin's calls and a hostile client's requests, from a second app (another
 * tenant): each attack names the refusals it must meet. Whatever else comes back is unexpected,
 * and the real test is elsewhere: that the well-behaved traffic beside it meets nothing, and
 * that memory stays flat.
 */
import { call, rawRequest } from './client.ts';
import { record, wrong, type Kind } from './kinds.ts';
import type { Rng } from './rng.ts';

/**
 * What any call into soak-hostile may meet besides its own outcome, since its calls share one
 * isolate: another of them broke it (a timeout or a memory kill disposes it; when V8 ran out of
 * memory with no culprit known, every call in the isolate is answered EXECUTION_MEMORY), or
 * kept it busy past this call's own 1 s budget (a spin holds the isolate's one thread).
 */
const SIBLING_BROKE_ISOLATE = ['EXECUTION_ABORTED', 'EXECUTION_TIMEOUT', 'EXECUTION_MEMORY'];

const PLUGIN = '/v1/agents/soak-hostile/attack';

/**
 * One capability of soak-hostile, with the outcomes it may have; `check` says what is wrong
 * with a 200's output, if anything.
 */
function attack(capability: string, weight: number, expected: string[], input: (rng: Rng) => unknown = () => ({}), check?: (output: any) => string | undefined): Kind {
  const name = `hostile.${capability}`;
  return {
    name,
    lane: 'hostile',
    weight,
    async run(s, rng, key) {
      const reply = await call(s.url, 'POST', `${PLUGIN}/${capability}`, { key, body: input(rng) });
      if (record(s, name, reply, [...expected, ...SIBLING_BROKE_ISOLATE]) !== 'ok' || !check) return;
      const problem = check(reply.body?.output);
      if (problem) wrong(s, name, problem, JSON.stringify(reply.body?.output).slice(0, 200), reply.ms);
    },
  };
}

/** The bridge must refuse a value nested past the host's depth limit (the fixture answers the code it met). */
const refusedDeep = (output: { code?: string }) => (output?.code === 'ok' ? 'DEEP_VALUE_ACCEPTED' : undefined);

/**
 * A request body the plugin never sees: refused by the host before anything is recorded. A host
 * that refuses a body too large stops reading it and closes the connection, so a client still
 * sending may see the connection reset instead of the 413 (`closedWhileSending`).
 */
function refused(name: string, weight: number, expected: string[], body: () => string | Buffer, closedWhileSending = false): Kind {
  return {
    name: `hostile.${name}`,
    lane: 'hostile',
    weight,
    async run(s, _rng, key) {
      const reply = await call(s.url, 'POST', `${PLUGIN}/take`, { key, raw: body() });
      if (closedWhileSending && reply.code === 'NETWORK_ERROR' && /EPIPE|ECONNRESET|other side closed/.test(reply.message ?? '')) {
        return s.rec.add(`hostile.${name}`, 'limit', { ...reply, code: 'CLOSED_WHILE_SENDING' });
      }
      record(s, `hostile.${name}`, reply, expected);
    },
  };
}

/** A request `fetch` will not send, on a raw connection. */
function raw(name: string, weight: number, expected: string[], head: (key: string) => string): Kind {
  return {
    name: `hostile.${name}`,
    lane: 'hostile',
    weight,
    async run(s, _rng, key) {
      record(s, `hostile.${name}`, await rawRequest(s.url, head(key)), expected);
    },
  };
}

/** `{"x": {"a": {"a": … depth levels}}}` as text: built without recursion, sent without parsing. */
const deepJson = (depth: number) => `{"x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
/** More values than the host's node limit, in few bytes. */
const wideJson = (count: number) => `{"x":[${Array.from({ length: count }, () => '0').join(',')}]}`;

const DEEP = deepJson(5000);
const WIDE = wideJson(200_000);
/** Past EASEL_INPUT_BODY_MAX_BYTES (8 MiB by default). */
const OVERSIZE = Buffer.alloc(9 * 1024 * 1024, 0x20);
OVERSIZE.write('{"x":"', 0);

export const HOSTILE_KINDS: Kind[] = [
  attack('echo', 4, [], (rng) => ({ n: rng.int(0, 1000) })),
  attack('spin', 2, ['EXECUTION_TIMEOUT']),
  attack('spin-after-await', 2, ['EXECUTION_TIMEOUT']),
  attack('hang', 2, ['EXECUTION_TIMEOUT']),
  // Near its heap limit V8 collects garbage again and again: the clock may stop the bomb before the limit does.
  attack('bomb', 2, ['EXECUTION_MEMORY', 'EXECUTION_TIMEOUT']),
  attack('huge-output', 2, ['OUTPUT_TOO_LARGE']),
  // Issue 14 item 1: a million oversize log lines, and kv calls never awaited, must be refused where they are made.
  attack('log-flood', 1, ['EXECUTION_TIMEOUT'], () => ({ count: 1_000_000, size: 100_000 })),
  attack('kv-flood', 1, ['EXECUTION_TIMEOUT'], (rng) => (rng.next() < 0.5 ? { op: 'get', count: 100_000, size: 10_000 } : { op: 'set', count: 20_000, size: 100_000 })),
  // Issue 14 item 2: nesting past the host's depth limit, in an output, a kv value and a progress line.
  attack('deep-output', 2, ['OUTPUT_INVALID', 'OUTPUT_TOO_LARGE'], () => ({ depth: 5000 })),
  attack('deep-kv', 2, [], () => ({ depth: 5000 }), refusedDeep),
  attack('deep-progress', 2, [], () => ({ depth: 5000 }), refusedDeep),
  attack('denied', 2, ['PERMISSION_DENIED']),
  attack('throws', 2, ['PLUGIN_ERROR']),
  {
    name: 'hostile.flow',
    lane: 'hostile',
    weight: 2,
    async run(s, rng, key) {
      const step = rng.pick([{ attack: 'spin', fails: 'EXECUTION_TIMEOUT' }, { attack: 'denied', fails: 'PERMISSION_DENIED' }, { attack: 'echo', fails: '' }]);
      const reply = await call(s.url, 'POST', '/v1/workflows/soak-hostile-flow/executions?wait=true', { key, body: { attack: step.attack } });
      record(s, 'hostile.flow', reply, [step.fails, ...SIBLING_BROKE_ISOLATE].filter(Boolean));
    },
  },
  // Issue 14 item 2: deep and wide inputs are refused before anything is recorded.
  refused('deep-input', 2, ['INPUT_INVALID'], () => DEEP),
  refused('wide-input', 1, ['INPUT_INVALID'], () => WIDE),
  refused('oversize-input', 1, ['REQUEST_TOO_LARGE'], () => OVERSIZE, true),
  refused('malformed-json', 2, ['REQUEST_INVALID'], () => '{"x": '),
  // Issue 14 item 5: answers given before a route runs have Easel's shape and a code.
  raw('bad-url', 1, ['URL_INVALID'], (key) => `GET /v1/agents/%zz/a/b HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\nconnection: close\r\n\r\n`),
  raw('long-param', 1, ['URL_TOO_LONG', 'HEADERS_TOO_LARGE'], (key) => `POST /v1/agents/${'p'.repeat(300)}/a/b HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`),
  raw('big-headers', 1, ['HEADERS_TOO_LARGE'], () => `GET /v1/agents HTTP/1.1\r\nhost: x\r\nx-pad: ${'a'.repeat(20_000)}\r\nconnection: close\r\n\r\n`),
  raw('garbage', 1, ['REQUEST_MALFORMED'], () => 'HELLO THERE\r\n\r\n'),
];
