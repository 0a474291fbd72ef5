/**
 * Whether a workflow cut off by a host stop resumes is decided by what the execution carried,
 * not by what its schema allows. canvas's workflow declares a byte field (`sketch`): a run with
 * keywords only resumes after a SIGKILL; a run that sent a sketch cannot (its bytes are not
 * kept) and fails HOST_RESTARTED naming the field.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEmulator, type StartedEmulator } from '@easel/bedrock-emulator';
import { startChildHost, type ChildHost } from '../helpers/child-host.ts';
import { drawSketch } from '../helpers/images.ts';
import { waitFor } from '../helpers/orchestration.ts';
import { packWithCli } from '../helpers/pack.ts';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
let emulator: StartedEmulator;
let host: ChildHost | undefined;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await host?.close();
  await emulator?.close();
});

test('killed mid-run: keywords only resumes; a sent sketch fails HOST_RESTARTED', { timeout: 180_000 }, async () => {
  host = await startChildHost({ env: { EASEL_BEDROCK_MODE: 'emulator', EASEL_BEDROCK_ENDPOINT: emulator.url, EASEL_MODELS_CACHE: 'false' } });
  const { tarball } = await packWithCli('plugins-external/canvas');
  expect((await host.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
  expect((await host.call('POST', '/v1/plugins/canvas/enable', { body: { grant: 'requested' } })).status).toBe(200);
  const key: string = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'resume' } })).body.key;

  // Every image call takes 3 s: both runs are surely mid-step when the host is killed.
  await emulator.control.fault({ modelId: '*', latencyMs: 3000, count: Infinity });
  const start = async (body: unknown) => {
    const res = await host!.call('POST', '/v1/workflows/canvas/executions?wait=false', { key, body });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body.executionId as string;
  };
  const keywordsOnly = await start({ keywords: 'lighthouse', size: '512x512' });
  const withSketch = await start({ keywords: 'a leaf', sketch: drawSketch('ring', [10, 160, 60]).toString('base64'), size: '512x512' });
  const view = (id: string) => async () => (await host!.call('GET', `/v1/executions/${id}`, { key })).body;
  for (const id of [keywordsOnly, withSketch]) {
    await waitFor(`a running step of ${id}`, async () => {
      const e = await view(id)();
      if (TERMINAL.has(e?.status)) throw new Error(`finished before the kill: ${JSON.stringify(e)}`);
      return (e?.steps ?? []).some((s: { status: string }) => s.status === 'running') && e;
    }, 30_000);
  }
  await host.kill();

  host = await host.restart();
  const ended = async (id: string) => waitFor(`${id} to end`, async () => {
    const e = await view(id)();
    return TERMINAL.has(e?.status) && e;
  }, 60_000);
  expect(await ended(keywordsOnly)).toMatchObject({ status: 'succeeded', resumed: 1 });
  const refused = await ended(withSketch);
  expect(refused).toMatchObject({ status: 'failed', errorCode: 'HOST_RESTARTED' });
  expect(refused.errorMessage).toContain('sketch');
});
