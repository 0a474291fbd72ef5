/**
 * README markdown to a tree of plain nodes, never to HTML text. markdown-it parses (CommonMark
 * with tables and strikethrough, raw HTML off, so an HTML tag in a README is text as written);
 * this file keeps only the tags below from its tokens, and a link only when its address is
 * absolute http, https or mailto. Nothing a README says can become a script, an event handler,
 * a style or a request of the page: images are shown as links (the page loads nothing from
 * elsewhere). No DOM here: the page turns the tree into elements (dom.ts), and tests read the
 * tree in Node.
 */
import MarkdownIt, { type Token } from 'markdown-it';

export type Tag =
  | 'h1' | 'h2' | 'h3' | 'h4' | 'h5' | 'h6' | 'p' | 'ul' | 'ol' | 'li' | 'blockquote' | 'pre' | 'code' | 'hr'
  | 'table' | 'thead' | 'tbody' | 'tr' | 'th' | 'td' | 'strong' | 'em' | 'del' | 'a' | 'br';

export interface Element {
  tag: Tag;
  /** Only `href` (on `a`, checked by safeHref) and `start` (on `ol`). */
  attrs?: { href?: string; start?: string };
  children: Node[];
}

export type Node = Element | string;

/** Container tags taken from markdown-it's tokens as they are (`s`, its strikethrough, becomes `del`). */
const TAGS: Readonly<Record<string, Tag>> = {
  h1: 'h1', h2: 'h2', h3: 'h3', h4: 'h4', h5: 'h5', h6: 'h6', p: 'p', ul: 'ul', ol: 'ol', li: 'li', blockquote: 'blockquote',
  table: 'table', thead: 'thead', tbody: 'tbody', tr: 'tr', th: 'th', td: 'td', strong: 'strong', em: 'em', s: 'del', a: 'a',
};

// Nesting past 20 levels (quotes in lists in quotes…) is cut by the parser, so the page's
// element tree stays shallow whatever a README does.
const md = new MarkdownIt('default', { html: false, linkify: false, typographer: false, maxNesting: 20 });

/** The address if it is an absolute http(s) or mailto URL, else undefined. */
export function safeHref(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' || url.protocol === 'mailto:' ? url.href : undefined;
}

export function renderMarkdown(text: string): Node[] {
  return build(md.parse(text, {}));
}

/** An open container; `element` null for one whose children join its parent (a tight list's paragraph, a refused link). */
interface Frame {
  element: Element | null;
  children: Node[];
}

function build(tokens: readonly Token[]): Node[] {
  const root: Frame = { element: null, children: [] };
  const stack: Frame[] = [root];
  const top = () => stack[stack.length - 1]!;
  for (const token of tokens) {
    if (token.nesting === 1) {
      stack.push({ element: open(token), children: [] });
    } else if (token.nesting === -1) {
      if (stack.length === 1) continue;
      const frame = stack.pop()!;
      if (frame.element) {
        frame.element.children = frame.children;
        add(top().children, frame.element);
      } else {
        for (const child of frame.children) add(top().children, child);
      }
    } else {
      for (const node of leaf(token)) add(top().children, node);
    }
  }
  // A token stream always closes what it opens; should one not, its content is kept all the same.
  while (stack.length > 1) {
    const frame = stack.pop()!;
    for (const child of frame.element ? [{ ...frame.element, children: frame.children }] : frame.children) add(top().children, child);
  }
  return root.children;
}

const attr = (token: Token, name: string): string | undefined => {
  const value = token.attrGet(name);
  return value === null ? undefined : String(value);
};

function open(token: Token): Element | null {
  const tag = TAGS[token.tag];
  if (tag === undefined || token.hidden) return null;
  if (tag === 'a') {
    const href = safeHref(attr(token, 'href') ?? '');
    return href === undefined ? null : { tag, attrs: { href }, children: [] };
  }
  const start = attr(token, 'start');
  if (tag === 'ol' && start !== undefined && /^\d{1,9}$/.test(start)) return { tag, attrs: { start }, children: [] };
  return { tag, children: [] };
}

function leaf(token: Token): Node[] {
  switch (token.type) {
    case 'inline':
      return build(token.children ?? []);
    case 'fence':
    case 'code_block':
      return [{ tag: 'pre', children: [{ tag: 'code', children: [token.content.replace(/\n$/, '')] }] }];
    case 'code_inline':
      return [{ tag: 'code', children: [token.content] }];
    case 'hr':
      return [{ tag: 'hr', children: [] }];
    case 'hardbreak':
      return [{ tag: 'br', children: [] }];
    case 'softbreak':
      return ['\n'];
    case 'image': {
      const alt = build(token.children ?? []).map((n) => (typeof n === 'string' ? n : '')).join('');
      const src = attr(token, 'src') ?? '';
      const label = `image: ${alt || src}`;
      const href = safeHref(src);
      return [href === undefined ? label : { tag: 'a', attrs: { href }, children: [label] }];
    }
    default:
      // text, text_special (an entity or an escape, decoded) and anything else: its text.
      return token.content ? [token.content] : [];
  }
}

/** Appends, joining text to text. */
function add(children: Node[], node: Node): void {
  const last = children.length - 1;
  if (typeof node === 'string' && typeof children[last] === 'string') children[last] += node;
  else children.push(node);
}
