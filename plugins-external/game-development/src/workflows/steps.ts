/** The steps of a workflow run: each agent call made, and what it reported it cost. */
import type { Context } from '@easel/sdk';
import type { GameConfig } from '../config.ts';

export interface StepRecord {
  agent: string;
  capability: string;
  model?: string;
  cost: number;
}

/** What a step's output may report about its model use. */
interface Reported {
  model?: unknown;
  cost?: unknown;
}

/**
 * Calls agents through `ctx.agents.invoke` (so the host records, bills and replays each one)
 * and keeps their reported costs. Each record takes its place when the call starts, so the
 * list is in call order even when parallel steps finish in another.
 */
export class Steps {
  readonly #ctx: Context<GameConfig>;
  readonly #records: StepRecord[] = [];
  readonly #started = Date.now();

  constructor(ctx: Context<GameConfig>) {
    this.#ctx = ctx;
  }

  async run<T extends object>(agent: string, capability: string, input: object): Promise<T> {
    const record: StepRecord = { agent, capability, cost: 0 };
    this.#records.push(record);
    this.#ctx.signal.throwIfAborted();
    const output = await this.#ctx.agents.invoke<T & Reported>(agent, capability, input);
    if (typeof output.model === 'string') record.model = output.model;
    if (typeof output.cost === 'number' && Number.isFinite(output.cost)) record.cost = output.cost;
    return output;
  }

  get records(): StepRecord[] {
    return this.#records.map((r) => ({ ...r }));
  }

  /** The agents called, each once, in the order first called. */
  get agentsUsed(): string[] {
    return [...new Set(this.#records.map((r) => r.agent))];
  }

  /** The sum of the costs the steps reported, in USD (rounded to 1e-9). */
  get totalCost(): number {
    return Math.round(this.#records.reduce((sum, r) => sum + r.cost, 0) * 1e9) / 1e9;
  }

  /** Since this run started (a run resumed after a host restart counts from its restart). */
  get durationMs(): number {
    return Math.max(0, Date.now() - this.#started);
  }
}
