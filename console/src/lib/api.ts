/**
 * The host's HTTP API, as the signed-in key sees it. Every failure becomes an ApiError with
 * the host's stable `code` and its `details` (problems with JSON paths, a resolver's
 * explanation), for the pages to show next to what caused it.
 */
import { session } from './session.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** `details.problems` as the host sends them: `{path, message}` with a JSON pointer path. */
  get problems(): { path: string; message: string }[] {
    const found = this.details?.problems;
    return Array.isArray(found) ? found.filter((p): p is { path: string; message: string } => typeof p?.path === 'string' && typeof p?.message === 'string') : [];
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  /** Another key than the signed-in one (an admin's run key). */
  key?: string | null;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function withQuery(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const text = params.toString();
  return text === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${text}`;
}

export function authHeaders(key?: string | null): Record<string, string> {
  const k = key === undefined ? session.key : key;
  return k ? { authorization: `Bearer ${k}` } : {};
}

export async function api<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(options.key), ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(withQuery(path, options.query), { method, headers, body, signal: options.signal });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK_ERROR', `the host could not be reached (${(error as Error).message})`);
  }
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    throw new ApiError(res.status, parsed?.code ?? `HTTP_${res.status}`, parsed?.message ?? (text.slice(0, 300) || res.statusText), parsed?.details);
  }
  return parsed as T;
}

export const get = <T = any>(path: string, query?: Query, options: RequestOptions = {}) => api<T>('GET', path, { ...options, query });
