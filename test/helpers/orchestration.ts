/**
 * Shared setup of the orchestration end-to-end tests: packs the orch-* fixture plugins with
 * the real CLI, installs and enables them (dependencies first, each with its grant), starts
 * workflows as an app, and reads an execution's event stream (SSE) as a client would, with
 * `Last-Event-ID` when resuming.
 */
import { expect } from 'vitest';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import { startHost, type RunningHost } from './host.ts';
import { packWithCli } from './pack.ts';

export type Fixture = 'orch-a' | 'orch-b' | 'orch-c' | 'orch-c-v2' | 'orch-outsider';

const MODELS = { models: { tasks: ['text'], maxTier: 'basic' } };
/** Everything orch-a asks for: the agents of its two dependencies, and text models. */
export const ORCH_A_GRANT = { agents: ['orch-b/writer', 'orch-c/illustrator'], ...MODELS };
const GRANTS: Record<string, unknown> = { 'orch-a': ORCH_A_GRANT, 'orch-b': MODELS, 'orch-c': MODELS, 'orch-outsider': MODELS };

export async function packFixtures(names: Fixture[]): Promise<Map<Fixture, Buffer>> {
  const packed = await Promise.all(names.map(async (name) => [name, (await packWithCli(`test/fixtures/plugins/${name}`)).tarball] as const));
  return new Map(packed);
}

export async function upload(host: RunningHost, tarball: Buffer): Promise<{ status: number; body: any }> {
  const res = await host.call('POST', '/v1/plugins/upload', { raw: tarball });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res;
}

export async function enable(host: RunningHost, name: string, grant: unknown = GRANTS[name]): Promise<void> {
  const res = await host.call('POST', `/v1/plugins/${name}/enable`, { body: { grant } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** Uploads and enables the fixtures in the order given (dependencies first), each with its full grant. */
export async function installFixtures(host: RunningHost, tarballs: Map<Fixture, Buffer>, names: Fixture[]): Promise<void> {
  for (const name of names) {
    await upload(host, tarballs.get(name)!);
    await enable(host, name);
  }
}

export async function appKey(host: RunningHost, label: string): Promise<string> {
  const res = await host.call('POST', '/v1/keys', { body: { role: 'app', label } });
  expect(res.status).toBe(201);
  return res.body.key as string;
}

export function emulatorOf(host: RunningHost): EmulatorControl {
  const control = host.host.models.emulator?.control;
  expect(control).toBeDefined();
  return control as EmulatorControl;
}

/** Starts a workflow as an app; `wait` is sent as the query parameter. */
export function startWorkflow(host: RunningHost, key: string, type: string, input: unknown, options: { wait?: boolean; user?: string } = {}) {
  const query = options.wait === undefined ? '' : `?wait=${options.wait}`;
  const headers = options.user ? { 'x-easel-user': options.user } : undefined;
  return host.call('POST', `/v1/workflows/${type}/executions${query}`, { key, body: input, headers });
}

/** A host with orch-a, orch-b and orch-c enabled, two app keys and the emulator's control plane. */
export async function orchestrationHost(overrides: Parameters<typeof startHost>[0] = {}): Promise<{ host: RunningHost; app: string; otherApp: string; control: EmulatorControl }> {
  const host = await startHost(overrides);
  await installFixtures(host, await packFixtures(['orch-a', 'orch-b', 'orch-c']), ['orch-b', 'orch-c', 'orch-a']);
  return { host, app: await appKey(host, 'app'), otherApp: await appKey(host, 'other-app'), control: emulatorOf(host) };
}

/** The execution with its steps, as the app that started it reads it. */
export async function executionOf(host: RunningHost, key: string, id: string): Promise<any> {
  const res = await host.call('GET', `/v1/executions/${id}`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it answers something truthy. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

// --- the event stream -----------------------------------------------------------------------

export interface SseEvent {
  id: number;
  event: string;
  data: any;
}

/**
 * One subscription to `GET /v1/executions/:id/events`, read event by event. Comment lines
 * (heartbeats) are skipped; `received` holds every event so far.
 */
export class EventReader {
  readonly received: SseEvent[] = [];
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #abort: AbortController;
  #decoder = new TextDecoder();
  #buffer = '';
  #queue: SseEvent[] = [];
  #ended = false;

  private constructor(reader: ReadableStreamDefaultReader<Uint8Array>, abort: AbortController) {
    this.#reader = reader;
    this.#abort = abort;
  }

  static async open(host: Pick<RunningHost, 'url'>, executionId: string, options: { key: string; lastEventId?: number }): Promise<EventReader> {
    const headers: Record<string, string> = { authorization: `Bearer ${options.key}`, accept: 'text/event-stream' };
    if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
    const abort = new AbortController();
    const res = await fetch(`${host.url}/v1/executions/${executionId}/events`, { headers, signal: abort.signal });
    if (res.status !== 200 || !res.body) throw new Error(`the event stream answered ${res.status}: ${await res.text()}`);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    return new EventReader(res.body.getReader(), abort);
  }

  /** The next event, or undefined once the stream has ended. */
  async next(timeoutMs = 10_000): Promise<SseEvent | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.#queue.length === 0 && !this.#ended) {
      const left = deadline - Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms; got ${this.received.map((e) => e.event).join(', ')}`)), Math.max(left, 0));
      });
      try {
        const chunk = await Promise.race([this.#reader.read(), timeout]);
        if (chunk.done) this.#ended = true;
        else this.#parse(this.#decoder.decode(chunk.value, { stream: true }));
      } finally {
        clearTimeout(timer);
      }
    }
    const event = this.#queue.shift();
    if (event) this.received.push(event);
    return event;
  }

  /** Reads until an event matches (inclusive); the events read on the way. */
  async until(predicate: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent[]> {
    const read: SseEvent[] = [];
    for (;;) {
      const event = await this.next(timeoutMs);
      if (!event) throw new Error(`the stream ended before the awaited event; got ${this.received.map((e) => e.event).join(', ')}`);
      read.push(event);
      if (predicate(event)) return read;
    }
  }

  /** Reads to the end of the stream (the server closes it after `execution.finished`); every event received. */
  async rest(timeoutMs = 10_000): Promise<SseEvent[]> {
    while (await this.next(timeoutMs));
    return this.received;
  }

  close(): void {
    this.#abort.abort();
  }

  #parse(text: string): void {
    this.#buffer += text.replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        fields[name] = name === 'data' && fields.data !== undefined ? `${fields.data}\n${value}` : value;
      }
      if (fields.data === undefined) continue;
      this.#queue.push({ id: Number(fields.id), event: fields.event ?? 'message', data: JSON.parse(fields.data) });
    }
  }
}

/** Every event of a stream from the start (or after `lastEventId`) to its end. */
export async function readEvents(host: Pick<RunningHost, 'url'>, executionId: string, options: { key: string; lastEventId?: number; timeoutMs?: number }): Promise<SseEvent[]> {
  const reader = await EventReader.open(host, executionId, options);
  try {
    return await reader.rest(options.timeoutMs);
  } finally {
    reader.close();
  }
}
