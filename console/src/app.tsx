/**
 * The console: sign-in, then the pages the key may see. An app key gets the app's pages only:
 * admin pages are not in its navigation, and their addresses say they need an admin key.
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get } from './lib/api.ts';
import { match, navigate, useLocation } from './lib/router.ts';
import { session, type Identity } from './lib/session.ts';
import type { PageProps } from './pages/page-props.ts';
import { Link } from './components/link.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { PluginsPage } from './pages/plugins.tsx';
import { PluginPage } from './pages/plugin.tsx';
import { MarketplacePage } from './pages/marketplace.tsx';
import { MarketplacePluginPage } from './pages/marketplace-plugin.tsx';
import { RunPage } from './pages/run.tsx';
import { ExecutionsPage } from './pages/executions.tsx';
import { ExecutionPage } from './pages/execution.tsx';
import { CostsPage } from './pages/costs.tsx';
import { KeysPage } from './pages/keys.tsx';
import { AppsPage } from './pages/apps.tsx';
import { AppPage } from './pages/app.tsx';
import { BudgetsPage } from './pages/budgets.tsx';
import { AuditPage } from './pages/audit.tsx';


interface Route {
  pattern: string;
  page: ComponentType<PageProps>;
  admin?: boolean;
  nav?: string;
}

const ROUTES: Route[] = [
  { pattern: '/plugins', page: PluginsPage, admin: true, nav: 'Plugins' },
  { pattern: '/plugins/:name', page: PluginPage, admin: true },
  { pattern: '/marketplace', page: MarketplacePage, admin: true, nav: 'Marketplace' },
  { pattern: '/marketplace/:name', page: MarketplacePluginPage, admin: true },
  { pattern: '/run', page: RunPage, nav: 'Run' },
  { pattern: '/executions', page: ExecutionsPage, nav: 'Executions' },
  { pattern: '/executions/:id', page: ExecutionPage },
  { pattern: '/costs', page: CostsPage, nav: 'Costs' },
  { pattern: '/keys', page: KeysPage, admin: true, nav: 'Keys' },
  { pattern: '/apps', page: AppsPage, admin: true, nav: 'Apps' },
  { pattern: '/apps/:id', page: AppPage, admin: true },
  { pattern: '/budgets', page: BudgetsPage, admin: true, nav: 'Budgets' },
  { pattern: '/audit', page: AuditPage, admin: true, nav: 'Audit log' },
];

export function App() {
  const [identity, setIdentity] = useState<Identity | null | undefined>(session.key ? undefined : null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    if (!session.key || identity) return;
    get<Identity>('/v1/whoami').then(setIdentity, (error) => {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        session.clear();
        setNotice('The key of this session is no longer valid: sign in again.');
      } else {
        setNotice(`The host could not be asked who this key is: ${(error as Error).message}`);
      }
      setIdentity(null);
    });
  }, []);
  if (identity === undefined) return <p class="loading">Loading…</p>;
  if (identity === null) return <SignIn notice={notice} onSignedIn={(who) => { setNotice(null); setIdentity(who); }} />;
  return <Shell identity={identity} onSignOut={() => { session.clear(); setIdentity(null); navigate('/', true); }} />;
}

function Shell({ identity, onSignOut }: { identity: Identity; onSignOut(): void }) {
  const { path, query } = useLocation();
  const isAdmin = identity.role === 'admin';
  useEffect(() => {
    if (path === '/') navigate(isAdmin ? '/plugins' : '/run', true);
  }, [path]);
  let content = <NotFound />;
  let active: Route | undefined;
  for (const route of ROUTES) {
    const params = match(route.pattern, path);
    if (!params) continue;
    active = route;
    const Page = route.page;
    content = route.admin && !isAdmin ? <NeedsAdmin identity={identity} /> : <Page identity={identity} params={params} query={query} />;
    break;
  }
  const nav = ROUTES.filter((r) => r.nav && (isAdmin || !r.admin));
  return (
    <div class="shell">
      <header class="top">
        <span class="brand">Easel console</span>
        <nav aria-label="pages">
          {nav.map((r) => (
            <Link to={r.pattern} class={active && (active.pattern === r.pattern || active.pattern.startsWith(`${r.pattern}/`)) ? 'active' : ''}>
              {r.nav!}
            </Link>
          ))}
        </nav>
        <span class="who" data-role={identity.role}>
          {identity.label} · {isAdmin ? 'admin key' : `app key of ${identity.appName ?? identity.appId}`}
        </span>
        <button type="button" class="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>{content}</main>
    </div>
  );
}

function NeedsAdmin({ identity }: { identity: Identity }) {
  return (
    <section class="needs-admin" data-page="needs-admin">
      <h1>This page needs an admin key</h1>
      <p>
        You are signed in with an app key ({identity.label}). An app key runs agents and workflows and reads its own app's executions, costs and budgets; managing plugins, keys, apps,
        budgets and the audit log takes an admin key. Sign out and sign in with an admin key to see this page.
      </p>
    </section>
  );
}

function NotFound() {
  return (
    <section>
      <h1>No such page</h1>
      <p>
        <Link to="/">Back to the start</Link>
      </p>
    </section>
  );
}
