/**
 * The product plugins as a platform team gets them: packed from plugins-external/ with the
 * real `easel` CLI, published to a real registry, installed by range over the admin API
 * (the resolver pulls canvas in as post-creation's and game-development's dependency) and
 * enabled with what they request.
 */
import { expect } from 'vitest';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import { startHost, type RunningHost } from './host.ts';
import { emulatorOf } from './orchestration.ts';
import { packWithCli } from './pack.ts';
import { startRegistry, type RunningRegistry } from './registry.ts';

export const PRODUCT_PLUGINS = ['canvas', 'post-creation', 'game-development', 'content-creation'] as const;

export interface ProductHost {
  host: RunningHost;
  registry: RunningRegistry;
  control: EmulatorControl;
  /** Two app keys (tenants) with their ids. */
  apps: { a: { key: string; id: string }; b: { key: string; id: string } };
  close(): Promise<void>;
}

/** Packs and publishes the product plugins to a fresh registry. */
export async function publishProductPlugins(registry: RunningRegistry): Promise<void> {
  const packed = await Promise.all(PRODUCT_PLUGINS.map(async (name) => [name, (await packWithCli(`plugins-external/${name}`)).tarball] as const));
  for (const [name, tarball] of packed) {
    const res = await registry.publish(tarball);
    if (res.status !== 201) throw new Error(`publish ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

export async function productHost(overrides: Parameters<typeof startHost>[0] = {}): Promise<ProductHost> {
  const registry = await startRegistry();
  await publishProductPlugins(registry);
  const host = await startHost({ registries: { urls: registry.url, trustedKeys: await registry.trustedKeys() }, ...overrides } as never);
  for (const name of ['post-creation', 'game-development', 'content-creation']) {
    const res = await host.call('POST', '/v1/plugins/install', { body: { name, range: '^1' } });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  }
  for (const name of PRODUCT_PLUGINS) {
    const res = await host.call('POST', `/v1/plugins/${name}/enable`, { body: { grant: 'requested' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  const key = async (label: string) => {
    const res = await host.call('POST', '/v1/keys', { body: { role: 'app', label } });
    return { key: res.body.key as string, id: res.body.id as string };
  };
  const apps = { a: await key('app a'), b: await key('app b') };
  return {
    host,
    registry,
    control: emulatorOf(host),
    apps,
    async close() {
      await host.close();
      await registry.close();
    },
  };
}

/** Start and end of a step as epoch ms. */
export const span = (step: { startedAt: string; finishedAt: string }) => [Date.parse(step.startedAt), Date.parse(step.finishedAt)] as const;

/** True when every step started before any of them finished: they ran at the same time. */
export function overlapped(steps: { startedAt: string; finishedAt: string }[]): boolean {
  const spans = steps.map(span);
  return Math.max(...spans.map(([start]) => start)) < Math.min(...spans.map(([, end]) => end));
}
