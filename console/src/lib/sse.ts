/**
 * An execution's event stream (Server-Sent Events) read with fetch, because EventSource cannot
 * send the `Authorization` header the host asks for. Frames are parsed as the SSE format
 * says; a stream that drops before `execution.finished` is opened again with Last-Event-ID,
 * so no event is lost or seen twice.
 */
import { authHeaders } from './api.ts';

export interface StreamEvent {
  id?: number;
  type: string;
  data: any;
}

export interface FollowOptions {
  key?: string | null;
  signal: AbortSignal;
  onEvent(event: StreamEvent): void;
  /** Told when the stream could not be opened (an error answer) or dropped for good. */
  onError?(message: string): void;
}

/** Parses the frames in `buffer`; answers the unparsed rest. */
export function parseFrames(buffer: string, emit: (frame: { id?: string; event?: string; data: string[]; retry?: number }) => void): string {
  const normalized = buffer.replace(/\r\n?/g, '\n');
  const parts = normalized.split('\n\n');
  const rest = parts.pop() ?? '';
  for (const part of parts) {
    const frame: { id?: string; event?: string; data: string[]; retry?: number } = { data: [] };
    for (const line of part.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') frame.data.push(value);
      else if (field === 'event') frame.event = value;
      else if (field === 'id') frame.id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) frame.retry = Number(value);
    }
    emit(frame);
  }
  return rest;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

/** Follows the stream until `execution.finished`, an abort, or an error answer. */
export async function followExecution(executionId: string, options: FollowOptions): Promise<void> {
  let lastId: string | undefined;
  let retryMs = 2000;
  let finished = false;
  let failures = 0;
  while (!finished && !options.signal.aborted) {
    let ended = false;
    let received = 0;
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream', ...authHeaders(options.key) };
      if (lastId !== undefined) headers['last-event-id'] = lastId;
      const res = await fetch(`/v1/executions/${encodeURIComponent(executionId)}/events`, { headers, signal: options.signal, cache: 'no-store' });
      if (!res.ok || !res.body) {
        const body = await res.json().catch(() => undefined);
        options.onError?.(`${body?.code ?? res.status}: ${body?.message ?? 'the event stream could not be opened'}`);
        return;
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        failures = 0;
        buffer = parseFrames(buffer + value, (frame) => {
          if (frame.retry !== undefined) retryMs = frame.retry;
          if (frame.id !== undefined) lastId = frame.id;
          if (frame.event === undefined && frame.data.length === 0) return;
          let data: unknown = null;
          try {
            data = JSON.parse(frame.data.join('\n'));
          } catch {
            data = frame.data.join('\n');
          }
          const id = frame.id !== undefined && /^\d+$/.test(frame.id) ? Number(frame.id) : undefined;
          received += 1;
          options.onEvent({ ...(id === undefined ? {} : { id }), type: frame.event ?? 'message', data });
          if (frame.event === 'execution.finished') finished = true;
        });
      }
      ended = true;
    } catch (error) {
      if (options.signal.aborted) return;
      failures += 1;
      if (failures > 5) {
        options.onError?.(`the event stream dropped: ${(error as Error).message}`);
        return;
      }
    }
    // The host closes the stream after the stored log of an execution that ended without a
    // finish event: a connection that ends with nothing new means nothing more will come.
    if (ended && !finished && received === 0) return;
    if (!finished) await sleep(retryMs, options.signal);
  }
}
