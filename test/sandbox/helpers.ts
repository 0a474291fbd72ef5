/**
 * Shared setup for the sandbox suites: fixture plugins built by the SDK into a temp folder,
 * a real sandbox (real worker processes, real isolates) and a BridgeHandler written for the
 * tests (in-memory kv keyed by the caller the HOST bound, grants per plugin id, keys the test
 * can hold open), plus process-level sentinels that must stay at zero.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect } from 'vitest';
import { buildPluginScript } from '../../sdk/src/bundle/build-script.ts';
import { EaselError } from '../../host/src/errors/index.ts';
import { createSandbox, WithBytes } from '../../host/src/sandbox/index.ts';
import type { BridgeCaller, Sandbox, SandboxMode, SandboxOptions, SandboxPlugin } from '../../host/src/sandbox/index.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/plugins');

/**
 * The suites that say what plugin code can and cannot do run in both modes: isolates in worker
 * processes (the default) and in the host's own process.
 */
export const SANDBOX_MODES: readonly SandboxMode[] = ['processes', 'in-process'];

export interface Fixture {
  plugin: SandboxPlugin;
  expected: { agents: Record<string, string[]>; workflows: string[] };
}

interface Manifest {
  name: string;
  version: string;
  agents?: { type: string; capabilities: { name: string }[] }[];
  workflows?: { type: string }[];
}

const built = new Map<string, Promise<{ path: string; sha: string; manifest: Manifest }>>();
const tempDirs: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `easel-sandbox-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/** Builds `test/fixtures/plugins/<name>` with the SDK's bundler and writes its dist script. */
export async function fixture(name: string, limits: Partial<SandboxPlugin['limits']> = {}, id?: string): Promise<Fixture> {
  if (!built.has(name)) {
    built.set(
      name,
      (async () => {
        const dir = join(FIXTURES, name);
        const manifest = JSON.parse(readFileSync(join(dir, 'plugin.json'), 'utf8')) as Manifest;
        const { code } = await buildPluginScript(dir);
        const path = join(tempDir(name), 'plugin.js');
        writeFileSync(path, code);
        return { path, sha: createHash('sha256').update(code).digest('hex'), manifest };
      })(),
    );
  }
  const { path, sha, manifest } = await built.get(name)!;
  const agents: Record<string, string[]> = {};
  for (const agent of manifest.agents ?? []) agents[agent.type] = agent.capabilities.map((c) => c.name);
  return {
    plugin: {
      id: id ?? `${manifest.name}@${manifest.version}`,
      name: manifest.name,
      version: manifest.version,
      scriptPath: path,
      scriptSha256: sha,
      limits: { memoryMb: 32, cpuMs: 300, wallMs: 300, ...limits },
    },
    expected: { agents, workflows: (manifest.workflows ?? []).map((w) => w.type) },
  };
}

export interface BridgeLogEntry {
  caller: BridgeCaller;
  capability: string;
  op: string;
  args: unknown;
  /** The byte array the guest passed, as the host received it. */
  bytes?: Buffer;
}

/** The test's host side of the bridges. */
export class TestBridge {
  readonly kv = new Map<string, Map<string, unknown>>();
  readonly granted = new Map<string, Set<string>>();
  readonly log: BridgeLogEntry[] = [];
  readonly held = new Map<string, { entered: Promise<void>; release: (v: unknown) => void }>();
  inFlight = 0;
  maxInFlight = 0;
  #enter = new Map<string, () => void>();

  grant(pluginId: string, ...capabilities: string[]): void {
    this.granted.set(pluginId, new Set(capabilities));
  }

  /** Makes `kv.get(key)` wait until the test releases it; `entered` resolves when a plugin is waiting. */
  hold(key: string): { entered: Promise<void>; release: (v: unknown) => void } {
    let release!: (v: unknown) => void;
    const gate = new Promise<unknown>((r) => (release = r));
    const entered = new Promise<void>((r) => this.#enter.set(key, r));
    const handle = { entered, release, gate };
    this.held.set(key, handle);
    return handle;
  }

  /** Objects `ctx.storage.put` stored, by plugin id and key (a stand-in for the host's blob store). */
  readonly blobs = new Map<string, Map<string, Buffer>>();

  readonly handler = async (caller: BridgeCaller, capability: string, op: string, args: unknown, bytes?: Buffer): Promise<unknown> => {
    this.log.push({ caller, capability, op, args, ...(bytes === undefined ? {} : { bytes }) });
    if (capability === 'log') return undefined;
    if (!this.granted.get(caller.pluginId)?.has(capability)) throw new EaselError('PERMISSION_DENIED', { plugin: caller.pluginName, target: `ctx.${capability}`, reason: 'the permission was not granted' });
    if (capability === 'storage' && (op === 'put' || op === 'get')) return this.#storage(caller, op, args as { key?: unknown }, bytes);
    if (capability !== 'kv') throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `this test bridge has no ${capability}` });
    const a = args as { key?: unknown; value?: unknown; prefix?: unknown };
    if (a === null || typeof a !== 'object') throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: 'arguments must be an object' });
    if (op !== 'list' && typeof a.key !== 'string') throw new EaselError('KV_KEY_INVALID', { name: 'key', least: 1, most: 512 });
    const key = a.key as string;
    if (key === 'leak') throw new Error('db failed at /home/secret/path/kv.sqlite with AKIAABCDEFGHIJKLMNOP');
    if (key === 'leak-easel') throw new EaselError('KV_KEY_INVALID', { name: 'the key at /home/secret/path/kv.sqlite (AKIAABCDEFGHIJKLMNOP)', least: 1, most: 512 });
    const held = this.held.get(key) as { gate: Promise<unknown> } | undefined;
    if (held) {
      this.#enter.get(key)?.();
      return held.gate;
    }
    // Namespaced by the caller the host bound: nothing in the key can change which map is used.
    const store = this.kv.get(caller.pluginId) ?? new Map<string, unknown>();
    this.kv.set(caller.pluginId, store);
    switch (op) {
      case 'get':
        if (key.startsWith('slow/')) {
          this.inFlight++;
          this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
          await new Promise((r) => setTimeout(r, 30));
          this.inFlight--;
        }
        return store.get(key);
      case 'set':
        if (a.value === undefined) throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: 'value must be JSON (not undefined)' });
        store.set(key, a.value);
        return undefined;
      case 'delete':
        return store.delete(key);
      case 'list':
        return [...store.keys()].filter((k) => k.startsWith(typeof a.prefix === 'string' ? a.prefix : '')).sort();
      default:
        throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `kv has no operation ${op}` });
    }
  };

  #storage(caller: BridgeCaller, op: string, args: { key?: unknown }, bytes: Buffer | undefined): unknown {
    const store = this.blobs.get(caller.pluginId) ?? new Map<string, Buffer>();
    this.blobs.set(caller.pluginId, store);
    const key = String(args.key);
    if (op === 'get') {
      const found = store.get(key);
      return found === undefined ? undefined : new WithBytes({ size: found.length }, [found]);
    }
    if (!bytes) throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: 'bytes are required' });
    store.set(key, Buffer.from(bytes));
    return { size: bytes.length };
  }
}

export interface TestLogger {
  entries: { level: string; obj: object; msg?: string }[];
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export function testLogger(): TestLogger {
  const entries: TestLogger['entries'] = [];
  return {
    entries,
    info: (obj, msg) => entries.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => entries.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => entries.push({ level: 'error', obj, msg }),
  };
}

export async function startSandbox(bridge: TestBridge, overrides: Partial<SandboxOptions> = {}): Promise<{ sandbox: Sandbox; logger: TestLogger; options: SandboxOptions }> {
  const logger = testLogger();
  const options: SandboxOptions = {
    workers: 1,
    bridge: bridge.handler,
    maxPayloadBytes: 1024 * 1024,
    maxBinaryBytes: 8 * 1024 * 1024,
    maxPendingBridgeCalls: 8,
    quarantineAfterCrashes: 3,
    quarantineWindowMs: 60_000,
    cacheDir: tempDir('cache'),
    cacheKey: randomBytes(32),
    logger,
    workerMaxRssMb: 1024,
    ...overrides,
  };
  return { sandbox: await createSandbox(options), logger, options };
}

/** The worker never reported an unhandled rejection or an uncaught exception. */
export function expectNoWorkerFaults(logger: TestLogger): void {
  expect(logger.entries.filter((e) => /unhandled rejection in worker|uncaught exception in worker|worker failed/.test(e.msg ?? ''))).toEqual([]);
}

let executions = 0;
export function executionId(): string {
  return `exec-${process.pid}-${++executions}`;
}

/** Runs an agent capability and returns its output. */
export async function call(sandbox: Sandbox, f: Fixture, agent: string, capability: string, input: unknown = {}, extra: { config?: Record<string, unknown>; signal?: AbortSignal } = {}) {
  return sandbox.invoke({ plugin: f.plugin, kind: 'agent', target: agent, capability, input, config: extra.config ?? {}, executionId: executionId(), signal: extra.signal });
}

/** The rejection of a promise (fails if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<EaselError> {
  try {
    await p;
  } catch (err) {
    return err as EaselError;
  }
  throw new Error('expected a rejection');
}

export function elapsed(): () => number {
  const start = performance.now();
  return () => performance.now() - start;
}

export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Counts unhandled rejections and uncaught exceptions in this test process; asserts zero at the end. */
export function installSentinels(): { unhandled: unknown[]; uncaught: unknown[] } {
  const seen = { unhandled: [] as unknown[], uncaught: [] as unknown[] };
  const onRejection = (reason: unknown) => seen.unhandled.push(reason);
  const onException = (err: unknown) => seen.uncaught.push(err);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  afterAll(() => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    expect(seen.unhandled).toEqual([]);
    expect(seen.uncaught).toEqual([]);
  });
  return seen;
}
