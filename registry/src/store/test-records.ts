/** Records the store suites publish: a plugin version, or a library one, with made-up hashes. */
import { createHash } from 'node:crypto';
import type { NewVersion, RegistryStore } from './types.ts';

const fakeIntegrity = (seed: string) => `sha512-${createHash('sha512').update(seed).digest('base64')}`;

export function pluginVersion(name: string, version: string, extra: { description?: string; keywords?: string[]; integrity?: string } = {}): NewVersion {
  const integrity = extra.integrity ?? fakeIntegrity(`${name}@${version}`);
  const manifest = {
    name,
    version,
    description: extra.description ?? `${name} for tests`,
    author: 'tests',
    license: 'MIT',
    engines: { easel: '^1.0.0' },
    ...(extra.keywords ? { keywords: extra.keywords } : {}),
    agents: [{ type: 'echo', description: 'echoes', capabilities: [{ name: 'say', description: 'says', input: {}, output: {} }] }],
  };
  return {
    kind: 'plugin',
    manifest: manifest as NewVersion['manifest'] & object,
    name,
    version,
    doc: { name, version, dist: { integrity, shasum: 'ab'.repeat(20) } },
    integrity,
    shasum: 'ab'.repeat(20),
    size: 1234,
    fileCount: 3,
    unpackedSize: 4567,
    publisher: 'alice',
    publishedAt: new Date().toISOString(),
    readme: `# ${name}`,
  };
}

export function libraryVersion(name: string, version: string, description = 'a library'): NewVersion {
  const integrity = fakeIntegrity(`${name}@${version}`);
  return {
    kind: 'library',
    name,
    version,
    doc: { name, version, description, keywords: ['lib'], dist: { integrity, shasum: 'cd'.repeat(20) } },
    integrity,
    shasum: 'cd'.repeat(20),
    size: 10,
    fileCount: 1,
    unpackedSize: 20,
    publisher: 'alice',
    publishedAt: new Date().toISOString(),
  };
}

/** Users with an email each (owners' emails show in packuments). */
export async function withUsers(store: RegistryStore, ...names: string[]): Promise<void> {
  for (const name of names) await store.users.create({ name, email: `${name}@example.com`, passwordHash: 'scrypt$x' });
}
