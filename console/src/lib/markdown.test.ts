import { describe, expect, test } from 'vitest';
import { renderMarkdown } from './markdown.ts';

describe('renderMarkdown', () => {
  test('a README renders, with its absolute http(s) and mailto links kept', () => {
    const html = renderMarkdown('# Title\n\n[site](https://example.com/a) and [mail](mailto:a@example.com)\n\n- one\n- two');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<a href="https://example.com/a" target="_blank" rel="noopener noreferrer nofollow">site</a>');
    expect(html).toContain('href="mailto:a@example.com"');
    expect(html).toContain('<li>one</li>');
  });

  test('nothing in it runs or loads: raw HTML is text, images are their alt text, other addresses are no links', () => {
    const html = renderMarkdown(
      '<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n![pixel](https://tracker.example/p.png)\n\n[js](javascript:alert(1)) [rel](/v1/keys) [data](data:image/png;base64,AAAA) [up](../x)',
    );
    // As text only: no element, and no attribute inside one.
    expect(html).not.toMatch(/<script|<img|<[^>]*(onerror|src)=/i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('[image: pixel]');
    expect(html).not.toMatch(/href="(javascript:|\/v1|data:|\.\.)/);
  });
});
