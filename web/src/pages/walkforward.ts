import { post } from '../api';
import { field, h, select, clear, Scope } from '../dom';
import { marketForm, optionsForm, readNumber, withProgress } from '../components';
import { gridEditor } from '../grid';
import { renderWalkforward } from '../results';
import { loadStrategies, remember } from '../store';
import { strategyEditor } from '../strategy';
import type { WalkforwardAnswer } from '../types';
import { pageShell } from './shell';
import { OBJECTIVES, strategyWithFixed } from './optimize';

/** "2160" → 2160 bars; "90d" stays a duration. */
function windowValue(v: string): string | number | undefined {
  const t = v.trim();
  if (t === '') return undefined;
  return /^\d+$/.test(t) ? Number(t) : t;
}

export function walkforwardPage(): HTMLElement {
  return pageShell('walkforward', 'Walk-forward', async (body) => {
    const strategies = await loadStrategies();
    const market = marketForm({ symbol: 'BTCUSDT', timeframe: '1h', start: '2023-01-01', end: '2023-12-31' });
    const strategy = strategyEditor(strategies, { showParams: false, initial: 'sma_cross' });
    const grid = gridEditor();
    const refreshGrid = () => grid.setSchema(strategy.schema(), strategy.values(), true);
    strategy.onSchemaChange(refreshGrid);
    refreshGrid();
    const objective = select(OBJECTIVES, 'sharpe', { name: 'objective' });
    const minTrades = h('input', { type: 'number', name: 'minTrades', value: '1', min: 0, step: 1 });
    const inSample = h('input', { name: 'windows.inSample', value: '90d', placeholder: 'bars or 90d, 12h, 2w' });
    const outOfSample = h('input', { name: 'windows.outOfSample', value: '30d' });
    const step = h('input', { name: 'windows.step', value: '', placeholder: 'default: out of sample' });
    const mode = select(['rolling', 'anchored'], 'rolling', { name: 'windows.mode' });
    const threshold = h('input', { type: 'number', name: 'threshold', value: '', step: 'any', placeholder: 'server default (0.6)' });
    const options = optionsForm();
    const status = h('div', { class: 'status' });
    const result = h('div', { class: 'result-slot' });
    const scope = new Scope();
    const submit = h('button', { type: 'submit', class: 'primary', id: 'walkforward-submit' }, 'Run walk-forward');
    const form = h(
      'form',
      { class: 'job-form', novalidate: true },
      market.el,
      strategy.el,
      grid.el,
      h(
        'fieldset',
        null,
        h('legend', null, 'Windows and verdict'),
        field('In sample', inSample, 'bars, or a duration: 90d, 12h, 2w'),
        field('Out of sample', outOfSample),
        field('Step', step),
        field('Mode', mode),
        field('Objective', objective),
        field('Min trades', minTrades),
        field('Threshold', threshold, 'efficiency needed to pass'),
      ),
      options.el,
      h('div', { class: 'actions' }, submit),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      try {
        const answer = await withProgress(
          status,
          'walking forward…',
          (signal) => {
            const g = grid.read();
            const windows: Record<string, unknown> = { inSample: windowValue(inSample.value), outOfSample: windowValue(outOfSample.value), mode: mode.value };
            const s = windowValue(step.value);
            if (s !== undefined) windows.step = s;
            const req: Record<string, unknown> = {
              ...market.read(),
              strategy: strategyWithFixed(strategy, g.fixed),
              grid: g.grid,
              objective: objective.value,
              minTrades: Number(minTrades.value),
              windows,
              ...options.read(),
            };
            const th = readNumber(threshold);
            if (th !== undefined) req.threshold = th;
            return post<WalkforwardAnswer>('/backtest/walkforward', req, signal);
          },
          form,
        );
        if (!answer) return;
        remember(answer);
        scope.dispose();
        clear(result);
        result.append(renderWalkforward(answer, scope));
      } finally {
        submit.disabled = false;
      }
    });
    body.append(form, status, result);
  });
}
