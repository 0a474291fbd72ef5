/**
 * The registry's marketplace page: search its plugins and read one plugin's page, for people
 * choosing a plugin (without a host) and for authors. A static page that reads the
 * marketplace API; routes live in the URL's hash (`#/?q=…`, `#/plugin/<name>[/<version>]`).
 */
import './style.css';
import { show, h } from './h.ts';
import { pluginView } from './views/plugin.ts';
import { searchView } from './views/search.ts';

const main = document.getElementById('main')!;
/** Counts route changes: a plugin page that loads after the reader moved on draws nothing. */
let routes = 0;

/** A route's part as written when it is not valid percent-encoding (it then names nothing). */
function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function route(): void {
  const mine = ++routes;
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?', 2) as [string, string?];
  const plugin = /^\/plugin\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (plugin) {
    void pluginView(main, decode(plugin[1]!), plugin[2] === undefined ? undefined : decode(plugin[2]), () => mine === routes);
  } else if (path === '/') {
    document.title = 'Easel plugin marketplace';
    searchView(main, new URLSearchParams(query).get('q') ?? '');
  } else {
    document.title = 'Not found · Easel plugin marketplace';
    show(main, h('h1', null, 'No such page'), h('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, `Nothing is at #${path}.`), h('p', null, h('a', { href: '#/' }, 'Search the plugins')));
  }
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', route);
route();
