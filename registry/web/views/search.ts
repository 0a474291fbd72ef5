/** The home view: search plugins, a card per plugin, more on demand; how to publish, for authors. */
import { api, type PluginSummary } from '../api.ts';
import { day, permissionTags } from '../format.ts';
import { h, show } from '../h.ts';
import { authorsGuide } from './authors.ts';

const PAGE = 20;

export function searchView(main: HTMLElement, q: string): void {
  const input = h('input', { type: 'search', name: 'q', value: q, placeholder: 'Search plugins: name, description, keywords, agents', 'aria-label': 'Search plugins', 'data-testid': 'search-input' });
  const form = h(
    'form',
    {
      class: 'search',
      role: 'search',
      on: {
        submit: (event) => {
          event.preventDefault();
          window.location.hash = `#/?${new URLSearchParams({ q: input.value.trim() })}`;
        },
      },
    },
    input,
    h('button', { type: 'submit' }, 'Search'),
  );
  const summary = h('p', { class: 'muted', 'data-testid': 'result-count' });
  const list = h('ul', { class: 'cards', 'data-testid': 'results' });
  const more = h('div', { class: 'more' });
  show(main, h('section', null, form, summary, list, more), authorsGuide());
  input.focus();

  let offset = 0;
  const load = async () => {
    show(more, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const page = await api.search(q, offset, PAGE);
      offset += page.packages.length;
      summary.textContent = page.total === 0 ? (q ? `No plugin matches “${q}”.` : 'No plugin is published here yet.') : `${page.total} plugin${page.total === 1 ? '' : 's'}${q ? ` matching “${q}”` : ''}`;
      for (const plugin of page.packages) list.append(card(plugin));
      show(more, offset < page.total && h('button', { type: 'button', on: { click: () => void load() } }, 'Show more'));
    } catch (error) {
      show(more, h('p', { class: 'error', role: 'alert' }, `Could not search: ${(error as Error).message}`));
    }
  };
  void load();
}

function card(p: PluginSummary): HTMLElement {
  const href = `#/plugin/${encodeURIComponent(p.name)}`;
  const tags = permissionTags(p.permissions);
  return h(
    'li',
    { class: 'card', 'data-testid': `card-${p.name}` },
    h('h2', null, h('a', { href }, p.name), ' ', h('span', { class: 'version' }, p.latest)),
    p.deprecated !== null && h('p', { class: 'badge deprecated' }, `Deprecated: ${p.deprecated}`),
    h('p', null, p.description),
    h(
      'p',
      { class: 'facts' },
      h('span', { title: 'engines.easel: the host API versions it runs on' }, `Host API ${p.hostRange}`),
      h('span', null, `${p.downloads} download${p.downloads === 1 ? '' : 's'}`),
      h('span', null, `updated ${day(p.updatedAt)}`),
      h('span', null, p.license),
    ),
    h('p', { class: 'tags' }, tags.length === 0 ? h('span', { class: 'tag none' }, 'asks for no permissions') : tags.map((t) => h('span', { class: 'tag' }, t)), p.keywords.map((k) => h('span', { class: 'keyword' }, k))),
  );
}
