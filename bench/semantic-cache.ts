/**
 * The semantic cache's hit/miss table: every pair of the test set
 * (host/src/models/cache-guard.cases.ts: near misses that ask a different question, paraphrases
 * that ask the same one, English and Korean) through `models.service.text({ cache: 'semantic' })`
 * on a host that allows the semantic cache, with the built-in Bedrock emulator's embeddings, a
 * real SQLite store and the default threshold. For each pair: the cosine similarity of the two
 * prompts (what decided alone, before the guard), the kinds on which the guard tells them apart,
 * and whether the second prompt was served the first one's answer. Also the guard's cost: the
 * time to compute one prompt's signature, for the test set's prompts and for prompts of
 * EASEL_MODELS_SEMANTIC_MAX_CHARS characters shaped to make a careless scanner quadratic.
 *
 * Prints the table on stderr and one JSON line of figures (with the rows) on stdout.
 * Run: `./run node --no-node-snapshot bench/semantic-cache.ts`
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmulator } from '@easel/bedrock-emulator';
import Fastify from 'fastify';
import { loadConfig } from '../host/src/config/index.ts';
import { NEAR_MISSES, PARAPHRASES, type GuardCase } from '../host/src/models/cache-guard.cases.ts';
import { guardDifferences, guardKey, guardSignature } from '../host/src/models/cache-guard.ts';
import { normalizeText } from '../host/src/models/cache-keys.ts';
import { createModels } from '../host/src/models/index.ts';
import { openStore } from '../host/src/store/index.ts';

const dir = await mkdtemp(join(tmpdir(), 'easel-bench-semantic-'));
const emulator = await startEmulator();
const threshold = loadConfig({}, { dataDir: dir }).models.cache.threshold;
const config = loadConfig(
  {},
  { dataDir: dir, models: { backoffBaseMs: 0, backoffMaxMs: 0, quotaMaxWaitMs: 0, cache: { semantic: true, threshold }, bedrock: { mode: 'emulator', endpoint: emulator.url } } },
);
const store = await openStore(join(dir, 'easel.db'));
const models = await createModels(config.models, store, dir, Fastify({ logger: false }).log);
const app = (await store.apps.create({ name: 'bench' })).id;

const embed = async (text: string): Promise<number[]> =>
  (await models.service.embed({ text: normalizeText(text), cache: false }, { appId: app, userId: 'bench-probe', pluginName: 'bench' })).vector;
const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * (b[i] as number), 0);

interface Row {
  set: 'near-miss' | 'paraphrase';
  lang: string;
  kind: string;
  similarity: number;
  /** The kinds on which the guard tells the prompts apart (empty: the same signature). */
  guard: string[];
  /** Served the first prompt's answer. */
  hit: boolean;
  b: string;
}

async function run(set: Row['set'], cases: readonly GuardCase[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [i, c] of cases.entries()) {
    // A user per pair and a system text per set: only the pair's two prompts ever meet.
    const meta = { appId: app, userId: `${set}-${i}`, pluginName: 'bench' };
    const system = `Prompts of the ${set} set.`;
    await models.service.text({ prompt: c.a, system, cache: 'semantic', maxTokens: 64 }, meta);
    const b = await models.service.text({ prompt: c.b, system, cache: 'semantic', maxTokens: 64 }, meta);
    const similarity = Number(cosine(await embed(c.a), await embed(c.b)).toFixed(4));
    rows.push({ set, lang: c.lang, kind: c.kind, similarity, guard: guardDifferences(guardSignature(c.a), guardSignature(c.b)), hit: b.cached === 'semantic', b: c.b });
  }
  return rows;
}

const near = await run('near-miss', NEAR_MISSES);
const para = await run('paraphrase', PARAPHRASES);

// The guard's cost per prompt, over every prompt of the test set.
const prompts = [...NEAR_MISSES, ...PARAPHRASES].flatMap((c) => [c.a, c.b]);
const ROUNDS = 200;
for (const p of prompts) guardKey(p);
const started = performance.now();
for (let r = 0; r < ROUNDS; r++) for (const p of prompts) guardKey(p);
const guardMicros = Number((((performance.now() - started) / (ROUNDS * prompts.length)) * 1000).toFixed(2));
// And on the longest prompt the cache looks at, of shapes that make a careless scanner quadratic.
const maxChars = config.models.cache.semanticMaxChars;
const shapes: Record<string, string> = {
  prose: 'I will not arrive on Monday with 2 friends from Seoul. ',
  korean: '월요일에 두 명이 도착하지 않습니다. ',
  wordRun: 'a',
  dottedRun: 'a.',
  hangulRun: '일',
  quotes: '"',
  capitals: 'Bank of ',
};
const guardMsAtMaxChars = Object.fromEntries(
  Object.entries(shapes).map(([name, unit]) => {
    const text = unit.repeat(Math.ceil(maxChars / unit.length)).slice(0, maxChars);
    const t = performance.now();
    for (let r = 0; r < 5; r++) guardKey(text);
    return [name, Number(((performance.now() - t) / 5).toFixed(2))];
  }),
);

await models.close();
await store.close();
await emulator.close();
await rm(dir, { recursive: true, force: true });

const pad = (s: string, n: number) => s.padEnd(n).slice(0, n);
const lines = [
  `threshold ${threshold}; similarity: the emulator's embeddings; alone: what similarity alone decided; served: what the guarded cache did`,
  `${pad('set', 11)} ${pad('lang', 4)} ${pad('kind', 12)} ${pad('similarity', 10)} ${pad('alone', 5)} ${pad('guard', 18)} ${pad('served', 6)} second prompt`,
  ...[...near, ...para].map((r) =>
    [pad(r.set, 11), pad(r.lang, 4), pad(r.kind, 12), pad(r.similarity.toFixed(4), 10), pad(r.similarity >= threshold ? 'hit' : 'miss', 5), pad(r.guard.join(',') || 'same', 18), pad(r.hit ? 'HIT' : 'miss', 6), r.b].join(' '),
  ),
];
process.stderr.write(`${lines.join('\n')}\n`);

const summary = (rows: Row[]) => ({
  pairs: rows.length,
  aboveThreshold: rows.filter((r) => r.similarity >= threshold).length,
  guardApart: rows.filter((r) => r.guard.length > 0).length,
  served: rows.filter((r) => r.hit).length,
  byLang: Object.fromEntries(['en', 'ko'].map((lang) => [lang, { pairs: rows.filter((r) => r.lang === lang).length, aboveThreshold: rows.filter((r) => r.lang === lang && r.similarity >= threshold).length, served: rows.filter((r) => r.lang === lang && r.hit).length }])),
});
process.stdout.write(
  `${JSON.stringify({
    bench: 'semantic-cache',
    threshold,
    embeddings: 'bedrock-emulator (feature hashing)',
    nearMisses: summary(near),
    paraphrases: summary(para),
    guardMicrosPerPrompt: guardMicros,
    maxChars,
    guardMsAtMaxChars,
    rows: [...near, ...para].map(({ b: _b, ...row }) => row),
  })}\n`,
);
