/**
 * The browser tests' own harness: Debian's Chromium starts headless under playwright-core, a
 * page's console errors and its requests off 127.0.0.1 are caught (the latter never sent),
 * and screenshots land in the git-ignored artefact folder.
 */
import { createServer, type Server } from 'node:http';
import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openBrowser, SCREENSHOTS, type BrowserSession } from '../helpers/browser.ts';

let server: Server;
let url: string;
let session: BrowserSession;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><head><title>harness</title><link rel="icon" href="data:,"></head><body><h1 id="hello">hello</h1></body></html>');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  url = `http://127.0.0.1:${address.port}`;
  session = await openBrowser('browser-helper');
});
afterAll(async () => {
  await session?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('the harness', () => {
  test('a clean page has no problems, and a screenshot is saved as an artefact', async () => {
    await session.page.goto(url);
    await expect(session.page.locator('#hello').textContent()).resolves.toBe('hello');
    const file = await session.shot('clean page');
    expect(file.startsWith(SCREENSHOTS)).toBe(true);
    expect((await stat(file)).size).toBeGreaterThan(0);
    expect(() => session.assertClean()).not.toThrow();
  });

  test('a console error is a problem', async () => {
    await session.page.goto(url);
    await session.page.evaluate(() => console.error('something broke'));
    await expect.poll(() => session.problems.length).toBeGreaterThan(0);
    expect(() => session.assertClean()).toThrow(/something broke/);
    // assertClean forgets what it reported
    expect(() => session.assertClean()).not.toThrow();
  });

  test('a request to another host is blocked before it is sent, and is a problem', async () => {
    await session.page.goto(url);
    const answer = await session.page.evaluate(() => fetch('http://outside.example/x').then(() => 'reached', (e: Error) => `failed: ${e.name}`));
    expect(answer).toMatch(/^failed/);
    expect(() => session.assertClean()).toThrow(/outside\.example/);
  });

  test('an allowed problem is not counted', async () => {
    session.allow(/expected noise/);
    await session.page.goto(url);
    await session.page.evaluate(() => console.error('expected noise'));
    await session.page.evaluate(() => console.log('a log line is no problem'));
    // A marker error after it proves the console events were delivered before the check.
    await session.page.evaluate(() => console.error('marker'));
    await expect.poll(() => session.problems.join()).toMatch(/marker/);
    expect(session.problems.join()).not.toMatch(/expected noise/);
    session.problems.splice(0);
  });
});
