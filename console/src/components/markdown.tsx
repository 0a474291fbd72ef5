/** A README, rendered by lib/markdown.ts (which keeps it inert). */
import { renderMarkdown } from '../lib/markdown.ts';

export function Markdown({ text }: { text: string }) {
  return <div class="markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(text) }} />;
}
