/**
 * One peer target as its own server process: the handler behind a Fastify route on 127.0.0.1,
 * run one of three ways (`--kind`):
 *   fastify   the function itself (the ceiling: no sandbox at all)
 *   vm        the handler text in a `node:vm` context (a separate global, no isolation)
 *   quickjs   the handler text in a quickjs-emscripten context (an interpreter compiled to wasm)
 * vm and quickjs take the body as a string and answer a string, as a sandbox must (nothing but
 * strings crosses into quickjs). Prints `listening on <url>` once ready.
 *
 *   ./run node --no-node-snapshot bench/peers/node-target.ts --kind vm
 */
import { parseArgs } from 'node:util';
import vm from 'node:vm';
import Fastify from 'fastify';
import { getQuickJS } from 'quickjs-emscripten';
import { handle, HANDLER_SOURCE } from './handler.ts';

/** Evaluated after the handler: a function from the request body to the response body. */
const ENTRY = '\n;(json) => JSON.stringify(handle(JSON.parse(json)))';

type StringHandler = (body: string) => string;

function viaVm(): StringHandler {
  const context = vm.createContext({});
  return new vm.Script(HANDLER_SOURCE + ENTRY, { filename: 'handler.js' }).runInContext(context) as StringHandler;
}

async function viaQuickJs(): Promise<StringHandler> {
  const quickjs = await getQuickJS();
  const context = quickjs.newContext();
  const entry = context.unwrapResult(context.evalCode(HANDLER_SOURCE + ENTRY, 'handler.js'));
  return (body) => {
    const arg = context.newString(body);
    const result = context.callFunction(entry, context.undefined, arg);
    arg.dispose();
    const out = context.unwrapResult(result);
    try {
      return context.getString(out);
    } finally {
      out.dispose();
    }
  };
}

const { values } = parseArgs({ options: { kind: { type: 'string', default: 'fastify' } } });
const app = Fastify({ logger: false });
if (values.kind === 'fastify') {
  app.post('/agent', async (req) => handle(req.body));
} else if (values.kind === 'vm' || values.kind === 'quickjs') {
  const run = values.kind === 'vm' ? viaVm() : await viaQuickJs();
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/agent', async (req, reply) => reply.type('application/json').send(run(req.body as string)));
} else {
  throw new Error(`--kind must be fastify, vm or quickjs, not ${values.kind}`);
}
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on ${url}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
