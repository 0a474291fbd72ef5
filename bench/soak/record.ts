/**
 * Every answer the soak gets, classified: `ok`, a `limit` (a refusal the request was meant to
 * meet: a limit, a denial, a disabled plugin — each traffic kind names the codes it expects),
 * or `unexpected` (a 5xx a well-behaved call got, a body without a code, a code nobody named,
 * a wrong answer, a client-side timeout). Latency is kept per kind.
 */

export type Verdict = 'ok' | 'limit' | 'unexpected';

export interface Answer {
  status: number;
  /** The error code of the body, or the check that failed (`EVENT_GAP`, `WRONG_ANSWER`…). */
  code?: string;
  message?: string;
  ms: number;
}

export interface UnexpectedSample {
  kind: string;
  status: number;
  code: string;
  message?: string;
  /** Seconds since traffic started. */
  at: number;
}

const MAX_SAMPLES = 30;

export class Recorder {
  requests = 0;
  ok = 0;
  readonly limits: Record<string, number> = {};
  readonly unexpected: Record<string, number> = {};
  readonly samples: UnexpectedSample[] = [];
  readonly #latency = new Map<string, number[]>();
  #start = performance.now();

  begin(): void {
    this.#start = performance.now();
  }

  /** Seconds since traffic started. */
  now(): number {
    return (performance.now() - this.#start) / 1000;
  }

  add(kind: string, verdict: Verdict, answer: Answer): void {
    this.requests++;
    const series = this.#latency.get(kind) ?? [];
    series.push(answer.ms);
    this.#latency.set(kind, series);
    if (verdict === 'ok') {
      this.ok++;
      return;
    }
    const code = answer.code ?? `HTTP_${answer.status}`;
    if (verdict === 'limit') {
      this.limits[code] = (this.limits[code] ?? 0) + 1;
      return;
    }
    const key = `${kind} ${code}`;
    this.unexpected[key] = (this.unexpected[key] ?? 0) + 1;
    // The first few of each kind and code: enough to find the cause, never the whole flood.
    if (this.samples.length < MAX_SAMPLES && this.samples.filter((s) => `${s.kind} ${s.code}` === key).length < 3) {
      this.samples.push({ kind, status: answer.status, code, message: answer.message?.slice(0, 300), at: Number(this.now().toFixed(1)) });
    }
  }

  /** p50 and p99 per kind, in ms (nearest rank), with the count. */
  latency(): Record<string, { n: number; p50: number; p99: number }> {
    const out: Record<string, { n: number; p50: number; p99: number }> = {};
    for (const [kind, values] of [...this.#latency].sort(([a], [b]) => a.localeCompare(b))) {
      const sorted = [...values].sort((a, b) => a - b);
      const at = (q: number) => Number((sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0).toFixed(1));
      out[kind] = { n: sorted.length, p50: at(0.5), p99: at(0.99) };
    }
    return out;
  }
}

/**
 * How an HTTP answer is judged. `limits` are the error codes the kind expects (with their
 * statuses); a 429 with a code is a limit for every kind. Any other non-2xx is unexpected, and
 * so is a body without a code.
 */
export function judge(status: number, code: string | undefined, limits: readonly string[]): Verdict {
  if (status >= 200 && status < 300) return 'ok';
  if (code === undefined) return 'unexpected';
  if (status === 429) return 'limit';
  return limits.includes(code) ? 'limit' : 'unexpected';
}
