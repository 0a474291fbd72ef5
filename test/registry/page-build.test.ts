/**
 * The marketplace page is bundled in memory when the registry first serves it
 * (registry/src/web/build-page.ts): with native esbuild where it is installed, else with
 * esbuild-wasm. Both give the same files, and those files name nothing off the registry.
 */
import { describe, expect, it } from 'vitest';
import { buildPage } from '../../registry/src/web/build-page.ts';

describe('the marketplace page build', () => {
  it('esbuild-wasm (the fallback on any platform) builds the same three files as native esbuild', async () => {
    const native = await buildPage(await import('esbuild'));
    const wasm = await buildPage(await import('esbuild-wasm'));
    expect([...native.keys()].sort()).toEqual(['app.css', 'app.js', 'index.html']);
    for (const [name, file] of native) {
      expect(wasm.get(name)?.type, name).toBe(file.type);
      expect(wasm.get(name)?.body.equals(file.body), name).toBe(true);
    }
  });

  it('the page loads its script and style from beside it, and no file names another site to load from', async () => {
    const files = await buildPage(await import('esbuild'));
    const html = files.get('index.html')!.body.toString('utf8');
    expect(html).toContain('<script src="app.js" defer></script>');
    expect(html).toContain('<link rel="stylesheet" href="app.css">');
    expect(html).not.toMatch(/<script>|<style|\sstyle=|\son\w+=/);
    // No absolute URL to fetch from: the API is reached relative to the page.
    for (const [name, file] of files) expect(file.body.toString('utf8'), name).not.toMatch(/(?:src|href|url)\s*[=(]\s*["']?(?:https?:)?\/\//);
    expect(files.get('app.css')!.body.toString('utf8')).not.toContain('@import');
  });
});
