/**
 * Spend lost on a crash (issue 14, item 7). A host process is SIGKILLed while N image calls
 * of one user of an app are at the provider (the Bedrock emulator, which outlives the host,
 * has them in its call log: they are answered and billed there). The next start on the same
 * data folder charges each at what it held, as an `unreconciled` usage row, budget or not (a
 * second app without any budget has M calls in flight too): the user's and the app's usage
 * stats show them, spend equals them, no hold is left, the budget counts them and
 * the metrics count them. Another app's user is not charged anything. A clean stop and start
 * with nothing in flight charges nothing more.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startEmulator, type StartedEmulator } from '@easel/bedrock-emulator';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startChildHost, type ChildHost } from '../helpers/child-host.ts';
import { waitFor } from '../helpers/orchestration.ts';
import { packWithCli } from '../helpers/pack.ts';

/** Calls of the studio's painter (budgets at both scopes) and of an app without any budget. */
const N = 8;
const M = 3;
const CANVAS = 'amazon.nova-canvas-v1:0';
const PAINT = '/v1/agents/canvas/image-generator/text-to-image';
const month = () => new Date().toISOString().slice(0, 7);

let emulator: StartedEmulator;
let host: ChildHost | undefined;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await host?.close();
  await emulator?.close();
});

/** The samples of one metric family, as `labels value` lines. */
async function samples(h: ChildHost, name: string): Promise<string[]> {
  const res = await fetch(`${h.url}/metrics`, { headers: { authorization: 'Bearer child-host-admin-token-0123456789' } });
  expect(res.status).toBe(200);
  return (await res.text()).split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

/** What the store holds, read through a connection of its own (the host keeps its own open). */
function rows<T>(h: ChildHost, sql: string): T[] {
  const db = new Database(join(h.dataDir, 'easel.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('image calls in flight when the host is killed are charged at their holds at the next start, as unreconciled usage', { timeout: 180_000 }, async () => {
  host = await startChildHost({
    env: { EASEL_BEDROCK_MODE: 'emulator', EASEL_BEDROCK_ENDPOINT: emulator.url, EASEL_MODELS_CACHE: 'false', EASEL_MODELS_SEMANTIC_CACHE: 'false' },
  });
  const { tarball } = await packWithCli('plugins-external/canvas');
  expect((await host.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
  expect((await host.call('POST', '/v1/plugins/canvas/enable', { body: { grant: 'requested' } })).status).toBe(200);
  const newApp = async (name: string) => {
    const app = (await host!.call('POST', '/v1/apps', { body: { name } })).body.id as string;
    const key = (await host!.call('POST', '/v1/keys', { body: { role: 'app', label: name, app } })).body.key as string;
    return { app, key };
  };
  const studio = await newApp('studio');
  const neighbour = await newApp('neighbour');
  const open = await newApp('open');
  // Budgets at both scopes, with room for every call: the holds must fit them to go out.
  expect((await host.call('PUT', `/v1/apps/${studio.app}/budget`, { body: { monthlyUsd: 5 } })).status).toBe(200);
  expect((await host.call('PUT', `/v1/apps/${studio.app}/users/painter/budget`, { body: { monthlyUsd: 2 } })).status).toBe(200);
  // One image of 1024x1024 at standard quality (canvas's defaults) on the only image model.
  const catalog = (await host.call('GET', '/v1/models')).body.models as { id: string; available: boolean; tasks: string[]; prices: { images?: { maxPixels: number; standard: number }[] } }[];
  expect(catalog.filter((m) => m.available && m.tasks.includes('image')).map((m) => m.id)).toEqual([CANVAS]);
  const price = catalog.find((m) => m.id === CANVAS)!.prices.images!.find((b) => 1024 * 1024 <= b.maxPixels)!.standard;

  const stats = (h: ChildHost, who: { key: string }, path: string) => h.call('GET', path, { key: who.key });
  const userStats = (h: ChildHost) => stats(h, studio, '/v1/models/usage/painter/stats');
  const before = await userStats(host);
  expect(before.body).toMatchObject({ calls: 0, unreconciledCalls: 0, costUsd: 0, budget: { spentUsd: 0, reservedUsd: 0 } });

  // Every model call now takes a minute at the provider: the kill comes while all are there.
  await emulator.control.reset();
  await emulator.control.fault({ modelId: '*', latencyMs: 60_000, count: Infinity });
  const paint = (who: { key: string }, userId: string, i: number) =>
    fetch(`${host!.url}${PAINT}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${who.key}`, 'x-easel-user': userId, 'content-type': 'application/json' },
      body: JSON.stringify({ keywords: `a red fox number ${i}` }),
    }).then(
      (res) => res.status,
      () => 'cut',
    );
  const calls = [...Array.from({ length: N }, (_, i) => paint(studio, 'painter', i)), ...Array.from({ length: M }, (_, i) => paint(open, 'doodler', i))];
  await waitFor('every image call at the provider', async () => (await emulator.control.calls()).filter((c) => c.modelId === CANVAS).length === N + M, 60_000);
  // Held while in flight, at both scopes: N worst cases.
  const inFlight = await userStats(host);
  expect(inFlight.body.budget).toMatchObject({ spentUsd: 0, reservedUsd: expect.closeTo(N * price, 9) });
  expect(inFlight.body.appBudget).toMatchObject({ spentUsd: 0, reservedUsd: expect.closeTo(N * price, 9) });
  expect(rows(host, 'SELECT count(*) AS n FROM model_reservations')).toEqual([{ n: N + M }]);
  // Without any budget the calls hold all the same.
  expect((await stats(host, open, '/v1/models/usage/doodler/stats')).body.budget).toMatchObject({ reservedUsd: expect.closeTo(M * price, 9) });

  await host.kill();
  // The clients saw the connection cut, not an answer.
  expect(await Promise.all(calls)).toEqual(Array(N + M).fill('cut'));
  await emulator.control.reset();

  host = await host.restart();
  const after = await userStats(host);
  expect(after.status).toBe(200);
  const charged = N * price;
  expect(after.body).toMatchObject({ calls: N, unreconciledCalls: N, failedCalls: 0, images: N });
  expect(after.body.unreconciledUsd).toBeCloseTo(charged, 9);
  expect(after.body.costUsd).toBeCloseTo(charged, 9);
  expect(after.body.byModel).toEqual([expect.objectContaining({ modelId: CANVAS, calls: N, unreconciledCalls: N })]);
  expect(after.body.byPlugin).toEqual([expect.objectContaining({ pluginName: 'canvas', calls: N, unreconciledCalls: N })]);
  // Spend is what was held; nothing is held any more; the budget counts it.
  expect(after.body.budget).toMatchObject({ monthlyUsd: 2, month: month(), reservedUsd: 0 });
  expect(after.body.budget.spentUsd).toBeCloseTo(charged, 9);
  expect(after.body.appBudget).toMatchObject({ monthlyUsd: 5, reservedUsd: 0 });
  expect(after.body.appBudget.spentUsd).toBeCloseTo(charged, 9);
  const app = await stats(host, studio, '/v1/models/usage/stats');
  expect(app.status).toBe(200);
  expect(app.body).toMatchObject({ appId: studio.app, calls: N, unreconciledCalls: N, appBudget: { reservedUsd: 0 } });
  expect(app.body.unreconciledUsd).toBeCloseTo(charged, 9);
  // An admin sees the same, naming the app.
  expect((await host.call('GET', `/v1/models/usage/stats?app=${studio.app}`)).body).toMatchObject({ appId: studio.app, unreconciledCalls: N });
  // The app without a budget: its user's calls are charged the same way.
  const doodler = await stats(host, open, '/v1/models/usage/doodler/stats');
  expect(doodler.body).toMatchObject({ calls: M, unreconciledCalls: M, budget: { reservedUsd: 0 }, appBudget: { reservedUsd: 0 } });
  expect(doodler.body.budget).not.toHaveProperty('monthlyUsd');
  expect(doodler.body.budget.spentUsd).toBeCloseTo(M * price, 9);
  expect(doodler.body.appBudget.spentUsd).toBeCloseTo(M * price, 9);
  expect(rows(host, 'SELECT count(*) AS n FROM model_reservations')).toEqual([{ n: 0 }]);
  expect(rows(host, "SELECT count(*) AS n FROM model_usage WHERE status = 'unreconciled' AND reservation_id IS NOT NULL")).toEqual([{ n: N + M }]);
  const unreconciled = await samples(host, 'easel_model_unreconciled_total');
  expect(unreconciled).toEqual([`easel_model_unreconciled_total{plugin="canvas",model="${CANVAS}"} ${N + M}`]);
  const cost = await samples(host, 'easel_model_unreconciled_cost_usd_total');
  expect(cost).toHaveLength(1);
  expect(Number(cost[0]!.split(' ').at(-1))).toBeCloseTo((N + M) * price, 9);
  // The neighbour app was charged nothing.
  const theirs = await stats(host, neighbour, '/v1/models/usage/stats');
  expect(theirs.body).toMatchObject({ appId: neighbour.app, calls: 0, costUsd: 0, unreconciledCalls: 0, appBudget: { spentUsd: 0, reservedUsd: 0 } });
  // Nor can it read the studio's: another app's stats answer as an unknown app's; an admin must name the app.
  const across = await host.call('GET', `/v1/models/usage/stats?app=${studio.app}`, { key: neighbour.key });
  expect([across.status, across.body.code]).toEqual([404, 'APP_NOT_FOUND']);
  const unnamed = await host.call('GET', '/v1/models/usage/stats');
  expect([unnamed.status, unnamed.body.code]).toEqual([400, 'REQUEST_INVALID']);

  // Working again: a call billed normally (its hold released), then a clean stop and start.
  const painted = await host.call('POST', PAINT, { key: studio.key, headers: { 'x-easel-user': 'painter' }, body: { keywords: 'a blue whale' } });
  expect(painted.status, JSON.stringify(painted.body)).toBe(200);
  process.kill(host.pid, 'SIGTERM');
  await waitFor('the host to stop', async () => !alive(host!.pid), 30_000);
  host = await host.restart();
  const clean = await userStats(host);
  expect(clean.body).toMatchObject({ calls: N + 1, unreconciledCalls: N, failedCalls: 0, budget: { reservedUsd: 0 } });
  expect(clean.body.costUsd).toBeCloseTo(charged + price, 9);
  expect(clean.body.budget.spentUsd).toBeCloseTo(charged + price, 9);
  expect(await samples(host, 'easel_model_unreconciled_total')).toEqual([]);
  expect(rows(host, 'SELECT count(*) AS n FROM model_reservations')).toEqual([{ n: 0 }]);
});
