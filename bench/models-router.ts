/**
 * The model router, against baselines measured in the same run, on the built-in Bedrock
 * emulator (loopback) with a real SQLite store and router-state file in a temp folder:
 *
 * 1. Overhead per call. Baseline: a bare `BedrockRuntimeClient` sending `ConverseCommand`
 *    to apac.amazon.nova-micro-v1:0. Against it: `models.service.text({ cache: false })`
 *    through the whole router (selection, quota take, budget check, usage row by group
 *    commit) for a user without a budget, and for one with a monthly budget (hold + settle
 *    per call). All sequential, one distinct prompt per call, interleaved call by call (the
 *    order rotating) so drift hits every variant alike. `decideMs` times `router.decide`
 *    alone (selection + budget read + cooldown read), to show where the overhead goes.
 * 2. Cost of a fixed mixed workload (60% basic, 30% standard, 10% premium minimum tier;
 *    varied prompt lengths and maxTokens) routed `balanced` and `cost-first`, against the
 *    same workload sent to the model quality-first picks for a premium request (each summed
 *    from the cost the router billed for the token usage the emulator reported).
 *
 * Model quotas are raised in an overrides file, so the router's quota buckets never refuse
 * and no call falls back: this measures routing, not quota spreading. The semantic cache is
 * off. Prints one JSON line. Run: `./run node --no-node-snapshot bench/models-router.ts [N]`
 * (N overhead calls per variant, default 2000).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { startEmulator } from '@easel/bedrock-emulator';
import { random } from '@easel/bedrock-emulator/seeded';
import Fastify from 'fastify';
import { loadConfig } from '../host/src/config/index.ts';
import { createModels, loadCatalog } from '../host/src/models/index.ts';
import { estimateTokens } from '../host/src/models/tokens.ts';
import type { ModelTier, Strategy } from '../host/src/models/types.ts';
import { openStore } from '../host/src/store/index.ts';

const N = Number(process.argv[2] ?? 2000);
const WARMUP = Math.min(300, Math.max(50, Math.floor(N / 10)));
const WORKLOAD = 300;
const MICRO = 'apac.amazon.nova-micro-v1:0';
const PLUGIN = 'bench';

const dir = await mkdtemp(join(tmpdir(), 'easel-bench-models-'));
const emulator = await startEmulator();
const overridesFile = join(dir, 'overrides.json');
const textModels = (await loadCatalog()).models.filter((m) => m.available && m.tasks.includes('text'));
const unlimited = { rpm: 1_000_000_000, tpm: 1_000_000_000_000 };
await writeFile(overridesFile, JSON.stringify({ models: Object.fromEntries(textModels.map((m) => [m.id, { quotas: unlimited }])) }));
const config = loadConfig(
  {},
  {
    dataDir: dir,
    models: { backoffBaseMs: 0, backoffMaxMs: 0, quotaMaxWaitMs: 0, cache: { semantic: false }, bedrock: { mode: 'emulator', endpoint: emulator.url }, overridesFile },
  },
);
const store = await openStore(join(dir, 'easel.db'));
const models = await createModels(config.models, store, dir, Fastify({ logger: false }).log);
const client = new BedrockRuntimeClient({ region: 'ap-northeast-2', endpoint: emulator.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

function percentiles(latencies: number[]): { p50: number; p99: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => Number((sorted[Math.floor(q * (sorted.length - 1))] ?? 0).toFixed(3));
  return { p50: at(0.5), p99: at(0.99) };
}
const ms = (x: number) => Number(x.toFixed(3));
const usd = (x: number) => Number(x.toFixed(6));

// --- 1. Overhead per call ---------------------------------------------------------------

const prompt = (variant: string, i: number) => `Summarize why plugins run in a sandbox, in two sentences. Request ${variant}-${i}.`;
const BUDGET_USER = 'bench-budgeted';
const FREE_USER = 'bench-unbudgeted';
const APP = (await store.apps.create({ name: 'bench' })).id;
await store.budgets.set({ appId: APP, userId: BUDGET_USER }, 1_000_000);

const direct = async (i: number) => {
  const out = await client.send(
    new ConverseCommand({ modelId: MICRO, messages: [{ role: 'user', content: [{ text: prompt('a', i) }] }], inferenceConfig: { maxTokens: 64 } }),
  );
  if (!out.output?.message?.content?.[0]?.text) throw new Error('empty answer');
};
const routed = (userId: string, variant: string) => async (i: number) => {
  const answer = await models.service.text({ prompt: prompt(variant, i), maxTokens: 64, cache: false, strategy: 'cost-first' }, { appId: APP, userId, pluginName: PLUGIN });
  if (answer.model !== MICRO) throw new Error(`routed to ${answer.model}, not ${MICRO}`);
};
const decideEstimate = { inputTokens: estimateTokens(prompt('d', 0)), outputTokens: 64 };
const decide = async () => {
  await models.router.decide({ task: 'text', strategy: 'cost-first', estimate: decideEstimate }, { appId: APP, userId: FREE_USER });
};

const variants: { name: string; run: (i: number) => Promise<void>; latencies: number[] }[] = [
  { name: 'direct', run: direct, latencies: [] },
  { name: 'routed', run: routed(FREE_USER, 'b'), latencies: [] },
  { name: 'budgeted', run: routed(BUDGET_USER, 'c'), latencies: [] },
  { name: 'decide', run: decide, latencies: [] },
];
for (let i = 0; i < WARMUP; i++) for (const v of variants) await v.run(N + i);
for (let i = 0; i < N; i++) {
  for (let k = 0; k < variants.length; k++) {
    const v = variants[(i + k) % variants.length] as (typeof variants)[number];
    const t = performance.now();
    await v.run(i);
    v.latencies.push(performance.now() - t);
  }
}
const [a, b, c, d] = variants.map((v) => percentiles(v.latencies)) as [ReturnType<typeof percentiles>, ReturnType<typeof percentiles>, ReturnType<typeof percentiles>, ReturnType<typeof percentiles>];

// --- 2. Cost of a mixed workload ---------------------------------------------------------

const WORDS = 'plugin sandbox router model budget quota tenant latency cache region answer summary invoice ticket customer order report draft review translate classify extract'.split(' ');
const draw = random(20240611);
const TIER_MIX: ModelTier[] = [...Array(6).fill('basic'), ...Array(3).fill('standard'), 'premium'];
const workload = Array.from({ length: WORKLOAD }, (_, i) => {
  const tier = TIER_MIX[i % TIER_MIX.length] as ModelTier;
  const words = [40, 150, 600, 1500][Math.floor(draw() * 4)] as number;
  const maxTokens = [64, 256, 512, 1024][Math.floor(draw() * 4)] as number;
  const body = Array.from({ length: words }, () => WORDS[Math.floor(draw() * WORDS.length)]).join(' ');
  return { tier, maxTokens, prompt: `Task ${i}: ${body}` };
});
const premiumPick = await models.router.decide({ task: 'text', tier: 'premium', strategy: 'quality-first', estimate: { inputTokens: 500, outputTokens: 256 } });
const premiumModel = premiumPick.candidates[0]?.model.id ?? 'none';

async function runWorkload(label: string, strategy: Strategy, forceTier?: ModelTier) {
  let total = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  const byTier: Record<string, Record<string, number>> = {};
  for (const [i, w] of workload.entries()) {
    const answer = await models.service.text(
      { prompt: `${w.prompt} (${label})`, maxTokens: w.maxTokens, tier: forceTier ?? w.tier, strategy, cache: false },
      { appId: APP, userId: `bench-cost-${label}`, pluginName: PLUGIN, executionId: `${label}-${i}` },
    );
    total += answer.cost;
    inputTokens += answer.inputTokens;
    outputTokens += answer.outputTokens;
    const tierModels = (byTier[w.tier] ??= {});
    tierModels[answer.model] = (tierModels[answer.model] ?? 0) + 1;
  }
  return { totalUsd: usd(total), inputTokens, outputTokens, byTier };
}
const balanced = await runWorkload('balanced', 'balanced');
const costFirst = await runWorkload('cost-first', 'cost-first');
const premium = await runWorkload('premium', 'quality-first', 'premium');
const premiumOnly = Object.keys(Object.assign({}, ...Object.values(premium.byTier)));
if (premiumOnly.length !== 1 || premiumOnly[0] !== premiumModel) throw new Error(`premium baseline went to ${premiumOnly.join(', ')}, not ${premiumModel}`);
const savings = (x: number) => Number(((1 - x / premium.totalUsd) * 100).toFixed(1));

client.destroy();
await models.close();
await store.close();
await emulator.close();
await rm(dir, { recursive: true, force: true });

process.stdout.write(
  `${JSON.stringify({
    bench: 'models-router',
    overhead: {
      calls: N,
      warmup: WARMUP,
      model: MICRO,
      directSdkMs: a,
      routedMs: b,
      routedBudgetMs: c,
      decideMs: d,
      overheadMs: { p50: ms(b.p50 - a.p50), p99: ms(b.p99 - a.p99) },
      overheadBudgetMs: { p50: ms(c.p50 - a.p50), p99: ms(c.p99 - a.p99) },
      routedVsDirect: { p50: Number((b.p50 / a.p50).toFixed(3)), p99: Number((b.p99 / a.p99).toFixed(3)) },
      routedBudgetVsDirect: { p50: Number((c.p50 / a.p50).toFixed(3)), p99: Number((c.p99 / a.p99).toFixed(3)) },
      targetP50OverheadMs: 1,
    },
    cost: {
      requests: WORKLOAD,
      mix: { basic: 0.6, standard: 0.3, premium: 0.1 },
      premiumBaselineModel: premiumModel,
      premiumBaselineUsd: premium.totalUsd,
      balancedUsd: balanced.totalUsd,
      costFirstUsd: costFirst.totalUsd,
      balancedSavingsPct: savings(balanced.totalUsd),
      costFirstSavingsPct: savings(costFirst.totalUsd),
      seedPromisedSavingsPct: '30-50',
      tokens: {
        premium: { input: premium.inputTokens, output: premium.outputTokens },
        balanced: { input: balanced.inputTokens, output: balanced.outputTokens },
        costFirst: { input: costFirst.inputTokens, output: costFirst.outputTokens },
      },
      balancedModelsByTier: balanced.byTier,
      costFirstModelsByTier: costFirst.byTier,
    },
  })}\n`,
);
