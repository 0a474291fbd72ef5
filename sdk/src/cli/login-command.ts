/**
 * `easel login`: gets a token from a registry with a user name and password over plain
 * HTTP (npm's login request, `PUT /-/user/org.couchdb.user:<name>`, which also creates the
 * account where the registry allows sign-up) and saves it in the user's npmrc. Works without
 * a terminal: the password comes from standard input or `EASEL_REGISTRY_PASSWORD`.
 */
import { createInterface } from 'node:readline';
import type { CliIo } from './io.ts';
import type { Command } from './command.ts';
import { registryConfig, saveToken, userNpmrcPath } from './npmrc.ts';
import { describeRefusal } from './publish-command.ts';

export const loginCommand: Command = {
  usage: 'login [--registry <url>] [--username <name>] [--password-stdin]',
  summary: 'get a token from the registry and save it in ~/.npmrc (no terminal needed)',
  options: { registry: { type: 'string' }, username: { type: 'string', short: 'u' }, 'password-stdin': { type: 'boolean' }, npmrc: { type: 'string' } },
  positionals: [0, 0],
  run: (_, values, io) => login(values.registry as string | undefined, values.username as string | undefined, values['password-stdin'] === true, values.npmrc as string | undefined, io),
};

async function login(flag: string | undefined, username: string | undefined, passwordStdin: boolean, npmrc: string | undefined, io: CliIo): Promise<number> {
  const { registry } = await registryConfig(process.cwd(), flag);
  if (!registry || !URL.canParse(registry)) {
    io.err('easel: no registry: pass --registry <url>, or set `registry=<url>` in .npmrc');
    return 1;
  }
  const name = username ?? process.env.EASEL_REGISTRY_USERNAME;
  if (!name) {
    io.err('easel: pass --username <name> (or set EASEL_REGISTRY_USERNAME)');
    return 2;
  }
  const password = passwordStdin ? await readLine(false) : (process.env.EASEL_REGISTRY_PASSWORD ?? (process.stdin.isTTY ? await readLine(true) : undefined));
  if (!password) {
    io.err('easel: no password: pipe it with --password-stdin, or set EASEL_REGISTRY_PASSWORD');
    return 2;
  }
  const base = registry.replace(/\/+$/, '');
  let response: Response;
  try {
    response = await fetch(`${base}/-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'npm-command': 'login', 'user-agent': 'easel-cli' },
      body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [], date: new Date().toISOString() }),
    });
  } catch (err) {
    io.err(`easel: cannot reach ${base}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    return 1;
  }
  const body = response.ok ? ((await response.json().catch(() => ({}))) as { token?: unknown }) : undefined;
  if (!body || typeof body.token !== 'string') {
    io.err(`easel: login refused: ${body ? 'the registry answered no token' : await describeRefusal(response)}`);
    return 1;
  }
  const file = npmrc ?? userNpmrcPath();
  await saveToken(file, registry, body.token);
  io.out(`logged in as ${name} on ${base}; token saved in ${file}`);
  return 0;
}

/** One line from standard input; on a terminal, a prompt that does not echo. */
async function readLine(prompt: boolean): Promise<string | undefined> {
  if (prompt) return promptHidden();
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) return line.replace(/\r$/, '');
    return undefined;
  } finally {
    rl.close();
  }
}

function promptHidden(): Promise<string> {
  process.stderr.write('Password: ');
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  let typed = '';
  return new Promise((resolve) => {
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') process.exit(130); // Ctrl-C
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}
