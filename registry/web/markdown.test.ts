/**
 * The marketplace page's README renderer (markdown.ts, markdown-it's parser with our tree):
 * what READMEs use comes out as the expected tree, and nothing a README says becomes anything
 * but text, an allowed tag, or a link to an absolute http(s) or mailto address. Runs in Node:
 * the renderer has no DOM.
 */
import { describe, expect, it } from 'vitest';
import { renderMarkdown, safeHref, type Element, type Node } from './markdown.ts';

const ALLOWED = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'ul', 'ol', 'li', 'blockquote', 'pre', 'code', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'strong', 'em', 'del', 'a', 'br']);

function* elements(nodes: readonly Node[]): Generator<Element> {
  for (const node of nodes) {
    if (typeof node === 'string') continue;
    yield node;
    yield* elements(node.children);
  }
}

const textOf = (nodes: readonly Node[]): string => nodes.map((n) => (typeof n === 'string' ? n : textOf(n.children))).join('');

describe('renderMarkdown: what READMEs use', () => {
  it('headings (ATX and underlined), paragraphs, emphasis, code spans, strikethrough', () => {
    expect(renderMarkdown('# Title #\n\nSub\n---\nHello *world*, **bold**, `x < y`, ~~gone~~ and _em_.\n\nBig\n===')).toEqual([
      { tag: 'h1', children: ['Title'] },
      { tag: 'h2', children: ['Sub'] },
      { tag: 'p', children: ['Hello ', { tag: 'em', children: ['world'] }, ', ', { tag: 'strong', children: ['bold'] }, ', ', { tag: 'code', children: ['x < y'] }, ', ', { tag: 'del', children: ['gone'] }, ' and ', { tag: 'em', children: ['em'] }, '.'] },
      { tag: 'h1', children: ['Big'] },
    ]);
  });

  it('snake_case words stay words, and a backslash escapes', () => {
    expect(renderMarkdown('call snake_case_name with \\*stars\\*')).toEqual([{ tag: 'p', children: ['call snake_case_name with *stars*'] }]);
  });

  it('fenced code keeps its text exactly, markdown and HTML included', () => {
    const code = 'const a = "<b>*not em*</b>";\n[x](https://a.example)\n\n  indented';
    expect(renderMarkdown(`\`\`\`js\n${code}\n\`\`\`\nafter`)).toEqual([
      { tag: 'pre', children: [{ tag: 'code', children: [code] }] },
      { tag: 'p', children: ['after'] },
    ]);
    expect(renderMarkdown('~~~\nnever closed\n# still code')).toEqual([{ tag: 'pre', children: [{ tag: 'code', children: ['never closed\n# still code'] }] }]);
  });

  it('lists: nested, ordered with their start, loose ones with paragraphs', () => {
    expect(renderMarkdown('- a\n- b\n  - nested\n- c\n\n3. three\n4. four')).toEqual([
      {
        tag: 'ul',
        children: [
          { tag: 'li', children: ['a'] },
          { tag: 'li', children: ['b', { tag: 'ul', children: [{ tag: 'li', children: ['nested'] }] }] },
          { tag: 'li', children: ['c'] },
        ],
      },
      { tag: 'ol', attrs: { start: '3' }, children: [{ tag: 'li', children: ['three'] }, { tag: 'li', children: ['four'] }] },
    ]);
    expect(renderMarkdown('* one\n\n  more of one\n\n* two')).toEqual([
      {
        tag: 'ul',
        children: [
          { tag: 'li', children: [{ tag: 'p', children: ['one'] }, { tag: 'p', children: ['more of one'] }] },
          { tag: 'li', children: [{ tag: 'p', children: ['two'] }] },
        ],
      },
    ]);
  });

  it('indented code, entities and escapes', () => {
    expect(renderMarkdown('    npm i\n    easel dev\n\nTom &amp; Jerry &copy; &lt;b&gt; \\<i\\>')).toEqual([
      { tag: 'pre', children: [{ tag: 'code', children: ['npm i\neasel dev'] }] },
      { tag: 'p', children: ['Tom & Jerry © <b> <i>'] },
    ]);
  });

  it('tables, quotes, rules and hard line breaks', () => {
    expect(renderMarkdown('| Task | Tier |\n|:--|--:|\n| text | basic |\n\n> quoted\n> *more*\n\n***\n\nline one  \nline two')).toEqual([
      {
        tag: 'table',
        children: [
          { tag: 'thead', children: [{ tag: 'tr', children: [{ tag: 'th', children: ['Task'] }, { tag: 'th', children: ['Tier'] }] }] },
          { tag: 'tbody', children: [{ tag: 'tr', children: [{ tag: 'td', children: ['text'] }, { tag: 'td', children: ['basic'] }] }] },
        ],
      },
      { tag: 'blockquote', children: [{ tag: 'p', children: ['quoted\n', { tag: 'em', children: ['more'] }] }] },
      { tag: 'hr', children: [] },
      { tag: 'p', children: ['line one', { tag: 'br', children: [] }, 'line two'] },
    ]);
  });

  it('links: inline (parentheses in the address too), autolinks and by reference', () => {
    const out = renderMarkdown(
      'See [the *docs*](https://example.com/docs "Docs"), [wiki](https://en.wikipedia.org/wiki/Foo_(bar)), <https://example.com/a>, [Guide] and [the guide][guide].\n\n[guide]: https://example.com/guide',
    );
    expect(out).toEqual([
      {
        tag: 'p',
        children: [
          'See ',
          { tag: 'a', attrs: { href: 'https://example.com/docs' }, children: ['the ', { tag: 'em', children: ['docs'] }] },
          ', ',
          { tag: 'a', attrs: { href: 'https://en.wikipedia.org/wiki/Foo_(bar)' }, children: ['wiki'] },
          ', ',
          { tag: 'a', attrs: { href: 'https://example.com/a' }, children: ['https://example.com/a'] },
          ', ',
          { tag: 'a', attrs: { href: 'https://example.com/guide' }, children: ['Guide'] },
          ' and ',
          { tag: 'a', attrs: { href: 'https://example.com/guide' }, children: ['the guide'] },
          '.',
        ],
      },
    ]);
    // Brackets that name no definition are text; a definition inside fenced code is code.
    expect(renderMarkdown('[not a link] and [x]\n\n```\n[x]: https://a.example\n```')).toEqual([
      { tag: 'p', children: ['[not a link] and [x]'] },
      { tag: 'pre', children: [{ tag: 'code', children: ['[x]: https://a.example'] }] },
    ]);
  });

  it('an image is a link to it, never an image the page would load', () => {
    expect(renderMarkdown('![diagram](https://example.com/d.png)')).toEqual([{ tag: 'p', children: [{ tag: 'a', attrs: { href: 'https://example.com/d.png' }, children: ['image: diagram'] }] }]);
  });
});

describe('renderMarkdown: a hostile README', () => {
  const hostile = [
    '<script>window.pwned = 1</script>',
    '<img src=x onerror="window.pwned = 2">',
    '<iframe src="https://evil.example"></iframe> <svg onload=alert(1)>',
    '<a href="javascript:alert(1)">html link</a>',
    '[js](javascript:alert(1)) [JS](JaVaScRiPt:alert(1)) [tab](java\tscript:alert(1)) [vb](vbscript:msgbox(1))',
    '[data](data:text/html,<script>alert(1)</script>) [rel](/-/whoami) [proto](//evil.example/x) [file](file:///etc/passwd)',
    '![img](javascript:alert(1)) ![x](data:image/svg+xml,<svg onload=alert(1)>)',
    '<https://ok.example/"onmouseover="alert(1)>',
    '[ref][evil]\n\n[evil]: javascript:alert(1)',
    '*<b onclick=alert(1)>*',
    '| <script>alert(1)</script> | x |\n|---|---|\n| <img src=x onerror=alert(1)> | y |',
  ].join('\n\n');
  const out = renderMarkdown(hostile);

  it('only allowed tags come out, and HTML stays text as written', () => {
    for (const element of elements(out)) expect(ALLOWED.has(element.tag), element.tag).toBe(true);
    const text = textOf(out);
    expect(text).toContain('<script>window.pwned = 1</script>');
    expect(text).toContain('<img src=x onerror="window.pwned = 2">');
    expect(text).toContain('<svg onload=alert(1)>');
  });

  it('links keep only absolute http(s) and mailto addresses, nothing else gets an attribute', () => {
    const links = [...elements(out)].filter((e) => e.attrs !== undefined);
    expect(links.length).toBeGreaterThan(0);
    for (const element of links) {
      expect(element.tag).toBe('a');
      expect(Object.keys(element.attrs!)).toEqual(['href']);
      expect(element.attrs!.href).toMatch(/^(https?:\/\/|mailto:)/);
      // A quote in the address is percent-encoded by the URL parser, so it cannot end an attribute.
      expect(element.attrs!.href).not.toContain('"');
    }
    const texts = textOf(out);
    for (const label of ['js', 'JS', 'tab', 'vb', 'data', 'rel', 'proto', 'file', 'ref']) expect(texts).toContain(label);
  });

  it('safeHref refuses every scheme but http, https and mailto, and relative addresses', () => {
    for (const bad of ['javascript:alert(1)', ' JAVASCRIPT:alert(1)', 'java\nscript:alert(1)', 'data:text/html,x', 'vbscript:x', 'file:///etc/passwd', '/relative', '//host/x', '#top', '']) {
      expect(safeHref(bad), bad).toBeUndefined();
    }
    expect(safeHref('https://example.com/a b')).toBe('https://example.com/a%20b');
    expect(safeHref('mailto:me@example.com')).toBe('mailto:me@example.com');
  });

  it('deep nesting is cut at the parser\'s limit, and long runs of markup end with their text kept', () => {
    const depth = (nodes: readonly Node[]): number => Math.max(0, ...nodes.map((n) => (typeof n === 'string' ? 0 : 1 + depth(n.children))));
    for (const deep of [`${'> '.repeat(5000)}deep`, `${'- '.repeat(5000)}deep`]) {
      const out = renderMarkdown(deep);
      expect(depth(out)).toBeGreaterThan(10);
      expect(depth(out)).toBeLessThanOrEqual(25);
    }
    expect(depth(renderMarkdown(`${'**_['.repeat(5000)}deep${'](https://a.example)_**'.repeat(5000)}`))).toBeLessThanOrEqual(25);
    for (const run of ['['.repeat(50_000), '[a]('.repeat(20_000), '*a '.repeat(20_000), 'a`'.repeat(30_000), '_a'.repeat(50_000), '**a'.repeat(30_000), `[a](${'('.repeat(50_000)}`]) {
      expect(textOf(renderMarkdown(run)).length).toBeGreaterThan(0);
    }
    const list = Array.from({ length: 2000 }, (_, i) => `${' '.repeat((i % 6) * 2)}- item ${i}`).join('\n');
    expect(textOf(renderMarkdown(list))).toContain('item 1999');
  });
});
