/**
 * A README rendered from Markdown. markdown-it's defaults are the safe ones: raw HTML is shown
 * as text, and javascript:, vbscript: and file: links are refused. Images are not loaded (a
 * README is someone else's text: no tracking pixel, no request off this host): their alt
 * text is shown instead. Links open in a new tab without a referrer.
 */
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

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

export function Markdown({ text }: { text: string }) {
  return <div class="markdown" dangerouslySetInnerHTML={{ __html: md.render(text) }} />;
}
