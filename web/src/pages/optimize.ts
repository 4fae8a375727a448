import { post } from '../api';
import { field, h, select, clear, Scope } from '../dom';
import { marketForm, optionsForm, withProgress } from '../components';
import { gridEditor } from '../grid';
import { renderOptimize } from '../results';
import { loadStrategies, remember } from '../store';
import { strategyEditor, type StrategyEditor } from '../strategy';
import type { OptimizeAnswer, StrategySpec } from '../types';
import { pageShell } from './shell';

export const OBJECTIVES = ['sharpe', 'totalReturn', 'cagr', 'calmar', 'sortino', 'profitFactor'];

/** The strategy with the grid's fixed values: a built-in's as params, rules' over their declared ones. */
export function strategyWithFixed(strategy: StrategyEditor, fixedValues: Record<string, number>): StrategySpec {
  const s = strategy.read();
  if (typeof s === 'string') return { name: s, params: fixedValues };
  if ('entry' in s) return { ...s, params: { ...(s.params ?? {}), ...fixedValues } };
  return { name: s.name, params: fixedValues };
}

export function optimizePage(): HTMLElement {
  return pageShell('optimize', 'Optimize', async (body) => {
    const strategies = await loadStrategies();
    const market = marketForm({ symbol: 'BTCUSDT', timeframe: '1h', start: '2024-01-01', end: '2024-03-31' });
    const strategy = strategyEditor(strategies, { showParams: false, initial: 'sma_cross' });
    const grid = gridEditor();
    const refreshGrid = () => grid.setSchema(strategy.schema(), strategy.values(), true);
    strategy.onSchemaChange(refreshGrid);
    refreshGrid();
    const objective = select(OBJECTIVES, 'sharpe', { name: 'objective' });
    const minTrades = h('input', { type: 'number', name: 'minTrades', value: '1', min: 0, step: 1 });
    const topN = h('input', { type: 'number', name: 'topN', value: '100', min: 1, max: 100, step: 1 });
    const options = optionsForm();
    const status = h('div', { class: 'status' });
    const result = h('div', { class: 'result-slot' });
    const scope = new Scope();
    const submit = h('button', { type: 'submit', class: 'primary', id: 'optimize-submit' }, 'Run grid search');
    const form = h(
      'form',
      { class: 'job-form', novalidate: true },
      market.el,
      strategy.el,
      grid.el,
      h('fieldset', null, h('legend', null, 'Ranking'), field('Objective', objective), field('Min trades', minTrades), field('Top N', topN, 'rows returned, 1–100 (the heatmap draws these)')),
      options.el,
      h('div', { class: 'actions' }, submit),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      try {
        const answer = await withProgress(
          status,
          'optimizing…',
          (signal) => {
            const g = grid.read();
            return post<OptimizeAnswer>(
              '/backtest/optimize',
              {
                ...market.read(),
                strategy: strategyWithFixed(strategy, g.fixed),
                grid: g.grid,
                objective: objective.value,
                minTrades: Number(minTrades.value),
                topN: Number(topN.value),
                ...options.read(),
              },
              signal,
            );
          },
          form,
        );
        if (!answer) return;
        remember(answer);
        scope.dispose();
        clear(result);
        result.append(renderOptimize(answer, scope));
      } finally {
        submit.disabled = false;
      }
    });
    body.append(form, status, result);
  });
}
