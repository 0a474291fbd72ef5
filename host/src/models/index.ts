/**
 * The model router's public face: `createModels` loads the catalog, opens the router state,
 * picks where calls go (Bedrock, or the built-in emulator when no AWS credentials are
 * configured) and returns the service that plugins and the API use.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type StartedEmulator } from '@easel/bedrock-emulator';
import type { FastifyBaseLogger } from 'fastify';
import type { ModelsConfig } from '../config/index.ts';
import type { Store } from '../store/index.ts';
import { loadCatalog } from './catalog/index.ts';
import { BedrockProvider } from './providers/bedrock.ts';
import { ModelHealth } from './router/health.ts';
import { ModelRouter } from './router/router.ts';
import { ModelService } from './service.ts';
import { openPgRouterState, openRouterState } from './state/index.ts';
import type { RouterStateRepository } from './state/types.ts';
import type { ModelEventSink } from './events.ts';

export { CatalogError, loadCatalog } from './catalog/index.ts';
export { ModelService } from './service.ts';
export type { TextRequest, ImageRequest, ModelCallMeta } from './service.ts';
export { ModelRouter, monthOf, noCandidate } from './router/router.ts';
export { ModelHealth } from './router/health.ts';
export type * from './types.ts';
export type { ModelEvent, ModelEventSink } from './events.ts';

export interface Models {
  service: ModelService;
  router: ModelRouter;
  health: ModelHealth;
  state: RouterStateRepository;
  /** Where calls go, for logs and `GET /v1/models/health`. */
  target: { kind: 'bedrock' | 'emulator'; endpoint?: string; region: string };
  /** The built-in emulator when this host started one. */
  emulator?: StartedEmulator;
  close(): Promise<void>;
}

/** The credential sources the SDK's default chain reads without a network (no instance metadata). */
export function hasAwsCredentials(env: Record<string, string | undefined> = process.env): boolean {
  if (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE) return true;
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return true;
  if (existsSync(env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials'))) return true;
  // A config file that only sets a Region is no credential source.
  const config = env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config');
  if (!existsSync(config)) return false;
  try {
    return /^\s*(aws_access_key_id|sso_|credential_process|role_arn|web_identity_token_file)/m.test(readFileSync(config, 'utf8'));
  } catch {
    return false;
  }
}

const EMULATOR_CREDENTIALS = { accessKeyId: 'easel-emulator', secretAccessKey: 'easel-emulator' };

/**
 * `onEvent`: told of every model call, fallback, cooldown, quota wait and budget refusal (metrics).
 * `sharedState`: the PostgreSQL store's URL when the router's quotas and cooldowns are shared
 * there (EASEL_STORE=postgres); otherwise they live in `<dataDir>/router-state.db`.
 */
export async function createModels(config: ModelsConfig, store: Store, dataDir: string, logger: FastifyBaseLogger, onEvent?: ModelEventSink, sharedState?: string): Promise<Models> {
  const catalog = await loadCatalog({ file: config.catalogFile, overridesFile: config.overridesFile });
  const { bedrock } = config;
  const useAws = bedrock.mode === 'aws' || (bedrock.mode === 'auto' && bedrock.endpoint === undefined && hasAwsCredentials());
  let emulator: StartedEmulator | undefined;
  let endpoint = bedrock.endpoint;
  if (!useAws && endpoint === undefined) {
    // Its control plane scripts faults and reads prompts: only this process holds the token.
    emulator = await startEmulator({ host: '127.0.0.1', port: 0, controlToken: randomBytes(24).toString('base64url') });
    endpoint = emulator.url;
  }
  const provider = new BedrockProvider({ region: bedrock.region, endpoint, ...(useAws ? {} : { credentials: EMULATOR_CREDENTIALS }) });
  const target = useAws ? { kind: 'bedrock' as const, endpoint, region: bedrock.region } : { kind: 'emulator' as const, endpoint, region: bedrock.region };
  if (target.kind === 'emulator') {
    logger.info({ endpoint, region: bedrock.region }, 'model calls go to the Bedrock emulator (synthetic answers): no AWS credentials are configured, or EASEL_BEDROCK_MODE=emulator');
  } else {
    logger.info({ region: bedrock.region, endpoint: endpoint ?? 'public' }, 'model calls go to Amazon Bedrock');
  }
  const state = sharedState === undefined ? await openRouterState(join(dataDir, 'router-state.db')) : await openPgRouterState(sharedState);
  const health = new ModelHealth({
    windowMs: config.healthWindowMs,
    minCalls: config.failureMinCalls,
    failureRate: config.failureRate,
    cooldownMs: config.cooldownMs,
    throttleCooldownMs: config.throttleCooldownMs,
  });
  const router = new ModelRouter({
    catalog,
    state,
    budgets: store.budgets,
    usage: store.usage,
    health,
    log: logger,
    onEvent,
    options: {
      residency: config.residency,
      defaultStrategy: config.strategy,
      balancedCostFactor: config.balancedCostFactor,
      callTimeoutMs: config.callTimeoutMs,
      backoffBaseMs: config.backoffBaseMs,
      backoffMaxMs: config.backoffMaxMs,
      quotaMaxWaitMs: config.quotaMaxWaitMs,
      quotaSafety: config.quotaSafety,
      budgetDowngradeAt: config.budgetDowngradeAt,
      budgetBasicAt: config.budgetBasicAt,
    },
  });
  const service = new ModelService({ router, provider, cache: store.modelCache, usage: store.usage, cacheOptions: config.cache, defaultMaxTokens: config.defaultMaxTokens, schemaLimits: { maxBytes: config.maxSchemaBytes, maxNodes: config.maxSchemaNodes }, logger, onEvent });
  return {
    service,
    router,
    health,
    state,
    target,
    emulator,
    async close() {
      provider.close();
      await state.close();
      await emulator?.close();
    },
  };
}
