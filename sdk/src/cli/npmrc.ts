/**
 * The parts of npm's configuration `easel publish` and `easel login` read and write: the
 * registry URL and per-registry tokens (`//host:port/path/:_authToken=…`), from the plugin's
 * own `.npmrc`, then the user's (`npm_config_userconfig` or `~/.npmrc`), with `${VAR}`
 * expanded from the environment as npm does, so a CI job can keep the token in a secret.
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type NpmrcValues = Map<string, string>;

/** The user's npmrc file, where npm itself would look. */
export function userNpmrcPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.npm_config_userconfig ?? env.NPM_CONFIG_USERCONFIG ?? join(env.HOME ?? homedir(), '.npmrc');
}

/** Parses npmrc text: `key = value` lines; `#` and `;` start comments; values may use `${VAR}`. */
export function parseNpmrc(text: string, env: NodeJS.ProcessEnv = process.env): NpmrcValues {
  const values: NpmrcValues = new Map();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    values.set(key, value.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => env[name] ?? ''));
  }
  return values;
}

async function readNpmrc(path: string, env: NodeJS.ProcessEnv): Promise<NpmrcValues> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return parseNpmrc(text, env);
}

/** npm's key for a registry's settings: `//host:port/path/` (the URL without its scheme). */
export function nerfDart(registry: string): string {
  const url = new URL(registry);
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return `//${url.host}${path}`;
}

export interface RegistryConfig {
  registry: string | undefined;
  token: string | undefined;
  /** Where the token came from, for messages (never the token itself). */
  tokenSource: string | undefined;
}

/**
 * The registry and its token for a plugin folder: `--registry`, else `EASEL_REGISTRY`, else
 * the folder's `.npmrc`, else the user's. The token: `EASEL_REGISTRY_TOKEN`, else the most
 * specific `//…/:_authToken` line for that registry in either file.
 */
export async function registryConfig(dir: string, flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<RegistryConfig> {
  const project = await readNpmrc(join(dir, '.npmrc'), env);
  const user = await readNpmrc(userNpmrcPath(env), env);
  const registry = flag || env.EASEL_REGISTRY || project.get('registry') || user.get('registry');
  if (!registry) return { registry: undefined, token: undefined, tokenSource: undefined };
  if (env.EASEL_REGISTRY_TOKEN) return { registry, token: env.EASEL_REGISTRY_TOKEN, tokenSource: 'EASEL_REGISTRY_TOKEN' };
  for (const [values, source] of [[project, join(dir, '.npmrc')], [user, userNpmrcPath(env)]] as const) {
    const token = tokenFor(values, registry);
    if (token) return { registry, token, tokenSource: source };
  }
  return { registry, token: undefined, tokenSource: undefined };
}

/** The token of the longest matching `//host/path/:_authToken` key, walking up the path as npm does. */
function tokenFor(values: NpmrcValues, registry: string): string | undefined {
  let key = nerfDart(registry);
  for (;;) {
    const token = values.get(`${key}:_authToken`);
    if (token) return token;
    const up = key.replace(/[^/]+\/$/, '');
    if (up === key || up === '//') return undefined;
    key = up;
  }
}

/** Writes (or replaces) the registry's token line in an npmrc file, mode 0600, atomically. */
export async function saveToken(path: string, registry: string, token: string): Promise<void> {
  const key = `${nerfDart(registry)}:_authToken`;
  const lines = (await readFile(path, 'utf8').catch(() => '')).split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith(`${key}=`));
  lines.push(`${key}=${token}`);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${lines.join('\n')}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
}
