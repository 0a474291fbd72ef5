/**
 * A README rendered from Markdown, as HTML for the Markdown component. Raw HTML is shown as
 * text (markdown-it's default), and a link keeps its address only when it is absolute http(s)
 * or mailto: (markdown-it alone lets relative and data: addresses through, which would point
 * at this host or carry content). Images are not loaded (a README is someone else's text: no
 * tracking pixel, no request off this host): their alt text is shown instead. Links open in a
 * new tab without a referrer.
 */
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
md.validateLink = (url) => /^(https?:\/\/|mailto:)/i.test(url.trim());

md.renderer.rules.image = (tokens, idx) => {
  const token = tokens[idx]!;
  const alt = token.children?.map((c) => c.content).join('') ?? '';
  return `<span class="image-omitted">[image: ${md.utils.escapeHtml(alt || String(token.attrGet('src') ?? ''))}]</span>`;
};

const renderLink = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('target', '_blank');
  tokens[idx]!.attrSet('rel', 'noopener noreferrer nofollow');
  return renderLink(tokens, idx, options, env, self);
};

/** The README's HTML: escaped text, the allowed links, images as their alt text. */
export function renderMarkdown(text: string): string {
  return md.render(text);
}
