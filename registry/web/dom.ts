/**
 * Turns markdown.ts's tree into elements with createElement and text nodes only: no HTML is
 * ever parsed from a README. Tags and attributes are checked again here, so a tree that did
 * not come from renderMarkdown cannot add anything either.
 */
import { safeHref, type Node, type Tag } from './markdown.ts';

const TAGS: ReadonlySet<Tag> = new Set<Tag>([
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'ul', 'ol', 'li', 'blockquote', 'pre', 'code', 'hr',
  'table', 'thead', 'tbody', 'tr', 'th', 'td', 'strong', 'em', 'del', 'a', 'br',
]);

export function toDom(nodes: readonly Node[]): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const node of nodes) fragment.append(toElement(node));
  return fragment;
}

function toElement(node: Node): globalThis.Node {
  if (typeof node === 'string') return document.createTextNode(node);
  if (!TAGS.has(node.tag)) return document.createTextNode('');
  const element = document.createElement(node.tag);
  const href = node.tag === 'a' && node.attrs?.href !== undefined ? safeHref(node.attrs.href) : undefined;
  if (href !== undefined) {
    element.setAttribute('href', href);
    // A README's links leave the page without telling the other site where they came from.
    element.setAttribute('rel', 'noopener noreferrer nofollow');
  }
  if (node.tag === 'ol' && node.attrs?.start !== undefined && /^\d{1,9}$/.test(node.attrs.start)) element.setAttribute('start', node.attrs.start);
  element.append(toDom(node.children));
  return element;
}
