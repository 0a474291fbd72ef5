/**
 * Easel as operators start it (`host/src/main.ts`, a child process like bench/soak's), serving
 * the handler from a tiny plugin the bench writes and packs with the real `easel` CLI, enabled,
 * and called at `POST /v1/agents/bench-peer/peer/prompt` with an app key. Keys get no request
 * rate or concurrency limit (the load generator is one client).
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packWithCli } from '../../test/helpers/pack.ts';
import { REPO } from '../soak/processes.ts';
import { startServer, type Server } from './child.ts';
import { HANDLER_SOURCE } from './handler.ts';

export const EASEL_PATH = '/v1/agents/bench-peer/peer/prompt';
const ADMIN = 'bench-peers-admin-token-0123456789abcdef';

const MANIFEST = {
  name: 'bench-peer',
  version: '1.0.0',
  description: 'bench/peers: the peer handler (build a prompt from a keyword, a style and a count)',
  author: 'Easel bench',
  license: 'Apache-2.0',
  engines: { easel: '^1.0.0' },
  agents: [
    {
      type: 'peer',
      description: 'The handler every peer target runs',
      capabilities: [
        {
          name: 'prompt',
          description: 'A prompt string built from the input',
          input: {
            type: 'object',
            required: ['keyword', 'style', 'n'],
            additionalProperties: false,
            properties: { keyword: { type: 'string', maxLength: 100 }, style: { type: 'string', maxLength: 40 }, n: { type: 'integer', minimum: 1, maximum: 10 } },
          },
          output: { type: 'object', required: ['prompt'], properties: { prompt: { type: 'string' } } },
        },
      ],
    },
  ],
};

const ENTRY = `import { definePlugin } from '@easel/sdk';

${HANDLER_SOURCE}

export default definePlugin({ agents: { peer: { capabilities: { prompt: (input) => handle(input) } } } });
`;

async function writePlugin(dir: string): Promise<void> {
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'plugin.json'), JSON.stringify(MANIFEST, null, 2));
  await writeFile(join(dir, 'src/index.js'), ENTRY);
  await mkdir(join(dir, 'node_modules/@easel'), { recursive: true });
  await symlink(join(REPO, 'sdk'), join(dir, 'node_modules/@easel/sdk'), 'dir');
}

async function ensure(what: string, res: Response, status: number): Promise<any> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

export interface EaselTarget {
  server: Server;
  appKey: string;
}

/**
 * Starts the host with its data in `dir` and its isolates in `mode` (EASEL_SANDBOX_MODE), with
 * `env`'s settings besides, installs and enables the plugin, and makes an app key.
 */
export async function startEasel(dir: string, mode: 'processes' | 'in-process' = 'processes', env: Record<string, string> = {}): Promise<EaselTarget> {
  await writePlugin(join(dir, 'plugin'));
  const { tarball } = await packWithCli(join(dir, 'plugin'));
  await mkdir(join(dir, 'home'));
  const server = await startServer('the Easel host', process.execPath, ['--no-node-snapshot', join(REPO, 'host/src/main.ts')], /Easel host listening on (http:\/\/\S+)/, {
    cwd: join(dir, 'home'),
    timeoutMs: 180_000,
    env: {
      PATH: process.env.PATH,
      HOME: join(dir, 'home'),
      EASEL_DATA_DIR: join(dir, 'data'),
      EASEL_HOST: '127.0.0.1',
      EASEL_PORT: '0',
      EASEL_ADMIN_TOKEN: ADMIN,
      EASEL_LOG_LEVEL: 'warn',
      EASEL_FIRST_PARTY_PLUGINS: 'false',
      EASEL_KEY_REQUESTS_PER_MINUTE: '0',
      EASEL_KEY_MAX_CONCURRENT_EXECUTIONS: '0',
      EASEL_SANDBOX_MODE: mode,
      // The durability setting under test, when the bench is run with one (bench/README.md).
      ...(process.env.EASEL_DB_SYNCHRONOUS ? { EASEL_DB_SYNCHRONOUS: process.env.EASEL_DB_SYNCHRONOUS } : {}),
      ...env,
    },
  });
  try {
    const admin = { authorization: `Bearer ${ADMIN}` };
    const json = { ...admin, 'content-type': 'application/json' };
    await ensure('upload', await fetch(`${server.url}/v1/plugins/upload`, { method: 'POST', headers: { ...admin, 'content-type': 'application/gzip' }, body: new Uint8Array(tarball) }), 201);
    await ensure('enable', await fetch(`${server.url}/v1/plugins/bench-peer/enable`, { method: 'POST', headers: json, body: JSON.stringify({ grant: 'requested' }) }), 200);
    const key = await ensure('app key', await fetch(`${server.url}/v1/keys`, { method: 'POST', headers: json, body: JSON.stringify({ role: 'app', label: 'bench-peers' }) }), 201);
    return { server, appKey: key.key as string };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
