/** Manifests and plugin folders for the test kit's tests. */
import { fileURLToPath } from 'node:url';
import type { Permissions, PluginManifest } from '../src/index.ts';

export const HELLO_DIR = fileURLToPath(new URL('../../plugins-external/hello', import.meta.url));
export const PROBE_DIR = fileURLToPath(new URL('./fixtures/kit-probe', import.meta.url));
export const MISSING_WORKFLOW_DIR = fileURLToPath(new URL('./fixtures/kit-missing-workflow', import.meta.url));

/** A one-agent manifest (`tool.use`, any object in and out) that requests `permissions`. */
export function manifestWith(permissions: Permissions, extra: Partial<PluginManifest> = {}): PluginManifest {
  return {
    name: 'kit-test',
    version: '1.2.3',
    description: 'A plugin the test kit tests run against',
    author: 'Easel tests',
    license: 'Apache-2.0',
    engines: { easel: '^1.0.0' },
    permissions,
    agents: [
      {
        type: 'tool',
        description: 'Does one thing',
        capabilities: [{ name: 'use', description: 'Uses it', input: { type: 'object' }, output: { type: 'object' } }],
      },
    ],
    ...extra,
  };
}

/** The code an async call failed with (undefined when it succeeded). */
export async function codeOf(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

/** A PNG signature and a few bytes: enough for the host's image checks. */
export const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 7]);
