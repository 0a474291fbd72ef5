/**
 * workerd (Cloudflare's runtime; the npm package `workerd` carries the binary) serving the
 * handler from a module the bench writes, with the config it writes beside it: one worker, one
 * HTTP socket on 127.0.0.1. workerd takes no port 0, so a free port is found first.
 */
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { freePort } from '../../test/helpers/free-port.ts';
import { join } from 'node:path';
import { startServer, type Server } from './child.ts';
import { HANDLER_SOURCE } from './handler.ts';

const WORKER = `${HANDLER_SOURCE}
export default {
  async fetch(request) {
    if (request.method !== 'POST') return new Response('not found', { status: 404 });
    return new Response(JSON.stringify(handle(JSON.parse(await request.text()))), { headers: { 'content-type': 'application/json' } });
  },
};
`;

function config(port: number, compatibilityDate: string): string {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .peer) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const peer :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${compatibilityDate}",
);
`;
}

/** The workerd binary's path, or why there is none. */
export function workerdBinary(): { path: string; compatibilityDate: string } | { missing: string } {
  try {
    const mod = createRequire(import.meta.url)('workerd') as { default: string; compatibilityDate: string };
    return { path: mod.default, compatibilityDate: mod.compatibilityDate };
  } catch (err) {
    return { missing: (err as Error).message.split('\n')[0] ?? String(err) };
  }
}

export async function startWorkerd(dir: string, binary: string, compatibilityDate: string): Promise<Server> {
  const port = await freePort();
  await writeFile(join(dir, 'worker.js'), WORKER);
  await writeFile(join(dir, 'config.capnp'), config(port, compatibilityDate));
  return startServer('workerd', binary, ['serve', join(dir, 'config.capnp')], new URL(`http://127.0.0.1:${port}/`));
}
