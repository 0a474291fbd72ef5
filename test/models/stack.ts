/**
 * A model router wired as the host wires it, for tests: a real emulator on loopback (the
 * test holds its control client), a real SQLite store and router-state file in a temp
 * folder, the real Bedrock SDK client in between. `restart` is not needed: each test builds
 * its own stack.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type StartedEmulator } from '@easel/bedrock-emulator';
import Fastify from 'fastify';
import { loadConfig, type DeepPartial, type HostConfig } from '../../host/src/config/index.ts';
import { createModels, type ModelEventSink, type Models } from '../../host/src/models/index.ts';
import { openStore, type Store } from '../../host/src/store/index.ts';

export interface ModelStack {
  dir: string;
  emulator: StartedEmulator;
  store: Store;
  models: Models;
  /** An app (tenant) made in the store: model calls are billed to a user of an app. */
  app: string;
  close(): Promise<void>;
}

export interface StackOptions {
  models?: DeepPartial<HostConfig['models']>;
  /** Written as the catalog overrides file (prices, quotas, availability per model id). */
  overrides?: Record<string, unknown>;
  /** Told of the router's and the service's events (calls, fallbacks, cooldowns, quota waits, refusals). */
  onEvent?: ModelEventSink;
}

/** Defaults for tests: no backoff wait, no semantic cache (its embedding calls would show in call logs). */
const TEST_DEFAULTS: DeepPartial<HostConfig['models']> = { backoffBaseMs: 0, backoffMaxMs: 0, quotaMaxWaitMs: 0, cache: { semantic: false } };

export async function startModelStack(options: StackOptions = {}): Promise<ModelStack> {
  const dir = await mkdtemp(join(tmpdir(), 'easel-models-'));
  const emulator = await startEmulator({ streamDelayMs: 1 });
  let overridesFile: string | undefined;
  if (options.overrides) {
    overridesFile = join(dir, 'overrides.json');
    await writeFile(overridesFile, JSON.stringify({ models: options.overrides }));
  }
  const config = loadConfig(
    {},
    {
      dataDir: dir,
      models: {
        ...TEST_DEFAULTS,
        ...options.models,
        cache: { ...TEST_DEFAULTS.cache, ...options.models?.cache },
        bedrock: { mode: 'emulator', endpoint: emulator.url },
        ...(overridesFile ? { overridesFile } : {}),
      },
    },
  );
  const store = await openStore(join(dir, 'easel.db'));
  const models = await createModels(config.models, store, dir, Fastify({ logger: false }).log, options.onEvent);
  const app = (await store.apps.create({ name: 'tests' })).id;
  return {
    dir,
    emulator,
    store,
    models,
    app,
    async close() {
      await models.close();
      await store.close();
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
