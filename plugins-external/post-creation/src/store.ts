/**
 * Where posts live. kv, per caller scope (see scope.ts):
 *   post/<scope>/<postId>             the post (PostRecord)
 *   post/<scope>/<postId>/v/<000001>  an earlier version of its text (the last MAX_HISTORY)
 *   post/<scope>/<postId>/c/<000001>  a canvas run made for it
 * Storage: posts/<scope>/<postId>/<run tag>/<i>.png, the images it shows.
 * A post that is not the caller's is "not found", exactly like one that does not exist.
 */
import { PluginError, type Context } from '@easel/sdk';
import { POST_ID, sameOwner, type Scope } from './scope.ts';
import type { CanvasRun, ImageView, PostRecord, PostView, TextVersion } from './types.ts';

/** Earlier versions kept per post; older ones are dropped. */
export const MAX_HISTORY = 10;
/** Canvas runs per post; one more is refused. */
export const MAX_CANVAS_RUNS = 20;
/** Executions remembered per post, to recognise a rerun. */
const MAX_APPLIED = 8;

const pad = (n: number) => String(n).padStart(6, '0');

export interface Removed {
  postId: string;
  title: string;
  storageObjects: { key: string; blobId: string }[];
  historyVersions: number;
  canvasRuns: number;
}

export class PostStore {
  readonly #ctx: Context<any>;
  readonly #scope: Scope;

  constructor(ctx: Context<any>, scope: Scope) {
    this.#ctx = ctx;
    this.#scope = scope;
  }

  get scope(): Scope {
    return this.#scope;
  }

  #postKey(postId: string): string {
    return `post/${this.#scope.id}/${postId}`;
  }

  #childPrefix(postId: string, kind: 'v' | 'c'): string {
    return `${this.#postKey(postId)}/${kind}/`;
  }

  /** The prefix of the post's stored images (with its trailing slash: `p-1/` never matches `p-10/`). */
  imagePrefix(postId: string): string {
    return `posts/${this.#scope.id}/${postId}/`;
  }

  /** The prefix of the images one run stored. */
  runPrefix(postId: string, runTag: string): string {
    return `${this.imagePrefix(postId)}${runTag}/`;
  }

  imageKey(postId: string, runTag: string, index: number): string {
    return `${this.runPrefix(postId, runTag)}${index}.png`;
  }

  /**
   * Runs `work`; when it fails, deletes what was stored under `prefix` meanwhile (best effort:
   * not when the call was cancelled, since ctx is closed then) and throws the same error.
   */
  async cleanUpOnFailure<T>(prefix: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (!this.#ctx.signal.aborted) {
        await this.deleteObjects(prefix).catch((cleanup: unknown) => this.#ctx.log.warn('could not remove the images of a failed run', { prefix, code: (cleanup as { code?: string }).code }));
      }
      throw err;
    }
  }

  /** The caller's post, or undefined: a malformed id, no such post, or someone else's. */
  async find(postId: string): Promise<PostRecord | undefined> {
    if (!POST_ID.test(postId)) return undefined;
    const record = await this.#ctx.kv.get<PostRecord>(this.#postKey(postId));
    if (record === undefined || record === null || record.schema !== 1 || record.postId !== postId) return undefined;
    // The key already carries the caller's hash; the owner is checked again all the same.
    return sameOwner(record.owner, this.#scope.owner) ? record : undefined;
  }

  /** The caller's post, or RESOURCE_NOT_FOUND (the same answer whether it exists for someone else or not at all). */
  async load(postId: string): Promise<PostRecord> {
    const record = await this.find(postId);
    if (record === undefined) throw new PluginError('RESOURCE_NOT_FOUND', `no post ${postId}`);
    return record;
  }

  async save(record: PostRecord): Promise<void> {
    await this.#ctx.kv.set(this.#postKey(record.postId), record);
  }

  /** Marks the post as changed by this execution (a rerun of it is then recognised). */
  markApplied(record: PostRecord): void {
    record.appliedBy = [...record.appliedBy.filter((id) => id !== this.#ctx.executionId), this.#ctx.executionId].slice(-MAX_APPLIED);
  }

  /** True when this execution already changed the post. */
  applied(record: PostRecord): boolean {
    return record.appliedBy.includes(this.#ctx.executionId);
  }

  /** Keeps `previous` in the post's history; drops the oldest beyond MAX_HISTORY. Updates `record.history`. */
  async pushHistory(record: PostRecord, previous: TextVersion): Promise<void> {
    await this.#ctx.kv.set(`${this.#childPrefix(record.postId, 'v')}${pad(previous.version)}`, previous);
    const kept = [...record.history.filter((v) => v !== previous.version), previous.version];
    while (kept.length > MAX_HISTORY) {
      const dropped = kept.shift()!;
      await this.#ctx.kv.delete(`${this.#childPrefix(record.postId, 'v')}${pad(dropped)}`);
    }
    record.history = kept;
  }

  /** The kept earlier versions, newest first. */
  async history(record: PostRecord): Promise<TextVersion[]> {
    const out: TextVersion[] = [];
    for (const v of [...record.history].reverse()) {
      const version = await this.#ctx.kv.get<TextVersion>(`${this.#childPrefix(record.postId, 'v')}${pad(v)}`);
      if (version !== undefined && version !== null) out.push(version);
    }
    return out;
  }

  /** Records a canvas run (its number is `run.run`) and counts it on the record. */
  async addCanvasRun(record: PostRecord, run: CanvasRun): Promise<void> {
    await this.#ctx.kv.set(`${this.#childPrefix(record.postId, 'c')}${pad(run.run)}`, run);
    record.canvasRuns = Math.max(record.canvasRuns, run.run);
  }

  /** Every canvas run of the post, oldest first. */
  async canvasRuns(postId: string): Promise<CanvasRun[]> {
    const keys = await this.#ctx.kv.list(this.#childPrefix(postId, 'c'), { limit: 1000 });
    const runs: CanvasRun[] = [];
    for (const key of keys) {
      const run = await this.#ctx.kv.get<CanvasRun>(key);
      if (run !== undefined && run !== null) runs.push(run);
    }
    return runs;
  }

  /** The post as answered: fresh image URLs, and its history. An image whose object is gone is left out. */
  async view(record: PostRecord): Promise<PostView> {
    const images: ImageView[] = [];
    for (const image of record.images) {
      try {
        const url = await this.#ctx.storage.url(image.key);
        const view: ImageView = { blobId: image.blobId, url, width: image.width, height: image.height, contentType: image.contentType, run: image.run };
        if (image.reason !== undefined) view.reason = image.reason;
        images.push(view);
      } catch (err) {
        this.#ctx.signal.throwIfAborted();
        this.#ctx.log.warn('an image of the post is missing from storage', { postId: record.postId, key: image.key, code: (err as { code?: string }).code });
      }
    }
    const { current } = record;
    const view: PostView = {
      postId: record.postId,
      title: current.title,
      content: current.content,
      hashtags: current.hashtags,
      summary: current.summary,
      version: current.version,
      origin: current.origin,
      changes: current.changes,
      category: record.category,
      targetAudience: record.targetAudience,
      language: record.language,
      images,
      canvasData: record.canvasData,
      metadata: record.metadata,
      history: await this.history(record),
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
    if (current.requirements !== undefined) view.requirements = current.requirements;
    return view;
  }

  /** Deletes the stored objects under `prefix` (every page of them); answers what went. */
  async deleteObjects(prefix: string): Promise<{ key: string; blobId: string }[]> {
    const removed: { key: string; blobId: string }[] = [];
    for (;;) {
      this.#ctx.signal.throwIfAborted();
      // Deleting shrinks the listing, so each page starts from the front again.
      const page = await this.#ctx.storage.list(prefix, { limit: 1000 });
      if (page.length === 0) return removed;
      for (const info of page) {
        await this.#ctx.storage.delete(info.key);
        removed.push({ key: info.key, blobId: info.blobId });
      }
    }
  }

  /** Removes the post, its history, its canvas runs and every image stored for it. */
  async remove(record: PostRecord): Promise<Removed> {
    const storageObjects = await this.deleteObjects(this.imagePrefix(record.postId));
    let historyVersions = 0;
    let canvasRuns = 0;
    for (const kind of ['v', 'c'] as const) {
      for (;;) {
        const keys = await this.#ctx.kv.list(this.#childPrefix(record.postId, kind), { limit: 1000 });
        if (keys.length === 0) break;
        for (const key of keys) {
          if (await this.#ctx.kv.delete(key)) {
            if (kind === 'v') historyVersions++;
            else canvasRuns++;
          }
        }
      }
    }
    // The post's own key goes last: until then a retry can still find and finish it.
    await this.#ctx.kv.delete(this.#postKey(record.postId));
    return { postId: record.postId, title: record.current.title, storageObjects, historyVersions, canvasRuns };
  }
}
