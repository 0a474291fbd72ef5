/** Temp folders and throwaway plugins for the SDK tests. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

export const HELLO_MANIFEST_PATH = new URL('../../plugins-external/hello/plugin.json', import.meta.url);

/** A fresh deep copy of hello's plugin.json. */
export async function helloManifest(): Promise<Record<string, any>> {
  return JSON.parse(await readFile(HELLO_MANIFEST_PATH, 'utf8'));
}

const created: string[] = [];
afterEach(async () => {
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A temp folder removed after the current test. */
export async function tempDir(prefix = 'easel-sdk-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

// No imports, so it bundles from any folder (no node_modules needed).
const SELF_CONTAINED_SOURCE = `export default {
  agents: {
    greeter: {
      capabilities: {
        greet: (input) => ({ message: 'Hello, ' + input.name + '!' }),
        count: (input) => ({ name: input.name, visits: 1 }),
      },
    },
  },
};
`;

export interface TempPluginOptions {
  manifest?: Record<string, unknown>;
  source?: string;
  files?: Record<string, string>;
}

/** A plugin folder (hello's manifest, a dependency-free entry) in a temp folder. */
export async function tempPlugin(options: TempPluginOptions = {}): Promise<string> {
  const dir = await tempDir('easel-plugin-');
  const manifest = options.manifest ?? (await helloManifest());
  await writeFile(join(dir, 'plugin.json'), JSON.stringify(manifest, null, 2));
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'src/index.js'), options.source ?? SELF_CONTAINED_SOURCE);
  for (const [name, content] of Object.entries(options.files ?? {})) await writeFile(join(dir, name), content);
  return dir;
}
