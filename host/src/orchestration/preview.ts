/**
 * `POST /v1/workflows/:type/preview`: what a run would cost and which agents and models it
 * would use, without calling a model. A workflow may declare an `estimate` hook (it runs in
 * the sandbox with no model or agent access and names its steps); otherwise the host derives
 * a rough estimate from the manifests: one call per agent the workflow's plugin may invoke,
 * and one call per model task each of those plugins was granted. The router prices every
 * model call as it would route it now.
 */
import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ModelTask, ModelTier, Permissions } from '@easel/sdk';
import { PREVIEW_PREFIX } from '../calls/index.ts';
import { EaselError } from '../errors/index.ts';
import type { ModelRouter } from '../models/index.ts';
import type { ActivePlugin, PluginService } from '../plugins/index.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { checkedInput, toProblems, type SplitInput } from '../schemas/index.ts';
import { publicDetails } from './failures.ts';

/** Token counts assumed for a model call whose size nobody named. */
const DEFAULT_CALL = { inputTokens: 500, outputTokens: 500, images: 1 };
const MAX_STEPS = 100;

const estimateSchema = {
  type: 'object',
  required: ['steps'],
  properties: {
    steps: {
      type: 'array',
      maxItems: MAX_STEPS,
      items: {
        type: 'object',
        required: ['agent', 'capability'],
        properties: {
          agent: { type: 'string', maxLength: 300 },
          capability: { type: 'string', maxLength: 64 },
          count: { type: 'integer', minimum: 0, maximum: 10_000 },
          model: {
            type: 'object',
            required: ['task'],
            properties: {
              task: { enum: ['text', 'structured', 'image', 'embedding'] },
              tier: { enum: ['basic', 'standard', 'premium'] },
              inputTokens: { type: 'integer', minimum: 0, maximum: 10_000_000 },
              outputTokens: { type: 'integer', minimum: 0, maximum: 10_000_000 },
              images: { type: 'integer', minimum: 0, maximum: 100 },
            },
          },
        },
      },
    },
  },
} as const;
const validateEstimate = new Ajv2020({ allErrors: true, strict: false }).compile<HookEstimate>(estimateSchema);

interface HookEstimate {
  steps: { agent: string; capability: string; count?: number; model?: { task: ModelTask; tier?: ModelTier; inputTokens?: number; outputTokens?: number; images?: number } }[];
}

export interface PreviewStep {
  agent: string;
  capability?: string;
  count: number;
  model?: { task: ModelTask; tier: ModelTier; modelId: string; costUsd: number };
}

export interface Preview {
  workflow: string;
  plugin: string;
  version: string;
  source: 'plugin' | 'manifest';
  steps: PreviewStep[];
  agents: string[];
  models: string[];
  estimatedCostUsd: number;
}

export class WorkflowPreview {
  #sandbox: Sandbox;
  #plugins: PluginService;
  #router: ModelRouter;

  constructor(deps: { sandbox: Sandbox; plugins: PluginService; router: ModelRouter }) {
    this.#sandbox = deps.sandbox;
    this.#plugins = deps.plugins;
    this.#router = deps.router;
  }

  async preview(active: ActivePlugin, type: string, input: unknown): Promise<Preview> {
    const validateInput = active.validators.workflowInput(type);
    if (!validateInput) throw new EaselError('WORKFLOW_NOT_FOUND', { type, plugin: active.record.name });
    const split = checkedInput(input, validateInput, active.validators.workflowBytes(type), `workflow ${type}`);
    const hook = await this.#hook(active, type, split);
    const grant = await this.#plugins.grantOf(active.record.name);
    const steps = hook ? await this.#priced(grant, hook) : await this.#derived(active, grant);
    const own = (ref: string) => (ref.includes('/') ? ref : `${active.record.name}/${ref}`);
    return {
      workflow: type,
      plugin: active.record.name,
      version: active.record.version,
      source: hook ? 'plugin' : 'manifest',
      steps,
      agents: [...new Set(steps.filter((s) => s.capability !== undefined).map((s) => own(s.agent)))],
      models: [...new Set(steps.flatMap((s) => (s.model ? [s.model.modelId] : [])))],
      // Whole nano-dollars, as usage is billed: sums of binary fractions print as 0.000188999…
      estimatedCostUsd: Math.round(steps.reduce((sum, s) => sum + (s.model?.costUsd ?? 0) * s.count, 0) * 1e9) / 1e9,
    };
  }

  /** The plugin's own estimate, or undefined when the workflow has no hook. */
  async #hook(active: ActivePlugin, type: string, split: SplitInput): Promise<HookEstimate | undefined> {
    try {
      const result = await this.#sandbox.invoke({
        plugin: active.sandbox,
        kind: 'estimate',
        target: type,
        input: split.json,
        bytes: split.bytes,
        config: active.config,
        executionId: `${PREVIEW_PREFIX}${randomUUID()}`,
      });
      if (!validateEstimate(result.output)) {
        throw new EaselError('OUTPUT_INVALID', { plugin: active.record.name, problem: `does not match the estimate shape (estimating workflow ${type})` }, { problems: toProblems(validateEstimate.errors) });
      }
      return result.output;
    } catch (error) {
      if (error instanceof EaselError && error.code === 'AGENT_NOT_FOUND') return undefined;
      // The sandbox's call metrics ride on its errors; they are not the answer's business.
      if (error instanceof EaselError) throw error.withDetails(publicDetails(error.details));
      throw error;
    }
  }

  async #priced(grant: Permissions, estimate: HookEstimate): Promise<PreviewStep[]> {
    const steps: PreviewStep[] = [];
    for (const step of estimate.steps) {
      const count = step.count ?? 1;
      if (!step.model) {
        steps.push({ agent: step.agent, capability: step.capability, count });
        continue;
      }
      const tier = step.model.tier ?? 'basic';
      steps.push({ agent: step.agent, capability: step.capability, count, model: await this.#price(step.model.task, tier, grant, step.model) });
    }
    return steps;
  }

  /** One call per agent the plugin may invoke, one call per model task each plugin was granted. */
  async #derived(active: ActivePlugin, grant: Permissions): Promise<PreviewStep[]> {
    const steps: PreviewStep[] = [];
    const plugins: [string, Permissions][] = [[active.record.name, grant]];
    for (const agent of active.record.manifest.agents) steps.push({ agent: agent.type, capability: agent.capabilities[0]?.name, count: 1 });
    for (const ref of grant.agents ?? []) {
      const [plugin = '', agent = ''] = ref.split('/');
      const installed = await this.#plugins.get(plugin).catch(() => undefined);
      const capability = installed?.manifest.agents.find((a) => a.type === agent)?.capabilities[0]?.name;
      steps.push({ agent: ref, capability, count: 1 });
      if (installed && !plugins.some(([name]) => name === plugin)) plugins.push([plugin, await this.#plugins.grantOf(plugin)]);
    }
    for (const [plugin, permissions] of plugins) {
      for (const task of permissions.models?.tasks ?? []) {
        steps.push({ agent: plugin, count: 1, model: await this.#price(task, 'basic', permissions, {}) });
      }
    }
    return steps;
  }

  async #price(task: ModelTask, tier: ModelTier, grant: Permissions, size: { inputTokens?: number; outputTokens?: number; images?: number }): Promise<PreviewStep['model']> {
    const maxTier = grant.models?.maxTier ?? 'basic';
    const decision = await this.#router.decide({
      task,
      tier,
      maxTier,
      estimate: { inputTokens: size.inputTokens ?? DEFAULT_CALL.inputTokens, outputTokens: size.outputTokens ?? DEFAULT_CALL.outputTokens, images: size.images ?? DEFAULT_CALL.images },
    });
    const first = decision.candidates[0];
    if (!first) throw new EaselError('MODEL_NO_CANDIDATE', { reason: `no model does ${task} at tier ${tier} within ${maxTier}` }, { excluded: decision.excluded });
    return { task, tier, modelId: first.model.id, costUsd: first.estimatedCost };
  }
}
