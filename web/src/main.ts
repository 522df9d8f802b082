import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, storedKey, storeKey } from './api.ts';
import { i18n, LANGUAGES, setLanguage, t, type Language } from './i18n.ts';
import { href, useRoute, type Route } from './router.ts';
import { html, Problem } from './ui.ts';
import { ModelsPage } from './pages/models.ts';
import { VersionPage } from './pages/version.ts';
import { ComparePage } from './pages/compare.ts';
import { ExplainPage } from './pages/explain.ts';
import { RunsPage, RunPage } from './pages/runs.ts';
import { PromotionsPage } from './pages/promotions.ts';
import { ExplorePage } from './pages/explore.ts';
import { HelpPage } from './pages/help.ts';
import { whoAmI, type Principal } from './session.ts';
import { CoveragePage, QuarantinePage } from './pages/coverage.ts';
import { GamePage } from './pages/game.ts';
import { TeamPage } from './pages/team.ts';
import { OperationsPage } from './pages/operations.ts';
import { DriftPage } from './pages/drift.ts';

function Page(props: { route: Route; principal: Principal }) {
  const [first, ...rest] = props.route.path;
  const q = props.route.query;
  if (!first || first === 'models') {
    if (rest.length >= 3 && rest[1] === 'versions') return html`<${VersionPage} model=${rest[0]} version=${rest[2]} />`;
    return html`<${ModelsPage} />`;
  }
  if (first === 'compare') return html`<${ComparePage} model=${q.get('model') ?? ''} versions=${(q.get('versions') ?? '').split(',').filter(Boolean)} />`;
  if (first === 'explain') return html`<${ExplainPage} model=${q.get('model') ?? ''} version=${q.get('version') ?? ''} game=${q.get('game') ?? ''} />`;
  if (first === 'runs') return rest[0] ? html`<${RunPage} id=${rest[0]} principal=${props.principal} />` : html`<${RunsPage} principal=${props.principal} />`;
  if (first === 'promotions') return html`<${PromotionsPage} principal=${props.principal} />`;
  if (first === 'coverage') return html`<${CoveragePage} competition=${q.get('competition') ?? ''} season=${q.get('season') ?? ''} />`;
  if (first === 'quarantine') return html`<${QuarantinePage} query=${q} />`;
  if (first === 'games' && rest[0]) return html`<${GamePage} id=${rest[0]} />`;
  if (first === 'teams' && rest[0]) return html`<${TeamPage} id=${rest[0]} set=${q.get('set') ?? ''} />`;
  if (first === 'explore') return html`<${ExplorePage} share=${q.get('share') ?? ''} />`;
  if (first === 'operations') return html`<${OperationsPage} principal=${props.principal} />`;
  if (first === 'drift') return html`<${DriftPage} />`;
  if (first === 'help') return html`<${HelpPage} page=${rest[0] ?? ''} />`;
  return html`<p role="alert">${t('common.noSuchPage')}</p>`;
}

const NAV: Array<[string, () => string]> = [
  ['models', () => t('nav.models')],
  ['compare', () => t('nav.compare')],
  ['explain', () => t('nav.explain')],
  ['runs', () => t('nav.runs')],
  ['promotions', () => t('nav.promotions')],
  ['coverage', () => t('nav.coverage')],
  ['explore', () => t('nav.explore')],
  ['operations', () => t('nav.operations')],
  ['drift', () => t('nav.drift')],
  ['help', () => t('nav.help')],
];

function LanguageSwitch(props: { onChange: () => void }) {
  return html`<label class="lang">${t('common.language')}
    <select value=${i18n.language} onChange=${async (e: Event) => {
      await setLanguage((e.target as HTMLSelectElement).value as Language);
      props.onChange();
    }}>
      ${Object.entries(LANGUAGES).map(([code, name]) => html`<option value=${code} lang=${code}>${name}</option>`)}
    </select></label>`;
}

function SignIn(props: { onSignedIn: (p: Principal) => void; refused?: ApiError | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<ApiError | null>(props.refused ?? null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    storeKey(key.trim() || null);
    try {
      props.onSignedIn(await whoAmI());
    } catch (err) {
      storeKey(null);
      setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
    } finally {
      setBusy(false);
    }
  };
  return html`<main id="main" class="signin">
    <h1>${t('signIn.title')}</h1>
    <p>${t('signIn.explain')}</p>
    <form onSubmit=${submit}>
      <label for="api-key">${t('signIn.key')}</label>
      <input id="api-key" ref=${input} type="password" autocomplete="off" spellcheck="false" value=${key} onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} aria-describedby="api-key-help" />
      <p id="api-key-help" class="muted">${t('signIn.keyHelp')}</p>
      <button type="submit" disabled=${busy}>${t('signIn.submit')}</button>
    </form>
    ${error?.code === 'CONSOLE_ROLE_REFUSED'
      ? html`<div class="problem" role="alert" data-refused="role"><strong>${t('signIn.refusedTitle')}</strong> ${t('signIn.refusedRole', { role: (error.details as { role: string }).role })}</div>`
      : error ? html`<${Problem} error=${error} />` : null}
  </main>`;
}

function App() {
  const route = useRoute();
  const [, setRenderCount] = useState(0);
  const rerender = () => setRenderCount((n) => n + 1);
  const [principal, setPrincipal] = useState<Principal | null>(null);
  const [refused, setRefused] = useState<ApiError | null>(null);
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    // A key kept from earlier in this tab signs in again without asking.
    if (!storedKey()) return setChecked(true);
    whoAmI().then(setPrincipal, (e: ApiError) => {
      storeKey(null);
      setRefused(e);
    }).finally(() => setChecked(true));
  }, []);
  useEffect(() => {
    document.title = `${t('app.title')}`;
  });
  const signOut = () => {
    storeKey(null);
    setPrincipal(null);
    setRefused(null);
  };
  const header = html`<header class="top">
    <a class="skip" href="#main" onClick=${(e: Event) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>${t('common.skip')}</a>
    <span class="brand">${t('app.title')}</span>
    ${principal ? html`<nav aria-label=${t('nav.label')}><ul>${NAV.map(([path, label]) => html`<li><a href=${href(path)} aria-current=${(route.path[0] ?? 'models') === path ? 'page' : undefined}>${label()}</a></li>`)}</ul></nav>` : null}
    <${LanguageSwitch} onChange=${rerender} />
    ${principal ? html`<span class="who">${t('signIn.as', { name: principal.name, role: t(`role.${principal.role}`) })}</span><button type="button" class="link" onClick=${signOut}>${t('signIn.out')}</button>` : null}
  </header>`;
  if (!checked) return html`${header}<main id="main" tabindex="-1"><p role="status">${t('common.loading')}</p></main>`;
  if (!principal) {
    return html`${header}<${SignIn} refused=${refused} onSignedIn=${(p: Principal) => {
      setRefused(null);
      setPrincipal(p);
      // The form is gone: keyboard focus goes to the page it opened, not back to the top.
      requestAnimationFrame(() => document.getElementById('main')?.focus());
    }} />`;
  }
  return html`${header}<main id="main" tabindex="-1"><${Page} route=${route} principal=${principal} /></main>`;
}

render(html`<${App} />`, document.getElementById('app')!);
