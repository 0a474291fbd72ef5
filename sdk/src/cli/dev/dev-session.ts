/**
 * One `easel dev` session against one host: an app key for the printed examples, and a
 * reload per save: pack, upload (the host replaces the installed code even at the same
 * version), enable with the requested grant when that is needed, then examples and the log
 * stream. A reload that fails at any step changes nothing on the host, so the last good code
 * keeps serving; the failure is printed as one block.
 */
import { BundleError, type BundleProblem } from '../../bundle/errors.ts';
import { packPlugin, type PackedPlugin } from '../../bundle/pack.ts';
import type { CliIo } from '../io.ts';
import { curlExamples } from './examples.ts';
import { HostError, type HostClient } from './host-client.ts';
import { LogFollower } from './log-follower.ts';
import { printFailure } from './report.ts';

interface Loaded {
  name: string;
  version: string;
  integrity: string;
  /** The requested permissions the grant was last set from, as JSON. */
  requested: string;
}

export class DevSession {
  #root: string;
  #io: CliIo;
  #client: HostClient;
  #adminKey: string;
  #app: { id: string; key: string } | undefined;
  #loaded: Loaded | undefined;
  #logs: LogFollower | undefined;

  constructor(root: string, client: HostClient, adminKey: string, io: CliIo) {
    this.#root = root;
    this.#client = client;
    this.#adminKey = adminKey;
    this.#io = io;
  }

  /** Creates the app key the examples use (it also proves the admin key works). */
  async open(): Promise<string> {
    const created = await this.#client.call('POST', '/v1/keys', this.#adminKey, { json: { role: 'app', label: 'easel dev' } });
    this.#app = { id: created.id, key: created.key };
    return created.key;
  }

  /** Packs and loads the plugin; never throws (a failure is printed). `since` is when the change was seen. */
  async reload(since: number): Promise<void> {
    let packed: PackedPlugin;
    try {
      packed = await packPlugin(this.#root);
    } catch (err) {
      const bundle = err instanceof BundleError ? err : undefined;
      const what = bundle?.code === 'MANIFEST_INVALID' ? 'plugin.json is not valid' : 'the build failed';
      return printFailure(this.#io, this.#root, `${what}${bundle ? ` (${bundle.code})` : ''}`, bundle?.problems ?? [{ path: '', message: (err as Error).message }], this.#stillServing());
    }
    // The same bytes as the code that serves: nothing to do (a save that changed nothing, a touch).
    if (packed.integrity === this.#loaded?.integrity) return;
    const { name, version, permissions } = packed.manifest;
    const requested = JSON.stringify(permissions ?? {});
    let step = 'upload';
    try {
      const uploaded = await this.#client.call('POST', '/v1/plugins/upload', this.#adminKey, { gzip: packed.tarball });
      // The host keeps an enabled plugin enabled with its grant cut to what the new code requests;
      // it needs enabling again only when it was not enabled or asks for something else now.
      if (!uploaded.plugin.enabled || this.#loaded?.name !== name || this.#loaded.requested !== requested) {
        step = 'enable';
        await this.#client.call('POST', `/v1/plugins/${encodeURIComponent(name)}/enable`, this.#adminKey, { json: { grant: 'requested' } });
      }
    } catch (err) {
      const refused = err instanceof HostError ? err : undefined;
      const heading = !refused ? `cannot reach the host at ${this.#client.url}` : step === 'upload' ? `the host refused ${name}@${version} (${refused.code})` : `${name}@${version} is installed, but the host refused to enable it (${refused.code})`;
      return printFailure(this.#io, this.#root, heading, problemsOf(err), step === 'upload' ? this.#stillServing() : 'fix it and save to try again');
    }
    const first = this.#loaded === undefined;
    this.#loaded = { name, version, integrity: packed.integrity, requested };
    if (this.#logs?.plugin !== name) {
      this.#logs?.close();
      this.#logs = new LogFollower(this.#client, this.#adminKey, name, this.#io);
      await this.#logs.start();
    }
    this.#io.out(`${first ? 'loaded' : 'reloaded'} ${name}@${version} in ${Math.round(performance.now() - since)} ms`);
    this.#printExamples(packed);
  }

  /** Stops following the logs and revokes the app key (best effort: the host may be gone). */
  async close(): Promise<void> {
    this.#logs?.close();
    if (this.#app) await this.#client.request('DELETE', `/v1/keys/${this.#app.id}`, this.#adminKey).catch(() => undefined);
  }

  #printExamples(packed: PackedPlugin): void {
    const lines = curlExamples(packed.manifest, this.#client.url, this.#app?.key ?? '<app key>');
    if (lines.length === 0) return;
    this.#io.out(`try it on ${this.#client.url}:\n${lines.map((l) => `  ${l}`).join('\n')}`);
  }

  #stillServing(): string {
    return this.#loaded
      ? `${this.#loaded.name}@${this.#loaded.version} keeps serving the last code that loaded; fix it and save`
      : 'nothing is loaded yet; fix it and save';
  }
}

/** What the host said was wrong: its `details.problems` when it listed them, else its message. */
function problemsOf(err: unknown): BundleProblem[] {
  const listed = err instanceof HostError ? err.details?.problems : undefined;
  if (Array.isArray(listed) && listed.length > 0) {
    return listed.map((p: { path?: unknown; message?: unknown }) => ({ path: typeof p.path === 'string' ? p.path : '', message: String(p.message ?? '') }));
  }
  return [{ path: '', message: (err as Error).message }];
}
