/**
 * One plugin, at its latest version or a chosen one: what it does, what it asks for, which
 * hosts it runs on (and which version a host of a given API version would install), its
 * versions with their deprecations and yanks, downloads, README and CHANGELOG.
 */
import rcompare from 'semver/functions/rcompare.js';
import satisfies from 'semver/functions/satisfies.js';
import valid from 'semver/functions/valid.js';
import { api, ApiError, registryUrl, type Downloads, type PluginDetail, type PluginVersion, type PluginVersionDetail } from '../api.ts';
import { toDom } from '../dom.ts';
import { authorName, bytes, day, limitLines, permissionLines } from '../format.ts';
import { h, show, type Child } from '../h.ts';
import { renderMarkdown } from '../markdown.ts';

/** `current()` is false once the reader went elsewhere while the plugin loaded. */
export async function pluginView(main: HTMLElement, name: string, version: string | undefined, current: () => boolean): Promise<void> {
  show(main, h('p', { class: 'muted' }, 'Loading…'));
  let plugin: PluginDetail;
  let shown: PluginVersionDetail;
  let downloads: Downloads;
  try {
    plugin = await api.plugin(name);
    [shown, downloads] = await Promise.all([api.version(name, version ?? plugin.latest), api.downloads(name)]);
  } catch (error) {
    if (!current()) return;
    // The registry's own words (PACKAGE_NOT_FOUND, VERSION_NOT_FOUND…) under a plain heading.
    const missing = error instanceof ApiError && error.status === 404;
    const title = missing ? (error.code === 'VERSION_NOT_FOUND' ? `No version ${version} of ${name}` : `No plugin named ${name}`) : `Could not load ${name}`;
    document.title = `${title} · Easel plugin marketplace`;
    show(
      main,
      h('h1', { 'data-testid': 'not-found' }, title),
      h('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, (error as Error).message),
      missing && h('p', null, 'It may have another name, or every version of it was unpublished.'),
      h('p', null, h('a', { href: `#/?${new URLSearchParams({ q: name })}` }, `Search for “${name}”`), ' · ', h('a', { href: '#/' }, 'All plugins')),
    );
    return;
  }
  if (!current()) return;
  document.title = `${plugin.name} ${shown.version} · Easel plugin marketplace`;
  const isLatest = shown.version === plugin.latest;
  show(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'All plugins'), ' / ', plugin.name),
    h(
      'header',
      { class: 'plugin-head' },
      h('h1', null, plugin.name, ' ', h('span', { class: 'version', 'data-testid': 'shown-version' }, shown.version)),
      !isLatest && h('p', { class: 'note' }, 'An older version. ', h('a', { href: `#/plugin/${encodeURIComponent(plugin.name)}` }, `Latest is ${plugin.latest}`)),
      shown.yanked && h('p', { class: 'badge yanked', 'data-testid': 'yanked' }, `Yanked${shown.yanked.reason ? `: ${shown.yanked.reason}` : ''}. Hosts that pinned it keep it; no host installs it fresh.`),
      shown.deprecated !== null && h('p', { class: 'badge deprecated', 'data-testid': 'deprecated' }, `Deprecated: ${shown.deprecated}`),
      h('p', { class: 'lead' }, plugin.description),
      h(
        'p',
        { class: 'facts' },
        h('span', null, `by ${authorName(plugin.author)}`),
        h('span', null, plugin.license),
        h('span', null, `owners: ${plugin.owners.join(', ')}`),
        plugin.homepage && h('a', { href: plugin.homepage }, 'homepage'),
      ),
      plugin.keywords.length > 0 && h('p', { class: 'tags' }, plugin.keywords.map((k) => h('a', { class: 'keyword', href: `#/?${new URLSearchParams({ q: k })}` }, k))),
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        'div',
        { class: 'main-column' },
        section('What it offers', 'offers', offers(plugin)),
        section('README', 'readme', markdown(shown.readme, 'This version has no README.')),
        section('Versions', 'versions', versionsTable(plugin)),
        section('Changelog', 'changelog', markdown(shown.changelog, 'This version has no CHANGELOG.')),
      ),
      h(
        'aside',
        { class: 'side-column' },
        section('Permissions it asks for', 'permissions', permissions(shown)),
        section('Host compatibility', 'compatibility', compatibility(plugin, shown)),
        section('Install', 'install', install(plugin, shown)),
        section('Downloads', 'downloads', downloadFacts(downloads, shown)),
        Object.keys(shown.dependencies).length > 0 && section('Depends on', 'dependencies', dependencyList(shown.dependencies)),
      ),
    ),
  );
}

function section(title: string, id: string, ...body: Child[]): HTMLElement {
  return h('section', { class: 'panel', 'data-testid': id }, h('h2', null, title), body);
}

function markdown(text: string | null, none: string): Child {
  if (text === null || text.trim() === '') return h('p', { class: 'muted' }, none);
  const box = h('div', { class: 'markdown' });
  box.append(toDom(renderMarkdown(text)));
  return box;
}

function offers(plugin: PluginDetail): Child {
  return [
    plugin.agents.map((a) => h('div', { class: 'offer' }, h('h3', null, `Agent ${a.type}`), h('p', null, a.description), h('p', { class: 'muted' }, `capabilities: ${a.capabilities.join(', ')}`))),
    plugin.workflows.map((w) => h('div', { class: 'offer' }, h('h3', null, `Workflow ${w.type}`), h('p', null, w.description))),
  ];
}

function permissions(shown: PluginVersionDetail): Child {
  const lines = permissionLines(shown.manifest.permissions ?? {});
  const limits = limitLines(shown.manifest.limits);
  const routes = shown.manifest.routes ?? [];
  return [
    lines.length === 0 ? h('p', null, 'None: it uses no model, storage, key-value store or other plugin.') : h('ul', null, lines.map((l) => h('li', null, l))),
    h('p', { class: 'muted' }, 'A host grants nothing unless its admin approves it at install.'),
    limits.length > 0 && h('ul', { class: 'muted' }, limits.map((l) => h('li', null, l))),
    routes.length > 0 && h('p', null, `Adds ${routes.length} HTTP route${routes.length === 1 ? '' : 's'} to the host: `, routes.map((r, i) => [i > 0 && ', ', h('code', null, `${r.method} ${r.path}`)])),
  ];
}

/** Which versions run on a host of a given API version, and the newest of them that is not yanked. */
function compatibility(plugin: PluginDetail, shown: PluginVersionDetail): Child {
  const answer = h('div', { 'data-testid': 'compatibility-answer' });
  const input = h('input', { type: 'text', placeholder: 'e.g. 1.2.0', 'aria-label': 'Host API version', 'data-testid': 'host-version' });
  const check = () => {
    const host = valid(input.value.trim());
    if (host === null) {
      show(answer, input.value.trim() === '' ? null : h('p', { class: 'error' }, 'Enter a version such as 1.2.0.'));
      return;
    }
    const fits = [...plugin.versions].sort((a, b) => rcompare(a.version, b.version)).filter((v) => satisfies(host, v.hostRange, { includePrerelease: true }));
    const pick = fits.find((v) => v.yanked === null);
    show(
      answer,
      pick
        ? h('p', { class: 'ok', 'data-testid': 'compatibility-pick' }, `The newest version that runs on host API ${host}: ${pick.version}.`)
        : h('p', { class: 'error', 'data-testid': 'compatibility-pick' }, `No version runs on host API ${host}.`),
      fits.length > 0 && h('p', { class: 'muted' }, `Runs there: ${fits.map((v) => v.version + (v.yanked ? ' (yanked)' : '')).join(', ')}`),
    );
  };
  input.addEventListener('input', check);
  return [
    h('p', null, `${shown.version} runs on host API `, h('code', { 'data-testid': 'host-range' }, shown.hostRange), ' (', h('code', null, 'engines.easel'), ').'),
    h('label', null, 'Your host’s API version ', input),
    answer,
  ];
}

function install(plugin: PluginDetail, shown: PluginVersionDetail): Child {
  // A yanked version is never chosen fresh: the line installs the latest instead.
  const range = shown.yanked || shown.version === plugin.latest ? `^${plugin.latest}` : shown.version;
  return [
    shown.yanked && h('p', { class: 'note' }, `A host does not install ${shown.version} fresh (yanked); this installs ${plugin.latest} or later.`),
    h('p', null, 'On an Easel host, as its admin:'),
    h('pre', null, h('code', null, `POST /v1/plugins/install\n${JSON.stringify({ name: plugin.name, range })}`)),
    h('p', null, 'With npm:'),
    h('pre', null, h('code', null, `npm view ${plugin.name}@${shown.version} --registry ${registryUrl()}/`)),
    h('p', { class: 'muted' }, `integrity ${shown.integrity}`),
  ];
}

function downloadFacts(downloads: Downloads, shown: PluginVersionDetail): Child {
  const since = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const recent = downloads.days.filter((d) => d.day >= since).reduce((sum, d) => sum + d.count, 0);
  return h(
    'dl',
    { class: 'numbers' },
    h('dt', null, 'In all'),
    h('dd', { 'data-testid': 'downloads-total' }, downloads.total),
    h('dt', null, 'Last 30 days'),
    h('dd', null, recent),
    h('dt', null, `Version ${shown.version}`),
    h('dd', null, downloads.versions[shown.version] ?? 0),
  );
}

function dependencyList(dependencies: Record<string, string>): Child {
  return h('ul', null, Object.entries(dependencies).map(([name, range]) => h('li', null, h('a', { href: `#/plugin/${encodeURIComponent(name)}` }, name), ' ', h('code', null, range))));
}

function versionsTable(plugin: PluginDetail): Child {
  const row = (v: PluginVersion) =>
    h(
      'tr',
      { 'data-testid': `version-${v.version}`, class: v.yanked ? 'yanked' : v.deprecated !== null ? 'deprecated' : '' },
      h('td', null, h('a', { href: `#/plugin/${encodeURIComponent(plugin.name)}/${encodeURIComponent(v.version)}` }, v.version), v.tags.map((t) => h('span', { class: 'tag' }, t))),
      h('td', null, day(v.publishedAt)),
      h('td', null, h('code', null, v.hostRange)),
      h('td', null, v.downloads),
      h('td', null, bytes(v.size)),
      h('td', null, v.yanked ? `yanked${v.yanked.reason ? `: ${v.yanked.reason}` : ''}` : v.deprecated !== null ? `deprecated: ${v.deprecated}` : ''),
    );
  return [
    h(
      'table',
      { class: 'versions' },
      h('thead', null, h('tr', null, ['Version', 'Published', 'Host API', 'Downloads', 'Size', 'Status'].map((t) => h('th', null, t)))),
      h('tbody', null, plugin.versions.map(row)),
    ),
    plugin.unpublished.length > 0 && h('p', { class: 'muted' }, `Unpublished: ${plugin.unpublished.map((u) => u.version).join(', ')} (those numbers are never reused)`),
  ];
}
