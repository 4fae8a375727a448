// spark-executor's web app: hash routes, one persistent root per form page (so forms and results
// survive navigation), a fresh one per stored run.

import './style.css';
import { getToken, setToken } from './api';
import { h, Scope } from './dom';
import { detailPage } from './pages/detail';
import { optimizePage } from './pages/optimize';
import { portfolioPage } from './pages/portfolio';
import { runPage } from './pages/run';
import { runsPage, type RunsPage } from './pages/runs';
import { walkforwardPage } from './pages/walkforward';

const NAV: [route: string, label: string][] = [
  ['run', 'Run'],
  ['optimize', 'Optimize'],
  ['walkforward', 'Walk-forward'],
  ['portfolio', 'Portfolio'],
  ['runs', 'Runs'],
];

function tokenControl(): HTMLElement {
  const input = h('input', { type: 'password', name: 'apiToken', value: getToken(), placeholder: 'API token (if the server needs one)', autocomplete: 'off', 'aria-label': 'API token' });
  const saved = h('span', { class: 'muted' });
  const save = () => {
    setToken(input.value.trim());
    saved.textContent = input.value.trim() ? 'saved' : 'cleared';
    window.setTimeout(() => (saved.textContent = ''), 1500);
  };
  input.addEventListener('change', save);
  return h('div', { class: 'token' }, input, saved);
}

const app = document.getElementById('app')!;
const links = new Map<string, HTMLAnchorElement>();
const nav = h(
  'nav',
  null,
  NAV.map(([route, label]) => {
    const a = h('a', { href: `#/${route}`, 'data-route': route }, label);
    links.set(route, a);
    return a;
  }),
);
const main = h('main');
app.append(h('header', null, h('a', { class: 'brand', href: '#/run' }, 'spark-executor'), nav, tokenControl()), main);

const pages = new Map<string, HTMLElement>();
let runs: RunsPage | null = null;
let detail: { el: HTMLElement; scope: Scope } | null = null;

function page(route: string): HTMLElement {
  let el = pages.get(route);
  if (!el) {
    switch (route) {
      case 'optimize':
        el = optimizePage();
        break;
      case 'walkforward':
        el = walkforwardPage();
        break;
      case 'portfolio':
        el = portfolioPage();
        break;
      case 'runs':
        runs = runsPage();
        el = runs.el;
        break;
      default:
        el = runPage();
    }
    pages.set(route, el);
    main.append(el);
  }
  return el;
}

function render(): void {
  const path = location.hash.replace(/^#\/?/, '').split('?')[0];
  const [route, id] = path.split('/');
  if (!route) {
    location.replace('#/run');
    return;
  }
  if (detail) {
    detail.scope.dispose();
    detail.el.remove();
    detail = null;
  }
  for (const el of pages.values()) el.hidden = true;
  let active = route;
  if (route === 'runs' && id) {
    const scope = new Scope();
    let runId = id;
    try {
      runId = decodeURIComponent(id);
    } catch {
      // a malformed %-escape: look the id up as written
    }
    detail = { el: detailPage(runId, scope), scope };
    main.append(detail.el);
  } else {
    if (!NAV.some(([r]) => r === route)) active = 'run';
    page(active).hidden = false;
    if (active === 'runs') runs?.refresh();
  }
  for (const [r, a] of links) a.classList.toggle('active', r === active);
  document.title = `spark-executor · ${NAV.find(([r]) => r === active)?.[1] ?? 'Run'}${id ? ` · ${id}` : ''}`;
}

window.addEventListener('hashchange', render);
render();
