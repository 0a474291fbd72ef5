/**
 * README markdown to a tree of plain nodes, never to HTML text. Only the tags below can come
 * out, text stays text (an HTML tag in a README shows as written), and a link keeps its
 * address only when it is absolute http, https or mailto: nothing a README says can become a
 * script, an event handler or a request of the page. Images are shown as links (the page
 * loads nothing from elsewhere). Covers what READMEs use: headings, paragraphs, lists, quotes,
 * fenced code, tables, rules; emphasis, code spans, links (inline, autolinks and by
 * reference). No DOM here: the page turns the tree into elements (dom.ts), and tests read the
 * tree in Node.
 */

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

/** Nesting deeper than this (quotes in lists in quotes…) is shown as text. */
const MAX_DEPTH = 12;

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

/** Reference definitions (`[label]: url`) of the README being rendered; rendering is synchronous. */
let definitions = new Map<string, string>();

export function renderMarkdown(text: string): Node[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  definitions = takeDefinitions(lines);
  try {
    return blocks(lines, 0);
  } finally {
    definitions = new Map();
  }
}

const DEFINITION = /^ {0,3}\[([^[\]\n]{1,200})\]:\s*<?([^\s<>]{1,2000})>?(?:\s+(?:"[^"]{0,500}"|'[^']{0,500}'|\([^()]{0,500}\)))?\s*$/;

/** Labels match without regard to case or runs of white space. */
const label = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

/** Removes `[label]: url` lines (outside fenced code) and answers them; the first of a label wins. */
function takeDefinitions(lines: string[]): Map<string, string> {
  const found = new Map<string, string>();
  let fence: RegExp | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (fence) {
      if (fence.test(line)) fence = undefined;
      continue;
    }
    const open = FENCE.exec(line);
    if (open) {
      fence = closingFence(open[1]!);
      continue;
    }
    const definition = DEFINITION.exec(line);
    // A definition cannot interrupt a paragraph; one taken leaves a blank line, so a run of them works.
    if (definition && (i === 0 || lines[i - 1]!.trim() === '')) {
      if (!found.has(label(definition[1]!))) found.set(label(definition[1]!), definition[2]!);
      lines[i] = '';
    }
  }
  return found;
}

const closingFence = (open: string) => new RegExp(`^ {0,3}${open[0] === '`' ? '`' : '~'}{${open.length},}\\s*$`);

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}>\s?/;
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])\s+(.*)$/;
/** A line of `=` or `-` under a paragraph makes it a heading (level 1 or 2). */
const SETEXT = /^ {0,3}(=+|-+)\s*$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function blocks(lines: string[], depth: number): Node[] {
  if (depth > MAX_DEPTH) return [{ tag: 'p', children: [lines.join('\n')] }];
  const out: Node[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const close = closingFence(fence[1]!);
      const body: string[] = [];
      i++;
      while (i < lines.length && !close.test(lines[i]!)) body.push(lines[i++]!);
      i++;
      out.push({ tag: 'pre', children: [{ tag: 'code', children: [body.join('\n')] }] });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      out.push({ tag: `h${heading[1]!.length}` as Tag, children: inline(heading[2] ?? '', depth) });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      out.push({ tag: 'hr', children: [] });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && lines[i]!.trim() !== '' && (QUOTE.test(lines[i]!) || inner.length > 0)) inner.push(lines[i++]!.replace(QUOTE, ''));
      out.push({ tag: 'blockquote', children: blocks(inner, depth + 1) });
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      const [list, next] = listAt(lines, i, depth);
      out.push(list);
      i = next;
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1]!) && lines[i + 1]!.includes('-')) {
      const [table, next] = tableAt(lines, i, depth);
      out.push(table);
      i = next;
      continue;
    }
    // Lines keep their trailing spaces: two of them before the line's end are a hard break.
    const paragraph: string[] = [];
    let setext: Tag | undefined;
    while (i < lines.length && lines[i]!.trim() !== '') {
      if (paragraph.length > 0 && SETEXT.test(lines[i]!)) {
        setext = lines[i++]!.trim()[0] === '=' ? 'h1' : 'h2';
        break;
      }
      if (startsBlock(lines[i]!)) break;
      paragraph.push(lines[i++]!.trimStart());
    }
    if (paragraph.length === 0) paragraph.push(lines[i++]!.trimStart());
    out.push({ tag: setext ?? 'p', children: inline(paragraph.join('\n').trimEnd(), depth) });
  }
  return out;
}

function startsBlock(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line);
}

/** A list from line `start`: items of the same kind; lines indented past the marker belong to the item. */
function listAt(lines: string[], start: number, depth: number): [Element, number] {
  const first = ITEM.exec(lines[start]!)!;
  const ordered = /\d/.test(first[2]!);
  const items: Element[] = [];
  let i = start;
  while (i < lines.length) {
    const item = ITEM.exec(lines[i]!);
    if (!item || /\d/.test(item[2]!) !== ordered || item[1]!.length > first[1]!.length + 1) break;
    const indent = item[1]!.length + item[2]!.length + 1;
    const body = [item[3]!];
    i++;
    while (i < lines.length) {
      const line = lines[i]!;
      const blank = line.trim() === '';
      const indented = line.length - line.trimStart().length >= Math.min(indent, 4);
      if (!blank && !indented) {
        // A lazy continuation of the item's paragraph, unless a new block starts.
        if (startsBlock(line) || body.at(-1)!.trim() === '') break;
        body.push(line.trim());
      } else if (blank && !(i + 1 < lines.length && lines[i + 1]!.trim() !== '' && lines[i + 1]!.length - lines[i + 1]!.trimStart().length >= Math.min(indent, 4))) {
        break;
      } else {
        body.push(line.slice(Math.min(indent, line.length - line.trimStart().length)));
      }
      i++;
    }
    const content = blocks(body, depth + 1);
    // A one-paragraph item reads as its text, not as a paragraph.
    const only = content.length === 1 ? content[0] : undefined;
    items.push({ tag: 'li', children: typeof only === 'object' && only.tag === 'p' ? only.children : content });
    while (i < lines.length && lines[i]!.trim() === '') {
      if (i + 1 < lines.length && ITEM.test(lines[i + 1]!)) i++;
      else break;
    }
  }
  const start1 = ordered ? Number.parseInt(first[2]!, 10) : 1;
  return [{ tag: ordered ? 'ol' : 'ul', ...(ordered && start1 !== 1 ? { attrs: { start: String(start1) } } : {}), children: items }, i];
}

function cells(line: string): string[] {
  const trimmed = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return trimmed.split(/(?<!\\)\|/).map((c) => c.trim());
}

function tableAt(lines: string[], start: number, depth: number): [Element, number] {
  const head = cells(lines[start]!);
  const rows: Element[] = [];
  let i = start + 2;
  while (i < lines.length && lines[i]!.trim() !== '' && lines[i]!.includes('|')) {
    const row = cells(lines[i++]!);
    rows.push({ tag: 'tr', children: head.map((_, c) => ({ tag: 'td', children: inline(row[c] ?? '', depth) })) });
  }
  return [
    {
      tag: 'table',
      children: [
        { tag: 'thead', children: [{ tag: 'tr', children: head.map((h) => ({ tag: 'th', children: inline(h, depth) })) }] },
        { tag: 'tbody', children: rows },
      ],
    },
    i,
  ];
}

/**
 * Inline spans, tried in this order where a span can start; everything between them is text.
 * Each pattern's length is bounded, so a crafted README costs linear time to show.
 */
/** A link's address: up to 2,000 characters, with parentheses one level deep (`wiki/Foo_(bar)`). */
const TARGET = String.raw`\(\s*<?((?:[^()\s<>]|\([^()\s<>]{0,200}\)){0,2000})>?(?:\s+"[^"\n]{0,500}")?\s*\)`;
const TEXT = String.raw`((?:[^[\]\n]|\[[^[\]\n]{0,200}\]){1,500})`;

/**
 * A pattern that matched but is not a span after all (a reference to no definition) answers
 * undefined, and the next pattern is tried.
 */
const SPANS: { re: RegExp; make: (m: RegExpExecArray, depth: number) => Node[] | undefined }[] = [
  { re: /\\([\\`*_{}[\]()#+\-.!|~<>])/y, make: (m) => [m[1]!] },
  { re: /(`{1,10})(?!`)([\s\S]{1,2000}?)(?<!`)\1(?!`)/y, make: (m) => [{ tag: 'code', children: [m[2]!.trim()] }] },
  { re: new RegExp(String.raw`!\[([^\]\n]{0,500})\]` + TARGET, 'y'), make: (m) => link([`image: ${m[1] || m[2]!}`], m[2]!) },
  { re: new RegExp(String.raw`\[` + TEXT + String.raw`\]` + TARGET, 'y'), make: (m, depth) => link(inline(m[1]!, depth + 1), m[2]!) },
  // [text][label], [label][] and [label], when the README defines the label.
  {
    re: new RegExp(String.raw`\[` + TEXT + String.raw`\](?:\[([^[\]\n]{0,200})\])?`, 'y'),
    make: (m, depth) => {
      const href = definitions.get(label(m[2] || m[1]!));
      return href === undefined ? undefined : link(inline(m[1]!, depth + 1), href);
    },
  },
  { re: /<((?:https?|mailto):[^\s<>]{1,2000})>/y, make: (m) => link([m[1]!], m[1]!) },
  { re: /(\*\*|__)(?=\S)([\s\S]{0,1000}?\S)\1/y, make: (m, depth) => [{ tag: 'strong', children: inline(m[2]!, depth + 1) }] },
  { re: /(\*|_)(?=\S)([\s\S]{0,1000}?\S)\1(?![*_\w])/y, make: (m, depth) => [{ tag: 'em', children: inline(m[2]!, depth + 1) }] },
  { re: /~~(?=\S)([\s\S]{0,1000}?\S)~~/y, make: (m, depth) => [{ tag: 'del', children: inline(m[1]!, depth + 1) }] },
  { re: / {2,}\n|\\\n/y, make: () => [{ tag: 'br', children: [] }] },
];

/** A link whose address is not safe shows as its text alone. */
function link(children: Node[], href: string): Node[] {
  const safe = safeHref(href);
  return safe === undefined ? children : [{ tag: 'a', attrs: { href: safe }, children }];
}

function inline(text: string, depth: number): Node[] {
  if (depth > MAX_DEPTH) return [text];
  const out: Node[] = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    // Only these characters can start a span: the rest is copied without trying each pattern.
    if ('\\`![<*_~ '.includes(c)) {
      let matched: Node[] | undefined;
      for (const span of SPANS) {
        span.re.lastIndex = i;
        const m = span.re.exec(text);
        // Read before make(): its inner spans run these same regular expressions.
        const end = span.re.lastIndex;
        matched = m ? span.make(m, depth) : undefined;
        if (matched) {
          i = end;
          break;
        }
      }
      if (matched) {
        // Text next to text is one node (an escaped character joins its neighbours).
        for (const node of matched) {
          if (typeof node === 'string') plain += node;
          else {
            if (plain) out.push(plain);
            plain = '';
            out.push(node);
          }
        }
        continue;
      }
    }
    plain += c;
    i++;
  }
  if (plain) out.push(plain);
  return out;
}
