import type { ComponentChildren } from 'preact';
import { href, onLinkClick } from '../lib/router.ts';

/** A link inside the console (no page reload). */
export function Link({ to, children, class: cls, ...rest }: { to: string; children: ComponentChildren; class?: string; [attr: string]: unknown }) {
  return (
    <a href={href(to)} class={cls} onClick={(e) => onLinkClick(e as MouseEvent, to)} {...rest}>
      {children}
    </a>
  );
}
