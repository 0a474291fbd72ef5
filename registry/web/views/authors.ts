/** For plugin authors: how to publish here, and where the API is described. */
import { registryUrl } from '../api.ts';
import { h } from '../h.ts';

export function authorsGuide(): HTMLElement {
  const url = registryUrl();
  return h(
    'section',
    { class: 'authors', 'data-testid': 'authors' },
    h('h2', null, 'Publishing a plugin here'),
    h('p', null, 'Write it with the Easel SDK (@easel/sdk), log in once, then publish. The registry checks the bundle the same way a host does, and signs every version.'),
    h(
      'pre',
      null,
      h('code', null, ['npx easel validate', `npx easel login --registry ${url} --username <you>`, `npx easel publish --registry ${url}`].join('\n')),
    ),
    h(
      'p',
      null,
      'Tokens for CI: ',
      h('code', null, `curl -u name:password -X POST ${url}/-/npm/v1/tokens`),
      '. The whole HTTP API: ',
      h('a', { href: '../docs' }, 'API reference'),
      ' (',
      h('a', { href: '../openapi.json' }, 'OpenAPI'),
      ').',
    ),
  );
}
