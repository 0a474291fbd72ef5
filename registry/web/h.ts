/**
 * Builds elements from values that may come from a package (names, descriptions, READMEs):
 * children are text nodes or elements, never HTML, and an `href` is kept only when it is one
 * of the page's own `#/…` routes, a relative path of the registry, or a safe absolute URL.
 */
import { safeHref } from './markdown.ts';

export type Child = Node | string | number | null | undefined | false | Child[];

export interface Props {
  class?: string;
  id?: string;
  href?: string;
  title?: string;
  type?: string;
  placeholder?: string;
  value?: string;
  name?: string;
  'aria-label'?: string;
  'data-testid'?: string;
  role?: string;
  on?: Partial<Record<'click' | 'submit' | 'input', (event: Event) => void>>;
}

/** The href if it is safe to put in the page, else undefined. */
export function pageHref(href: string): string | undefined {
  if (/^#\/[\w@./%~:?=&+-]*$/.test(href)) return href;
  if (/^\.\.?\/[\w./%~-]*$/.test(href)) return href;
  return safeHref(href);
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined) continue;
    if (key === 'on') {
      for (const [event, handler] of Object.entries(value as NonNullable<Props['on']>)) element.addEventListener(event, handler as EventListener);
    } else if (key === 'class') {
      element.className = value as string;
    } else if (key === 'href') {
      const safe = pageHref(value as string);
      if (safe !== undefined) element.setAttribute('href', safe);
      if (safe !== undefined && /^[a-z]+:/.test(safe)) element.setAttribute('rel', 'noopener noreferrer nofollow');
    } else if (key === 'value' && element instanceof HTMLInputElement) {
      element.value = value as string;
    } else {
      element.setAttribute(key, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (typeof child === 'string' || typeof child === 'number') parent.appendChild(document.createTextNode(String(child)));
    else parent.appendChild(child);
  }
}

/** Replaces what `parent` shows. */
export function show(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}
