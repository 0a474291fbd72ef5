/**
 * Builds the host: store, sandbox, services and routes, returned as a Fastify app that is
 * not yet listening. `main.ts` listens and handles signals; tests call this directly.
 */
import { randomUUID } from 'node:crypto';
import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { agentRoutes, blobRoutes, budgetRoutes, errorAnswerOptions, executionEventRoutes, executionRoutes, healthRoutes, installErrorHandling, installKeyRateLimit, keyRoutes, metricsRoutes, modelRoutes, pluginHttpRoutes, pluginLogRoutes, pluginRoutes, registryRoutes, retentionRoutes, workflowRoutes } from './api/index.ts';
import { auditRoutes, usageReportRoutes } from './api/index.ts';
import { consoleRoutes, marketplaceRoutes, whoamiRoutes } from './api/index.ts';
import { serializeRequest } from './api/log-serializers.ts';
import { installOpenApi } from './api/openapi/index.ts';
import { parseTrustedKeys, RegistryClient, RegistryInstaller } from './registries/index.ts';
import { createBridgeHandler } from './capabilities/index.ts';
import type { HostConfig } from './config/index.ts';
import { EventBus } from './events/index.ts';
import { ExecutionEvents, ExecutionGate, ExecutionScopes, ExecutionService, KeySlots, recordedLifecycle, StepRunner, WorkflowPreview } from './orchestration/index.ts';
import { AuditSubscriber, HostMetrics, PluginLogStreams } from './monitoring/index.ts';
import { createModels, type Models } from './models/index.ts';
import { BundleArchive, PluginService } from './plugins/index.ts';
import { auditQuarantine } from './plugins/quarantine.ts';
import { createSandbox, type Sandbox } from './sandbox/index.ts';
import { ValidatorCache } from './schemas/index.ts';
import { installJsonBodyLimits } from './api/json-body.ts';
import { openPostgresStore, openStore, type Store } from './store/index.ts';
import { type AdminKeySource, ensureAdminKey } from './auth/bootstrap.ts';
import { loadSecret } from './secrets.ts';
import { installFirstPartyPlugins } from './first-party.ts';
import { BlobService, createBlobBackend, UrlSigner } from './storage/index.ts';
import { periodicTurns, Retention } from './retention/index.ts';

export interface Host {
  app: FastifyInstance;
  store: Store;
  sandbox: Sandbox;
  plugins: PluginService;
  models: Models;
  blobs: BlobService;
  executions: ExecutionService;
  /** The internal event bus (plugins registered, agents invoked, workflows finished). */
  bus: EventBus;
  metrics: HostMetrics;
  /** Every execution's event stream (SSE). */
  events: ExecutionEvents;
  /** Where the admin key is: EASEL_ADMIN_TOKEN, or generated (at this start or an earlier one) into `<dataDir>/admin.key`. */
  adminKey: AdminKeySource;
  /**
   * Settles once the host stopped itself because it cannot go on safely (EASEL_REPLICAS=one,
   * and another host took the database while this one's hold on it was broken), with why.
   * main.ts exits 1 with the reason; it never settles otherwise.
   */
  fatal: Promise<Error>;
}

/** Closes what a start opened, newest first; run when the start fails half way. */
type OnFailure = (close: () => Promise<unknown>) => void;

export async function buildHost(config: HostConfig): Promise<Host> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  // Fails here, naming the folder, rather than later inside SQLite with a vaguer message.
  await access(config.dataDir, constants.W_OK | constants.X_OK);
  // A start that fails half way (a broken plugin folder, a resume that throws) closes the
  // sandbox workers, the emulator and the databases it opened, so no process outlives it.
  const opened: (() => Promise<unknown>)[] = [];
  try {
    return await assemble(config, (close) => opened.unshift(close));
  } catch (error) {
    for (const close of opened) await close().catch(() => undefined);
    throw error;
  }
}

async function assemble(config: HostConfig, onFailure: OnFailure): Promise<Host> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.adminToken', '*.key', '*.token', '*.secretAccessKey'], censor: '[redacted]' },
      serializers: { req: serializeRequest },
    },
    bodyLimit: config.bodyMaxBytes,
    // Plugin handlers answer within their wall budget; keep sockets from idling forever.
    requestTimeout: config.sandbox.maxTimeoutMs + 10_000,
    ...errorAnswerOptions(),
  });
  // First: its hooks run before any other (a stop refuses new requests at once), and its
  // route list sees every route.
  installErrorHandling(app);
  // Before any route: every JSON body is held to the JSON limits before it is parsed.
  installJsonBodyLimits(app, config.json);
  // This process's boot id: the owner of the budget holds it takes, so that the next start
  // can tell them from its own.
  const owner = randomUUID();
  let stopFatally!: (error: Error) => void;
  const fatal = new Promise<Error>((resolve) => (stopFatally = resolve));
  const onExclusiveLost = (error: Error) => {
    app.log.fatal({ err: error }, 'another host took this PostgreSQL database while the connection holding it was broken; stopping');
    void app.close().catch(() => undefined).then(() => stopFatally(error));
  };
  const store =
    config.store.kind === 'postgres'
      ? await openPostgresStore(config.store.url as string, { owner, maxConnections: config.store.maxConnections, leaseMs: config.store.leaseMs, exclusive: config.store.replicas !== 'many', onExclusiveLost })
      : await openStore(join(config.dataDir, 'easel.db'), { owner, synchronous: config.dbSynchronous });
  onFailure(() => store.close());
  const bus = new EventBus(app.log);
  const metrics = new HostMetrics(bus);
  metrics.instrument(app);
  const audited = new AuditSubscriber(bus, store.audit, app.log);
  const logs = new PluginLogStreams(bus, { maxStreams: config.logs.maxStreams, logger: app.log });
  const events = new ExecutionEvents({
    repo: store.executionEvents,
    maxEvents: config.orchestration.maxEvents,
    logger: app.log,
    recorded: async (id) => {
      const record = await store.executions.get(id);
      return record === undefined ? [] : recordedLifecycle(record);
    },
    // Another host may run what a client here follows.
    ...(store.changes ? { tailMs: config.orchestration.eventsTailMs, changes: store.changes } : {}),
  });
  onFailure(async () => {
    await events.flush();
    metrics.close();
    audited.close();
    await audited.idle();
  });
  const adminKey = await ensureAdminKey(store.apiKeys, config.adminToken, join(config.dataDir, 'admin.key'));
  // Model calls in flight when the last process died may well have been answered and billed
  // by the provider: each is charged at what it held (its worst case), marked unreconciled.
  const chargeAbandoned = async (message: string) => {
    const charged = await store.budgets.chargeAbandoned();
    if (charged.calls === 0) return;
    metrics.countUnreconciled(charged.groups);
    app.log.warn({ calls: charged.calls, costUsd: charged.costUsd, byModel: charged.groups }, message);
  };
  await chargeAbandoned('model calls in flight when the last process died were charged at their holds (unreconciled usage)');
  const models = await createModels(config.models, store, config.dataDir, app.log, (event) => bus.publish(event), config.store.kind === 'postgres' ? config.store.url : undefined);
  onFailure(() => models.close());
  const scopes = new ExecutionScopes();
  // The bridges reach the step runner, which needs the sandbox they are handed to: bound late.
  let steps: StepRunner | undefined;
  const blobs = new BlobService({
    backend: createBlobBackend(config.storage),
    repo: store.blobs,
    limits: { ...config.storage, defaultBlobTtlSeconds: config.retention.blobsDays * 86_400 },
    // Shared by every host on a shared store: a URL one signs, another serves.
    signer: new UrlSigner(store.sharedSecret ? await store.sharedSecret('blob-url') : await loadSecret(join(config.dataDir, 'secrets', 'blob-url.key')), config.publicUrl),
    logger: app.log,
  });
  onFailure(() => blobs.backend.close());

  let plugins: PluginService | undefined;
  const sandbox = await createSandbox({
    mode: config.sandbox.mode,
    workers: config.sandbox.workers,
    bridge: createBridgeHandler({
      kv: store.kv,
      audit: store.audit,
      grantOf: (name) => (plugins ? plugins.grantOf(name) : Promise.resolve({})),
      logger: app.log,
      limits: { kv: config.kv, maxLogLineBytes: config.logs.maxLineBytes, maxOpenStreams: config.models.maxOpenStreams, json: config.json },
      models: models.service,
      blobs,
      scopes,
      invokeAgent: (caller, args, bytes) => steps!.invoke(caller, args, bytes),
      progress: (caller, args) => steps!.progress(caller, args, config.orchestration.maxProgressBytes),
      onModelDelta: (scope, text) => events.publish(scope.executionId, 'model.delta', { stepId: scope.stepId ?? null, text }),
      onLog: (line) => logs.log(line),
    }),
    maxPayloadBytes: config.sandbox.maxPayloadBytes,
    maxBinaryBytes: config.sandbox.maxBinaryBytes,
    maxPendingBridgeCalls: config.sandbox.maxPendingBridgeCalls,
    quarantineAfterCrashes: config.sandbox.quarantineAfterCrashes,
    quarantineWindowMs: config.sandbox.quarantineWindowMs,
    quarantineLiftMs: config.sandbox.quarantineLiftMs,
    onQuarantine: (event) => auditQuarantine(store.audit, event).catch((err: unknown) => app.log.error({ err }, 'could not audit a quarantine')),
    onEvent: (event) => bus.publish(event),
    guestLimits: { maxPendingLogLines: config.sandbox.maxPendingLogLines, maxLogLineBytes: config.logs.maxLineBytes, maxKvKeyLength: config.kv.maxKeyLength, maxKvValueBytes: config.kv.maxValueBytes },
    workerMaxRssMb: config.sandbox.workerMaxRssMb,
    abortGraceMs: config.sandbox.abortGraceMs,
    cacheDir: join(config.dataDir, 'code-cache'),
    cacheKey: await loadSecret(join(config.dataDir, 'secrets', 'code-cache.key')),
    logger: app.log,
  });
  onFailure(() => sandbox.close());
  plugins = new PluginService({
    store,
    sandbox,
    validators: new ValidatorCache(config.json),
    dataDir: config.dataDir,
    bundleLimits: { ...config.bundles, maxDepth: 32 },
    sandboxLimits: config.sandbox,
    bus,
    // With a shared store, bundles are shared too: through the blob store, keyed by integrity.
    ...(config.store.kind === 'postgres'
      ? {
          archive: new BundleArchive(blobs.backend, config.dataDir, { ...config.bundles, maxDepth: 32 }),
          log: (plugin: string, outcome: string) => app.log.error({ plugin, outcome }, 'an installed bundle could not be restored from the blob store'),
        }
      : {}),
  });
  await plugins.sweep();
  const modified = await plugins.verifyInstalled();
  if (modified.length > 0) app.log.error({ plugins: modified }, 'installed plugins whose files changed since install are not loaded');
  await plugins.announceEnabled();
  const bundleLimits = { ...config.bundles, maxDepth: 32 };
  const client = new RegistryClient({
    urls: config.registries.urls === '' ? [] : config.registries.urls.split(','),
    timeoutMs: config.registries.timeoutMs,
    maxPackumentBytes: config.registries.maxPackumentBytes,
    maxTarballBytes: config.bundles.maxBytes,
  });
  const installer = new RegistryInstaller({
    client,
    plugins,
    signatures: { policy: config.registries.signaturePolicy, trusted: parseTrustedKeys(config.registries.trustedKeys), log: app.log },
    dataDir: config.dataDir,
    bundleLimits,
    log: app.log,
  });
  const orchestration = config.orchestration;
  steps = new StepRunner({ plugins, sandbox, steps: store.steps, audit: store.audit, scopes, events, bus, limits: { maxDepth: orchestration.maxDepth, maxSteps: orchestration.maxSteps } });
  // On a shared store, a plugin's slots are counted for every host and served in turns.
  const sharedSlots = store.pluginSlots && {
    slots: store.pluginSlots,
    changes: store.changes,
    pollMs: orchestration.queuePollMs,
    onError: (err: unknown) => app.log.warn({ err }, 'could not ask the store for a plugin slot; asking again at the next notice or poll'),
  };
  const gate = new ExecutionGate({ maxConcurrent: orchestration.maxConcurrent, maxPerPlugin: orchestration.maxConcurrentPerPlugin, maxQueued: orchestration.maxQueued }, sharedSlots);
  const keySlots = new KeySlots(config.keys.maxConcurrentExecutions, store.keySlots);
  const executions = new ExecutionService({
    plugins,
    sandbox,
    executions: store.executions,
    steps: store.steps,
    audit: store.audit,
    scopes,
    events,
    bus,
    gate,
    logger: app.log,
    limits: { maxParallelSteps: orchestration.maxParallelSteps, workflowTimeoutMs: orchestration.workflowTimeoutMs },
    keySlots,
    // The host that runs an execution answers a cancel within moments; one that does not for a
    // lease is gone, and the cancel is recorded here.
    ...(store.changes ? { shared: { changes: store.changes, cancelWaitMs: config.store.leaseMs } } : {}),
  });
  metrics.observe({ sandbox, gate, keySlots, modelState: models.state });

  // Objects whose write never committed (a crash mid-put) or that were released: at start, then periodically.
  // Hosts sharing a store and a bucket sweep it one at a time; a local folder is each host's own to sweep.
  const sweepEveryMs = Math.min(Math.max(config.storage.sweepAfterMs / 4, 1000), 600_000);
  const myTurn = config.storage.backend === 's3' ? periodicTurns(store, 'blob-sweep', sweepEveryMs) : () => Promise.resolve(true);
  const sweep = () =>
    myTurn()
      .then((mine) => (mine ? blobs.sweep() : 0))
      .then((n) => n > 0 && app.log.info({ deleted: n }, 'orphaned blob objects deleted'), (err: unknown) => app.log.warn({ err }, 'blob sweep failed; retried later'));
  await blobs.backend.check().catch((err: unknown) => app.log.warn({ err, backend: config.storage.backend }, 'blob storage is not reachable; storage calls fail with STORAGE_UNAVAILABLE until it is'));
  await sweep();
  const sweeper = setInterval(sweep, sweepEveryMs);
  sweeper.unref();
  onFailure(async () => clearInterval(sweeper));
  // Old records and expired blobs, a batch of each kind per pass: a first pass now, then every EASEL_RETENTION_SWEEP_MS.
  const retention = new Retention({ store, blobs, config: config.retention, metrics, logger: app.log });
  retention.start();
  onFailure(() => retention.stop());

  // Before the server waits for open requests (Fastify closes it ahead of our onClose): those
  // waiting for a workflow answer 202 now, the sandbox stops, and workflows it cuts off stay
  // unfinished, to be resumed at the next start. Answers sent from now on close their
  // connection, so no keep-alive socket holds the stop up.
  app.addHook('onSend', async (_req, reply) => {
    if (executions.isStopping) reply.header('connection', 'close');
  });
  // On a store other hosts share, what a host that stopped or died left behind is taken over
  // while this one runs, not only at a start: within about the lease (EASEL_REPLICA_LEASE_MS).
  const takeOver = store.changes ? takeOverEvery(Math.max(250, Math.floor(config.store.leaseMs / 2)), async () => {
    await chargeAbandoned('model calls in flight on a host that is gone were charged at their holds (unreconciled usage)');
    const taken = await executions.resumeInterrupted();
    if (taken.resumed + taken.failed > 0) app.log.warn(taken, 'executions a host that is gone left were resumed or failed here');
  }, (err) => app.log.warn({ err }, 'taking over what a gone host left failed; retried')) : undefined;
  onFailure(async () => takeOver?.stop());
  app.addHook('preClose', async () => {
    await takeOver?.stop();
    executions.stopping();
    await executions.settleAgentCalls(orchestration.stopGraceMs);
    await sandbox.close();
    await executions.drain();
  });
  app.addHook('onClose', async () => {
    clearInterval(sweeper);
    await retention.stop();
    await events.flush().catch(() => undefined);
    await blobs.backend.close();
    await models.close();
    metrics.close();
    logs.close();
    audited.close();
    await audited.idle();
    await store.close();
  });
  // Before any route: the OpenAPI document lists the routes as they are added.
  await installOpenApi(app, { plugins, keys: store.apiKeys });
  await installKeyRateLimit(app, config.keys, store.rateWindows);
  await app.register(healthRoutes, { sandbox, storage: blobs.backend });
  await app.register(pluginRoutes, { plugins, keys: store.apiKeys, bundleMaxBytes: config.bundles.maxBytes });
  await app.register(pluginLogRoutes, { logs, plugins, keys: store.apiKeys, heartbeatMs: orchestration.sseHeartbeatMs, maxBufferedBytes: config.logs.streamMaxBufferedBytes });
  await app.register(registryRoutes, { installer, client, plugins, keys: store.apiKeys });
  await app.register(keyRoutes, { keys: store.apiKeys, apps: store.apps, audit: store.audit });
  await app.register(agentRoutes, { plugins, executions, keys: store.apiKeys, inputBodyMaxBytes: config.inputBodyMaxBytes });
  await app.register(workflowRoutes, { plugins, executions, keys: store.apiKeys, inputBodyMaxBytes: config.inputBodyMaxBytes, waitMs: orchestration.waitMs, preview: new WorkflowPreview({ sandbox, plugins, router: models.service.router }) });
  await app.register(executionRoutes, { executions, keys: store.apiKeys });
  await app.register(executionEventRoutes, { events, executions: store.executions, keys: store.apiKeys, heartbeatMs: orchestration.sseHeartbeatMs, maxStreams: orchestration.maxStreams });
  await app.register(metricsRoutes, { metrics, keys: store.apiKeys });
  await app.register(pluginHttpRoutes, { plugins, executions, keys: store.apiKeys, inputBodyMaxBytes: config.inputBodyMaxBytes });
  await app.register(blobRoutes, { blobs, keys: store.apiKeys });
  await app.register(modelRoutes, { models, usage: store.usage, budgets: store.budgets, keys: store.apiKeys, typicalRequest: config.models.typicalRequest });
  await app.register(budgetRoutes, { budgets: store.budgets, apps: store.apps, audit: store.audit, keys: store.apiKeys });
  await app.register(retentionRoutes, { retention, keys: store.apiKeys, audit: store.audit });
  await app.register(usageReportRoutes, { usage: store.usage, keys: store.apiKeys, maxDays: config.models.usageReportMaxDays, top: config.models.usageReportTop });
  await app.register(auditRoutes, { audit: store.audit, keys: store.apiKeys });
  await app.register(marketplaceRoutes, { client, plugins, keys: store.apiKeys });
  await app.register(whoamiRoutes, { keys: store.apiKeys, apps: store.apps });
  await app.register(consoleRoutes);
  if (config.firstPartyPlugins) {
    await installFirstPartyPlugins(plugins, config.dataDir, app.log, config.firstPartySource === 'registry' ? { kind: 'registry', installer } : { kind: 'folder' });
  }
  // Workflows a stop interrupted run again (completed steps replayed); agent calls are failed.
  const interrupted = await executions.resumeInterrupted();
  if (interrupted.resumed + interrupted.failed > 0) app.log.warn(interrupted, 'executions interrupted by the last stop were resumed or failed');
  return { app, store, sandbox, plugins, models, blobs, executions, bus, metrics, events, adminKey, fatal };
}

/** Runs `task` every `ms`, one run at a time; `stop` waits for the run under way. */
function takeOverEvery(ms: number, task: () => Promise<void>, onError: (err: unknown) => void): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const timer = setInterval(() => {
    running = running.then(() => (stopped ? undefined : task().catch(onError)));
  }, ms);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
