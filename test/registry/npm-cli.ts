/**
 * Runs the real `npm` (the one on PATH: npm 11 under ./run) against a test registry, with
 * a temporary userconfig, globalconfig and cache, in a temporary project folder. Every call
 * is bounded by a timeout; interactive prompts are answered when they appear.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NpmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface NpmOptions {
  /** Prompt text -> answer, in order (for `npm login`). */
  answers?: [prompt: string, answer: string][];
  timeoutMs?: number;
  /** Another cache folder than the shared one. */
  cache?: string;
  /** Another working folder than the temp project (`npm pack` of a folder). */
  cwd?: string;
}

export class NpmCli {
  readonly root: string;
  readonly project: string;
  readonly #registry: string;
  readonly #env: NodeJS.ProcessEnv;

  private constructor(root: string, registry: string) {
    this.root = root;
    this.project = join(root, 'project');
    this.#registry = registry;
    // npm_config_* from the parent (npx, ./run) would override the temp userconfig.
    this.#env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));
    this.#env.NO_COLOR = '1';
  }

  static async create(registryUrl: string): Promise<NpmCli> {
    const registry = registryUrl.replace(/\/?$/, '/');
    const cli = new NpmCli(await mkdtemp(join(tmpdir(), 'easel-npm-')), registry);
    await mkdir(cli.project);
    await writeFile(join(cli.project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    await writeFile(join(cli.root, 'globalrc'), '');
    await writeFile(cli.userconfig, [`registry=${registry}`, 'audit=false', 'fund=false', 'update-notifier=false', ''].join('\n'));
    return cli;
  }

  get userconfig(): string {
    return join(this.root, 'npmrc');
  }

  /** The `//host:port/:_authToken=` line npm writes after a login, replaced. */
  async setToken(token: string): Promise<void> {
    const key = `//${new URL(this.#registry).host}/:_authToken=`;
    const lines = (await readFile(this.userconfig, 'utf8')).split('\n').filter((l) => !l.startsWith(key) && l !== '');
    await writeFile(this.userconfig, [...lines, `${key}${token}`, ''].join('\n'));
  }

  run(args: string[], options: NpmOptions = {}): Promise<NpmResult> {
    const answers = [...(options.answers ?? [])];
    const child = spawn(
      'npm',
      [...args, '--userconfig', this.userconfig, '--globalconfig', join(this.root, 'globalrc'), '--cache', options.cache ?? join(this.root, 'cache'), '--color=false'],
      // Always in the temp project: npm walks up from cwd to find the package it works on.
      { cwd: options.cwd ?? this.project, env: this.#env, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let pending = '';
    const onData = (chunk: Buffer, target: 'out' | 'err') => {
      const text = chunk.toString('utf8');
      if (target === 'out') stdout += text;
      else stderr += text;
      pending += text;
      while (answers.length > 0 && pending.includes(answers[0]![0])) {
        const [prompt, answer] = answers.shift()!;
        pending = pending.slice(pending.indexOf(prompt) + prompt.length);
        child.stdin.write(`${answer}\n`);
      }
    };
    child.stdout.on('data', (c: Buffer) => onData(c, 'out'));
    child.stderr.on('data', (c: Buffer) => onData(c, 'err'));
    // With answers, stdin stays open: ending it early makes npm's prompt reader give up.
    if (!options.answers) child.stdin.end();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`npm ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, options.timeoutMs ?? 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  async close(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
