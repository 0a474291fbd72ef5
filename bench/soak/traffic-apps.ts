/**
 * Well-behaved traffic of one app: agent calls, workflows waited for and followed on their
 * event stream, cancels (by route and by hanging up), reads, and the semantic-cache probe. None
 * of it should meet an error, except soak-steady's "disabled" while the admin lane has it
 * disabled, and a 429 (a limit).
 */
import { drawSketch } from '../../test/helpers/images.ts';
import { call, follow, type Reply } from './client.ts';
import { adminDuring, overlapsDisable, record, sleep, USERS, wrong, type Kind, type Soak } from './kinds.ts';
import { STEADY_VERSIONS } from './setup.ts';
import type { Rng } from './rng.ts';

/** The answers a call of soak-steady may get while the admin lane has it disabled. */
const WHILE_DISABLED = ['PLUGIN_DISABLED', 'WORKFLOW_NOT_FOUND'];

/** Records a call of soak-steady: "disabled" is expected only if the call overlapped a disable. */
function recordSteady(s: Soak, kind: string, reply: Reply, from: number): boolean {
  const to = s.rec.now();
  const disabled = reply.code !== undefined && WHILE_DISABLED.includes(reply.code) && overlapsDisable(s, from, to);
  // What the admin did meanwhile goes with an error: an upgrade, a config change or a disable must not break a call in flight.
  const told = reply.status >= 300 && !disabled ? { ...reply, message: `${reply.message ?? ''}${adminDuring(s, from, to)}` } : reply;
  return record(s, kind, told, disabled ? [reply.code as string] : []) === 'ok';
}

const userHeader = (rng: Rng) => ({ 'x-easel-user': rng.pick(USERS) });

const SKETCH = drawSketch('ring', [40, 90, 200], 48).toString('base64');
const CONCEPT = { title: 'Star Dodger', summary: 'Dodge falling stars with a tiny ship' };

/** Workflows and an input for each; `post` ones need a post of the same user. */
const WORKFLOWS: { type: string; input: (rng: Rng, postId?: string) => unknown; needsPost?: boolean; steady?: boolean }[] = [
  { type: 'story-pack', input: (rng) => ({ topic: rng.pick(['a paper boat', 'a lost key', 'the last train', '등대']) }) },
  { type: 'steady-flow', input: (rng) => ({ name: rng.pick(USERS) }), steady: true },
  { type: 'content', input: (rng) => ({ topic: rng.pick(['a lighthouse keeper who befriends a storm', 'a city of bridges', '바다를 건너는 고양이']) }) },
  { type: 'game-concept-creation', input: (rng) => ({ idea: rng.pick(['A cozy farming game where crops grow from songs', '음악으로 자라는 농작물']) }) },
  { type: 'post-creation', input: (rng) => ({ title: rng.pick(['Hello, Easel', '첫 글', 'Notes on soaking']) }) },
  { type: 'canvas', input: (rng) => ({ keywords: rng.pick(['lighthouse', '고양이', ['moon', 'sea']]), size: '512x512' }) },
  { type: 'canvas', input: (rng) => ({ keywords: 'a ring', sketch: SKETCH, size: '512x512', similarity: rng.pick([0.5, 0.8]) }) },
  { type: 'post-enhancement', input: (rng, postId) => ({ postId, type: rng.pick(['hashtags', 'grammar']) }), needsPost: true },
  { type: 'post-illustration', input: (_rng, postId) => ({ postId, keyword: 'a sunset' }), needsPost: true },
  { type: 'code-generation', input: () => ({ concept: CONCEPT }) },
  { type: 'asset-creation', input: () => ({ concept: CONCEPT, maxSprites: 1 }) },
];

/** Workflows followed on their event stream: the quick ones, so a run's stream is read whole. */
const FOLLOWED = ['story-pack', 'steady-flow', 'content', 'post-creation'];

/** Near-miss pairs the semantic cache must never answer with each other's answer. */
const NEAR_MISSES: [string, string][] = [
  ['I will arrive on Monday', 'I will not arrive on Monday'],
  ['Book 3 tickets to Busan', 'Book 4 tickets to Busan'],
  ['The meeting is on 2026-03-02', 'The meeting is on 2026-03-09'],
  ['Send the report to Alice', 'Send the report to Bob'],
  ['월요일에 도착합니다', '월요일에 도착하지 않습니다'],
  ['사과 3개를 주세요', '사과 5개를 주세요'],
];

export const APP_KINDS: Kind[] = [
  {
    name: 'agent.hello',
    lane: 'app',
    weight: 20,
    async run(s, rng, key) {
      const capability = rng.pick(['greet', 'count']);
      const reply = await call(s.url, 'POST', `/v1/agents/hello/greeter/${capability}`, { key, body: { name: rng.pick(USERS) }, headers: userHeader(rng) });
      record(s, 'agent.hello', reply);
    },
  },
  {
    name: 'agent.steady',
    lane: 'app',
    weight: 15,
    async run(s, rng, key) {
      const from = s.rec.now();
      const reply = await call(s.url, 'POST', '/v1/agents/soak-steady/steady/work', { key, body: { ms: rng.int(0, 40) }, headers: userHeader(rng) });
      if (!recordSteady(s, 'agent.steady', reply, from)) return;
      const version = reply.body?.output?.version;
      if (!STEADY_VERSIONS.includes(version)) wrong(s, 'agent.steady', 'WRONG_ANSWER', `version ${String(version)}`, reply.ms);
    },
  },
  {
    name: 'agent.model',
    lane: 'app',
    weight: 10,
    async run(s, rng, key) {
      const reply = await call(s.url, 'POST', '/v1/agents/orch-a/editor/polish', { key, body: { topic: rng.pick(['tea', 'rain', 'a red kite', '여름']) }, headers: userHeader(rng) });
      record(s, 'agent.model', reply);
    },
  },
  {
    name: 'agent.first-party',
    lane: 'app',
    weight: 5,
    async run(s, rng, key) {
      const reply = await call(s.url, 'POST', '/v1/agents/canvas/translator/translate-keywords', { key, body: { keywords: rng.pick(['바다', ['고양이', '달'], 'sunrise']) }, headers: userHeader(rng) });
      record(s, 'agent.first-party', reply);
    },
  },
  {
    name: 'workflow.wait',
    lane: 'app',
    weight: 12,
    async run(s, rng, key) {
      const headers = userHeader(rng);
      const user = headers['x-easel-user'];
      const flow = rng.pick(WORKFLOWS);
      // Posts belong to the app and its user (apps are tenants): another app's user of the same name has none.
      const owner = `${key} ${user}`;
      const postId = flow.needsPost ? rng.pick(s.posts.get(owner) ?? [undefined]) : undefined;
      if (flow.needsPost && postId === undefined) return;
      const from = s.rec.now();
      const reply = await call(s.url, 'POST', `/v1/workflows/${flow.type}/executions?wait=true`, { key, body: flow.input(rng, postId), headers });
      const kind = `workflow.wait`;
      const ok = flow.steady ? recordSteady(s, kind, reply, from) : record(s, kind, { ...reply, message: `${flow.type}: ${reply.message ?? ''}` }) === 'ok';
      if (ok && reply.status !== 200) wrong(s, kind, 'NOT_WAITED', `${flow.type}: ?wait=true answered ${reply.status}`, reply.ms);
      const made = reply.body?.output?.postId;
      if (ok && typeof made === 'string' && flow.type === 'post-creation') s.posts.set(owner, [...(s.posts.get(owner) ?? []).slice(-9), made]);
    },
  },
  {
    name: 'workflow.async',
    lane: 'app',
    weight: 10,
    async run(s, rng, key) {
      const type = rng.pick(FOLLOWED);
      const flow = WORKFLOWS.find((w) => w.type === type)!;
      const from = s.rec.now();
      const started = performance.now();
      const kind = 'workflow.async';
      const reply = await call(s.url, 'POST', `/v1/workflows/${type}/executions?wait=false`, { key, body: flow.input(rng), headers: userHeader(rng) });
      if (!(flow.steady ? recordSteady(s, `${kind}.start`, reply, from) : record(s, `${kind}.start`, reply) === 'ok')) return;
      if (reply.status !== 202) return wrong(s, kind, 'NOT_ACCEPTED', `${type}: ?wait=false answered ${reply.status}`, reply.ms);
      const followed = await follow(s.url, key, reply.body.executionId);
      const ms = performance.now() - started;
      if (followed.status !== 200) return void record(s, kind, { status: followed.status, code: followed.code, ms }, []);
      const problem = streamProblem(followed.events, followed.ended);
      if (problem) return wrong(s, kind, problem.code, `${type}: ${problem.message}`, ms);
      const finished = followed.events.at(-1)!.data as { status: string; error?: { code: string; message: string } };
      if (finished.status === 'succeeded') return s.rec.add(kind, 'ok', { status: 200, ms });
      const code = finished.error?.code ?? `FINISHED_${finished.status}`;
      const expected = flow.steady && WHILE_DISABLED.includes(code) && overlapsDisable(s, from, s.rec.now());
      const meanwhile = flow.steady ? adminDuring(s, from, s.rec.now()) : '';
      s.rec.add(kind, expected ? 'limit' : 'unexpected', { status: 200, code, message: `${type} ended ${finished.status}: ${finished.error?.message ?? ''}${meanwhile}`, ms });
    },
  },
  {
    name: 'cancel.route',
    lane: 'app',
    weight: 5,
    async run(s, rng, key) {
      const kind = 'cancel.route';
      const started = await call(s.url, 'POST', '/v1/workflows/story-pack/executions?wait=false', { key, body: { topic: 'a run to cancel' }, headers: userHeader(rng) });
      if (record(s, `${kind}.start`, started) !== 'ok') return;
      const id = started.body.executionId as string;
      await sleep(rng.int(0, 250));
      const cancelled = await call(s.url, 'POST', `/v1/executions/${id}/cancel`, { key });
      // Ended before the cancel arrived: the right answer, not an error.
      if (record(s, kind, cancelled, ['EXECUTION_FINISHED']) !== 'ok' && cancelled.code !== 'EXECUTION_FINISHED') return;
      const followed = await follow(s.url, key, id);
      if (followed.status !== 200) return void record(s, `${kind}.events`, { status: followed.status, code: followed.code, ms: 0 });
      const problem = streamProblem(followed.events, followed.ended);
      if (problem) return wrong(s, `${kind}.events`, problem.code, problem.message, 0);
      const finished = followed.events.at(-1)!.data as { status: string };
      if (cancelled.status === 200 && (cancelled.body?.status !== 'cancelled' || finished.status !== 'cancelled')) {
        wrong(s, `${kind}.events`, 'CANCEL_NOT_KEPT', `cancel answered ${String(cancelled.body?.status)}, the stream ended ${finished.status}`, 0);
      }
    },
  },
  {
    name: 'cancel.hangup',
    lane: 'app',
    weight: 5,
    async run(s, rng, key) {
      const kind = 'cancel.hangup';
      // A user of its own, so the execution can be found without its id (the caller hung up before the answer).
      const user = `hangup-${rng.int(0, 1e9)}`;
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), rng.int(5, 120));
      const reply = await call(s.url, 'POST', '/v1/agents/orch-a/editor/polish', { key, body: { topic: 'hung up' }, headers: { 'x-easel-user': user }, signal: abort.signal });
      clearTimeout(timer);
      if (reply.code !== 'HUNG_UP') return void record(s, kind, reply);
      const deadline = performance.now() + 15_000;
      for (;;) {
        const listed = await call(s.url, 'GET', `/v1/executions?user=${encodeURIComponent(user)}&limit=5`, { key });
        if (record(s, `${kind}.list`, listed) !== 'ok') return;
        const items = (listed.body?.items ?? []) as { status: string }[];
        // Nothing recorded: the hang-up came before the host took the call.
        if (items.length === 0 || items.every((e) => ['cancelled', 'succeeded', 'failed'].includes(e.status))) {
          const failed = items.find((e) => e.status === 'failed') as { errorCode?: string } | undefined;
          if (failed) wrong(s, kind, 'FAILED_ON_HANGUP', `a hung-up call ended failed: ${String(failed.errorCode)}`, reply.ms);
          else s.rec.add(kind, 'ok', { status: 200, ms: reply.ms });
          return;
        }
        if (performance.now() > deadline) return wrong(s, kind, 'STUCK_RUNNING', 'a hung-up call was still running 15 s later', reply.ms);
        await sleep(100);
      }
    },
  },
  {
    name: 'read',
    lane: 'app',
    weight: 5,
    async run(s, rng, key) {
      const path = rng.pick(['/v1/executions?limit=20', '/v1/agents', '/v1/workflows', `/v1/executions?workflow=story-pack&status=succeeded&limit=5`]);
      record(s, 'read', await call(s.url, 'GET', path, { key }));
    },
  },
  {
    name: 'semantic.near-miss',
    lane: 'app',
    weight: 4,
    async run(s, rng, key) {
      const kind = 'semantic.near-miss';
      const [first, second] = rng.pick(NEAR_MISSES);
      // Each user fills their own cache entries: the semantic cache is per user.
      const from = s.rec.now();
      const reply = await call(s.url, 'POST', '/v1/agents/soak-steady/steady/near-miss', { key, body: { first, second }, headers: userHeader(rng) });
      if (!recordSteady(s, kind, reply, from)) return;
      const { served, fresh } = reply.body.output as Record<string, { text?: string; model?: string; code?: string }>;
      if (served?.code || fresh?.code) return wrong(s, kind, `MODEL_${served?.code ?? fresh?.code}`, `a model call of the probe failed`, reply.ms);
      // The emulator answers the same request with the same text: a served answer that differs from a fresh one was another prompt's.
      if (served?.model === fresh?.model && served?.text !== fresh?.text) wrong(s, kind, 'WRONG_CACHED_ANSWER', `"${second}" was served the answer of another prompt`, reply.ms);
    },
  },
];

/** What is wrong with an execution's event stream: ids from 1 without a gap, a start, and execution.finished last. */
function streamProblem(events: { id: number; event: string }[], ended: boolean): { code: string; message: string } | undefined {
  if (!ended) return { code: 'STREAM_CUT', message: `the stream ended before the host closed it, after ${events.map((e) => e.event).join(',')}` };
  for (const [i, e] of events.entries()) if (e.id !== i + 1) return { code: 'EVENT_GAP', message: `event ${i + 1} has id ${e.id}` };
  if (!['execution.queued', 'execution.started'].includes(events[0]?.event ?? '')) return { code: 'EVENT_ORDER', message: `the first event is ${events[0]?.event ?? 'missing'}` };
  if (events.at(-1)?.event !== 'execution.finished') return { code: 'NO_FINISHED_EVENT', message: `the stream ended with ${events.at(-1)?.event ?? 'nothing'}` };
  return undefined;
}
