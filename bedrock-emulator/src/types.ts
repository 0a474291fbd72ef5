/**
 * The Bedrock Runtime emulator's vocabulary: options, the control plane's fault and quota
 * rules, and the call log. Shared by the server and by `EmulatorControl`, its client.
 */

/** The four Bedrock Runtime operations the emulator answers. */
export type EmulatorOp = 'converse' | 'converse-stream' | 'invoke' | 'invoke-stream';

export interface EmulatorOptions {
  /** Interface to listen on. Default `127.0.0.1` (loopback). */
  host?: string;
  /** Port to listen on. Default 0 (any free port). */
  port?: number;
  /** Delay between two event-stream frames, in ms. Default 5. */
  streamDelayMs?: number;
  /** Fastify's own request logging (pino to stdout). Default false. */
  logger?: boolean;
  /**
   * When set, the control plane (`/__emulator/*`) answers only requests carrying it as
   * `x-emulator-token`: the emulator a host starts for itself logs prompts and takes faults,
   * which other local processes must not read or script.
   */
  controlToken?: string;
}

/**
 * A scripted failure for calls to one model (or `'*'`). Rules apply in the order they were
 * added; effects of several matching rules combine (latencies add; the first exception,
 * stream break and stopReason win, and a rule whose effect lost is not consumed).
 */
export interface FaultRule {
  /** The model id as the client sends it (after percent-decoding), or `'*'` for any model. */
  modelId: string;
  /**
   * How many matching calls the rule applies to. Default 1, or Infinity when the rule only
   * adds latency. Over JSON, `null` stands for Infinity.
   */
  count?: number | null;
  /** An exception name from the §4.9 table, e.g. `ThrottlingException` (429). */
  exception?: string;
  message?: string;
  /** Extra delay before answering (a real timer), in ms. */
  latencyMs?: number;
  /**
   * Streaming calls only: after this many deltas, end with a `modelStreamErrorException`
   * event (or, with `breakMode: 'reset'`, reset the HTTP/2 stream).
   */
  breakAfterDeltas?: number;
  breakMode?: 'exception' | 'reset';
  /** Text and structured calls only: the stopReason to report instead of the real one. */
  stopReason?: string;
}

export interface QuotaLimits {
  /** Requests per minute (bucket capacity and refill rate). */
  rpm: number;
  /** Tokens per minute (bucket capacity and refill rate). */
  tpm: number;
}

/** One call as the emulator saw it. `status` is 0 while the call is still being answered. */
export interface EmulatorCall {
  seq: number;
  /** Arrival time, epoch ms. */
  at: number;
  op: EmulatorOp;
  /** As the client sent it, percent-decoded. */
  modelId: string;
  status: number;
  /** The exception answered; for a stream broken on purpose, `ModelStreamErrorException` or `StreamReset`. */
  errorType?: string;
  inputTokens?: number;
  outputTokens?: number;
  /** First 200 characters of the last user text, or of the image or embedding text. */
  prompt?: string;
  /** Image calls: `TEXT_IMAGE` or `IMAGE_VARIATION`. */
  taskType?: string;
}
