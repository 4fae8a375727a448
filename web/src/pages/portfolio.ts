import { ApiError, post } from '../api';
import { field, h, select, clear, Scope } from '../dom';
import { marketForm, optionsForm, withProgress, KNOWN_SYMBOLS } from '../components';
import { renderPortfolio } from '../results';
import { loadStrategies, remember } from '../store';
import type { PortfolioAnswer, StrategyInfo } from '../types';
import { pageShell } from './shell';

interface AssetRow {
  el: HTMLTableRowElement;
  symbol: HTMLInputElement;
  weight: HTMLInputElement;
  strategy: HTMLSelectElement;
  params: HTMLInputElement;
}

/** "fast=10, slow=30" → {fast: 10, slow: 30}. */
function parseParams(text: string, index: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(/[,;]/)) {
    if (!part.trim()) continue;
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(\S+)\s*$/.exec(part);
    const n = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(n)) throw new ApiError(0, 'INVALID_REQUEST', `assets[${index}].strategy.params: write name=value, comma-separated, got ${JSON.stringify(part.trim())}`, { field: `assets[${index}].strategy.params` });
    out[m[1]] = n;
  }
  return out;
}

export function portfolioPage(): HTMLElement {
  return pageShell('portfolio', 'Portfolio', async (body) => {
    const strategies: StrategyInfo[] = await loadStrategies();
    const market = marketForm({ timeframe: '1h', start: '2024-01-01', end: '2024-03-31' }, false);
    const rebalance = select([['none', 'none'], ['daily', 'daily'], ['weekly', 'weekly'], ['monthly', 'monthly'], ['bars', 'every N bars']], 'none', { name: 'rebalance' });
    const rebalanceBars = h('input', { type: 'number', name: 'rebalanceBars', value: '24', min: 1, step: 1, hidden: true });
    rebalance.addEventListener('change', () => (rebalanceBars.hidden = rebalance.value !== 'bars'));
    const rowsBody = h('tbody');
    const rows: AssetRow[] = [];
    const addRow = (symbol: string, weight: number, strategy: string, params = '') => {
      const row: AssetRow = {
        el: h('tr'),
        symbol: h('input', { name: 'asset.symbol', value: symbol, list: 'portfolio-symbols', spellcheck: 'false' }),
        weight: h('input', { type: 'number', name: 'asset.weight', value: String(weight), min: 0, max: 1, step: 'any' }),
        strategy: select(strategies.map((s) => s.name), strategy, { name: 'asset.strategy' }),
        params: h('input', { name: 'asset.params', value: params, placeholder: 'defaults, or fast=10, slow=30', spellcheck: 'false' }),
      };
      const remove = h('button', { type: 'button', class: 'link', title: 'remove this asset' }, 'remove');
      remove.addEventListener('click', () => {
        rows.splice(rows.indexOf(row), 1);
        row.el.remove();
      });
      row.el.append(h('td', null, row.symbol), h('td', null, row.weight), h('td', null, row.strategy), h('td', null, row.params), h('td', null, remove));
      rows.push(row);
      rowsBody.append(row.el);
    };
    addRow('BTCUSDT', 0.5, 'sma_cross');
    addRow('ETHUSDT', 0.3, 'buy_and_hold');
    addRow('SOLUSDT', 0.2, 'buy_and_hold');
    const equalWeights = () => {
      const n = rows.length;
      rows.forEach((r, i) => (r.weight.value = String(i === n - 1 ? 1 - Number(((1 / n) * (n - 1)).toFixed(12)) : Number((1 / n).toFixed(12)))));
    };
    const assetsBox = h(
      'fieldset',
      { class: 'assets-editor' },
      h('legend', null, 'Assets'),
      h('table', { class: 'grid' }, h('thead', null, h('tr', null, ['symbol', 'weight', 'strategy', 'params', ''].map((c) => h('th', null, c)))), rowsBody),
      h('div', { class: 'inline' }, h('button', { type: 'button', onclick: () => addRow('', 0, 'buy_and_hold') }, 'add asset'), h('button', { type: 'button', onclick: equalWeights }, 'equal weights')),
      h('datalist', { id: 'portfolio-symbols' }, KNOWN_SYMBOLS.map((s) => h('option', { value: s }))),
    );
    const options = optionsForm();
    const status = h('div', { class: 'status' });
    const result = h('div', { class: 'result-slot' });
    const scope = new Scope();
    const submit = h('button', { type: 'submit', class: 'primary', id: 'portfolio-submit' }, 'Run portfolio');
    const form = h(
      'form',
      { class: 'job-form', novalidate: true },
      market.el,
      assetsBox,
      h('fieldset', null, h('legend', null, 'Rebalancing'), field('Rebalance', rebalance), rebalanceBars),
      options.el,
      h('div', { class: 'actions' }, submit),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      try {
        const answer = await withProgress(
          status,
          'running portfolio…',
          (signal) => {
            const assets = rows.map((r, i) => {
              const params = parseParams(r.params.value, i);
              return { symbol: r.symbol.value.trim().toUpperCase(), weight: Number(r.weight.value), strategy: Object.keys(params).length ? { name: r.strategy.value, params } : r.strategy.value };
            });
            return post<PortfolioAnswer>(
              '/backtest/portfolio',
              { ...market.read(), assets, rebalance: rebalance.value === 'bars' ? Number(rebalanceBars.value) : rebalance.value, ...options.read() },
              signal,
            );
          },
          form,
        );
        if (!answer) return;
        remember(answer);
        scope.dispose();
        clear(result);
        result.append(renderPortfolio(answer, scope));
      } finally {
        submit.disabled = false;
      }
    });
    body.append(form, status, result);
  });
}
