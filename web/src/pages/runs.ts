import { del, get, runPath } from '../api';
import { lineChart } from '../charts';
import { errorBox, withProgress } from '../components';
import { clear, field, h, select, Scope } from '../dom';
import { formatMetric, isoTime } from '../format';
import { forget, recalled, remember } from '../store';
import type { AnyAnswer, Point, PortfolioAnswer, RunAnswer, RunSummary, WalkforwardAnswer } from '../types';
import { answerKind } from '../types';

/** The equity curve an answer carries, if any: a run's, a walk-forward's stitched one, a portfolio's. */
export function equityOf(a: AnyAnswer): Point[] | null {
  switch (answerKind(a)) {
    case 'run':
      return (a as RunAnswer).equity ?? null;
    case 'walkforward':
      return (a as WalkforwardAnswer).outOfSample?.equity ?? null;
    case 'portfolio':
      return (a as PortfolioAnswer).equity ?? null;
    default:
      return null;
  }
}

export async function fetchRun(runId: string, signal?: AbortSignal): Promise<AnyAnswer> {
  const cached = recalled(runId);
  if (cached) return cached;
  const answer = await get<AnyAnswer>(runPath(runId), signal);
  remember(answer);
  return answer;
}

export interface RunsPage {
  el: HTMLElement;
  refresh(): void;
}

export function runsPage(): RunsPage {
  const route = select([['', 'any'], ['run', 'run'], ['optimize', 'optimize'], ['walkforward', 'walkforward'], ['portfolio', 'portfolio']], '', { name: 'route' });
  const symbol = h('input', { name: 'symbol', placeholder: 'any', spellcheck: 'false' });
  const strategy = h('input', { name: 'strategy', placeholder: 'any', spellcheck: 'false' });
  const limit = h('input', { type: 'number', name: 'limit', value: '50', min: 1, max: 1000, step: 1 });
  const status = h('div', { class: 'status' });
  const tableSlot = h('div', { class: 'runs-table-slot scroll' });
  const overlaySlot = h('div', { class: 'overlay-slot' });
  const overlayScope = new Scope();
  const selected = new Set<string>();
  const normalise = h('input', { type: 'checkbox', name: 'normalise', checked: true });
  const overlayButton = h('button', { type: 'button', id: 'overlay-selected', disabled: true }, 'Overlay equity of the 2 selected');
  const syncOverlay = () => {
    overlayButton.disabled = selected.size !== 2;
  };

  const refresh = async () => {
    const params = new URLSearchParams({ limit: limit.value || '50' });
    if (route.value) params.set('route', route.value);
    if (symbol.value.trim()) params.set('symbol', symbol.value.trim().toUpperCase());
    if (strategy.value.trim()) params.set('strategy', strategy.value.trim());
    const answer = await withProgress(status, 'loading runs…', (signal) => get<{ runs: RunSummary[]; storing?: boolean }>(`/backtest/runs?${params}`, signal));
    if (!answer) return;
    clear(tableSlot);
    if (answer.storing === false) tableSlot.append(h('p', { class: 'notice' }, 'This executor stores no runs (SPARK_RUNS_KEEP=0).'));
    selected.clear();
    syncOverlay();
    const runs = answer.runs ?? [];
    if (runs.length === 0) {
      tableSlot.append(h('p', { class: 'muted' }, 'No stored runs match.'));
      return;
    }
    const body = h('tbody');
    for (const r of runs) {
      const check = h('input', { type: 'checkbox', 'aria-label': `select ${r.runId}`, 'data-run-id': r.runId });
      check.addEventListener('change', () => {
        if (check.checked) selected.add(r.runId);
        else selected.delete(r.runId);
        syncOverlay();
      });
      const remove = h('button', { type: 'button', class: 'link danger' }, 'delete');
      let armed = false;
      remove.addEventListener('click', async () => {
        if (!armed) {
          armed = true;
          remove.textContent = 'really delete?';
          window.setTimeout(() => {
            armed = false;
            remove.textContent = 'delete';
          }, 4000);
          return;
        }
        try {
          await del(runPath(r.runId));
          forget(r.runId);
          row.remove();
          selected.delete(r.runId);
          syncOverlay();
        } catch (e) {
          status.append(errorBox(e));
        }
      });
      const row = h(
        'tr',
        { 'data-run-id': r.runId },
        h('td', null, check),
        h('td', null, isoTime(r.createdAt ?? r.time)),
        h('td', null, r.route),
        h('td', null, r.symbol ?? ''),
        h('td', null, r.timeframe ?? ''),
        h('td', null, r.strategy ?? ''),
        h('td', { class: 'num' }, formatMetric('totalReturn', r.totalReturn)),
        h('td', { class: 'num' }, formatMetric('sharpe', r.sharpe)),
        h('td', { class: 'num' }, formatMetric('maxDrawdown', r.maxDrawdown)),
        h('td', { class: 'num' }, formatMetric('numTrades', r.numTrades)),
        h('td', null, h('a', { href: `#/runs/${r.runId}`, class: 'open-run' }, h('code', null, r.runId))),
        h('td', null, remove),
      );
      body.append(row);
    }
    tableSlot.append(
      h(
        'table',
        { class: 'runs' },
        h('thead', null, h('tr', null, ['', 'created (UTC)', 'route', 'symbol', 'tf', 'strategy', 'total return', 'sharpe', 'max DD', 'trades', 'run', ''].map((c) => h('th', null, c)))),
        body,
      ),
    );
  };

  overlayButton.addEventListener('click', async () => {
    const ids = [...selected];
    const answers = await withProgress(status, 'loading the two runs…', (signal) => Promise.all(ids.map((id) => fetchRun(id, signal))));
    if (!answers) return;
    overlayScope.dispose();
    clear(overlaySlot);
    const lines = answers.map((a, i) => {
      const eq = equityOf(a) ?? [];
      const base = eq[0]?.[1] ?? 1;
      return { name: ids[i], data: normalise.checked ? eq.map(([t, v]): Point => [t, v / base]) : eq };
    });
    const missing = lines.filter((l) => l.data.length === 0).map((l) => l.name);
    if (missing.length) overlaySlot.append(h('p', { class: 'notice' }, `No equity curve in ${missing.join(', ')} (an optimize answer has none).`));
    const withData = lines.filter((l) => l.data.length);
    if (withData.length) overlaySlot.append(lineChart(overlayScope, withData, normalise.checked ? 'Equity, each divided by its first value' : 'Equity', 'chart-overlay').box);
  });

  const filters = h(
    'form',
    { class: 'filters inline', onsubmit: (e: Event) => (e.preventDefault(), void refresh()) },
    field('Route', route),
    field('Symbol', symbol),
    field('Strategy', strategy),
    field('Limit', limit),
    h('button', { type: 'submit' }, 'Refresh'),
  );
  const el = h(
    'section',
    { class: 'page', id: 'page-runs', 'data-page': 'runs' },
    h('h1', null, 'Runs'),
    filters,
    status,
    tableSlot,
    h('div', { class: 'inline' }, overlayButton, h('label', { class: 'check' }, normalise, ' normalise')),
    overlaySlot,
  );
  return { el, refresh: () => void refresh() };
}
