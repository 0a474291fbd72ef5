/**
 * Reading `GET /metrics` in tests. The text is parsed by a Prometheus text-format parser
 * (parse-prometheus-text-format), then held to what that parser lets through but a scrape
 * should not have: a family without TYPE or HELP, a family twice, a value that is no number.
 *
 * That parser folds the samples of a labelled histogram into one, losing their labels (it
 * keeps prom2json's shape, made for unlabelled ones), so sample values are read from a
 * second parse in which histograms and summaries are declared untyped: each `_bucket`,
 * `_count` and `_sum` series then keeps its own samples and labels.
 */
import parsePrometheusTextFormat, { type ParsedFamily, type ParsedSample } from 'parse-prometheus-text-format';
import { ADMIN_TOKEN, type RunningHost } from './host.ts';

export type { ParsedFamily, ParsedSample };

/** A float as Prometheus reads one (Go's ParseFloat: Inf and NaN in any case; prom-client writes `Nan`). */
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^[+-]?inf(inity)?$|^nan$/i;

export class Scrape {
  readonly text: string;
  /** Families by name, with their type and help. */
  readonly families = new Map<string, ParsedFamily>();
  /** Samples by series name (a histogram's `_bucket`, `_count` and `_sum` apart). */
  readonly series = new Map<string, ParsedSample[]>();

  constructor(text: string) {
    this.text = text;
    for (const family of parsePrometheusTextFormat(text)) {
      if (family.type === 'UNTYPED') throw new Error(`${family.name} has no # TYPE line`);
      if (family.help === '') throw new Error(`${family.name} has no # HELP text`);
      if (this.families.has(family.name)) throw new Error(`${family.name} appears twice`);
      this.families.set(family.name, family);
    }
    for (const flat of parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) (histogram|summary)$/gm, '# TYPE $1 untyped'))) {
      for (const sample of flat.metrics) {
        if (!NUMBER.test(sample.value ?? '')) throw new Error(`${flat.name} has a value that is not a number: ${sample.value}`);
      }
      this.series.set(flat.name, [...(this.series.get(flat.name) ?? []), ...flat.metrics]);
    }
  }

  /** The samples of a series whose labels include `labels` (an absent series: none). */
  samples(name: string, labels: Record<string, string> = {}): ParsedSample[] {
    return (this.series.get(name) ?? []).filter((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
  }

  /** The sum of the matching samples' values; 0 when none match (a labelled counter not yet moved). */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.samples(name, labels).reduce((total, s) => total + Number(s.value), 0);
  }
}

export async function scrape(host: RunningHost, key: string = ADMIN_TOKEN): Promise<Scrape> {
  const res = await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return new Scrape(await res.text());
}

/** The families issue 15 names: the dashboard reads each, and a host's /metrics has each. */
export const NAMED_FAMILIES: readonly string[] = [
  'easel_http_requests_total',
  'easel_http_request_duration_seconds',
  'easel_model_calls_total',
  'easel_model_call_duration_seconds',
  'easel_model_input_tokens_total',
  'easel_model_output_tokens_total',
  'easel_model_cost_usd_total',
  'easel_model_fallbacks_total',
  'easel_model_cooldowns_total',
  'easel_model_quota_waits_total',
  'easel_model_budget_refusals_total',
  'easel_sandbox_isolates_live',
  'easel_sandbox_isolate_heap_bytes',
  'easel_sandbox_worker_rss_bytes',
  'easel_sandbox_kills_total',
  'easel_sandbox_worker_restarts_total',
  'easel_plugin_quarantines_total',
  'easel_plugins_quarantined',
  'easel_plugin_log_lines_dropped_total',
  'easel_plugin_installs_total',
  'easel_execution_queue_depth',
  'easel_execution_slots_in_use',
];
