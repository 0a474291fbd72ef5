/**
 * A real Chromium for page tests: Debian's /usr/bin/chromium (installed by scripts/browser.sh,
 * which `./run test` calls), driven by playwright-core, which never downloads a browser.
 *
 * `openBrowser()` starts it headless in a fresh temp profile with the flags this closed network
 * needs, and watches every page of it: a console error, an uncaught page error, or a request to
 * any host but 127.0.0.1 (blocked, never sent) is a problem, and `assertClean()` fails the test
 * that had one. `useBrowser()` does both for a whole test file, and saves a screenshot of each
 * failed test; `shot()` saves one on purpose. Screenshots go to .vitest-tmp/screenshots/
 * (git-ignored), where CI keeps them as the run's artefacts.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, type TestContext } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = resolve(import.meta.dirname, '../../.vitest-tmp/screenshots');

/**
 * Without the background-networking flags Chromium calls Google's hosts at start, which this
 * network refuses, many connections at a time; --no-sandbox because tests run as root here.
 */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserSession {
  context: BrowserContext;
  /** The first page; `newPage()` opens more, each watched the same way. */
  page: Page;
  newPage(): Promise<Page>;
  /** What went wrong on the pages so far: console errors, page errors, requests off 127.0.0.1. */
  problems: string[];
  /** Problems matching one of these are expected (e.g. a 401 the test provokes) and not counted, until the next assertClean. */
  allow(pattern: RegExp): void;
  /** Throws when a problem that was not allowed was seen, and forgets them all. */
  assertClean(): void;
  /** Saves a full-page screenshot as `<folder>/<name>.png` under SCREENSHOTS; answers its path. */
  shot(name: string, page?: Page): Promise<string>;
  close(): Promise<void>;
}

/** Only 127.0.0.1 (and the page's own data:, blob: and about: URLs) may be reached. */
function isLocal(url: string): boolean {
  if (/^(data|blob|about):/.test(url)) return true;
  try {
    return new URL(url).hostname === '127.0.0.1';
  } catch {
    return false;
  }
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 120) || 'shot';

/**
 * Starts Chromium. `folder` names the screenshot subfolder (the test file's name by default
 * through useBrowser).
 */
export async function openBrowser(folder = 'browser'): Promise<BrowserSession> {
  const profile = await mkdtemp(join(tmpdir(), 'easel-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 900 },
      // A slow, shared machine: actions wait for their elements, never for a fixed time.
      timeout: 60_000,
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw new Error(`could not start ${CHROMIUM} (run scripts/browser.sh to install it): ${(error as Error).message}`);
  }
  context.setDefaultTimeout(30_000);
  const problems: string[] = [];
  const allowed: RegExp[] = [];
  const report = (problem: string) => {
    if (!allowed.some((p) => p.test(problem))) problems.push(problem);
  };
  // Blocked before it leaves the browser: a page of ours never talks to the outside.
  await context.route(
    (url) => !isLocal(url.href),
    (route) => {
      report(`request to a host that is not 127.0.0.1: ${route.request().method()} ${route.request().url()}`);
      return route.abort('blockedbyclient');
    },
  );
  const watch = (page: Page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') report(`console error on ${page.url()}: ${msg.text()} ${msg.location().url ?? ''}`.trim());
    });
    page.on('pageerror', (error) => report(`uncaught error on ${page.url()}: ${error.message}`));
  };
  context.on('page', watch);
  for (const page of context.pages()) watch(page);
  const page = context.pages()[0] ?? (await context.newPage());

  return {
    context,
    page,
    newPage: () => context.newPage(),
    problems,
    allow: (pattern) => void allowed.push(pattern),
    assertClean() {
      allowed.splice(0);
      const seen = problems.splice(0);
      if (seen.length > 0) throw new Error(`the browser saw ${seen.length} problem(s):\n${seen.join('\n')}`);
    },
    async shot(name, which = page) {
      const dir = join(SCREENSHOTS, safeName(folder));
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${safeName(name)}.png`);
      await which.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * One browser for the test file: started before its tests, closed after them. After each
 * test, a failed one gets a screenshot of every open page, and a test that passed fails when
 * the pages had a problem. Call at the top of a file or a describe block.
 */
export function useBrowser(file: string): () => BrowserSession {
  let session: BrowserSession | undefined;
  beforeAll(async () => {
    session = await openBrowser(basename(file).replace(/\.test\.ts$/, ''));
  });
  afterEach(async (ctx: TestContext) => {
    if (!session) return;
    if (ctx.task.result?.state === 'fail') {
      for (const [i, p] of session.context.pages().entries()) {
        await session.shot(`FAILED ${ctx.task.name}${i === 0 ? '' : ` page ${i + 1}`}`, p).catch(() => undefined);
      }
      session.problems.splice(0);
      session.assertClean();
      return;
    }
    session.assertClean();
  });
  afterAll(async () => {
    await session?.close();
  });
  return () => {
    if (!session) throw new Error('the browser is not started yet (useBrowser starts it in beforeAll)');
    return session;
  };
}
