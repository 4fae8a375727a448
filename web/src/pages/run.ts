import { post } from '../api';
import { marketForm, optionsForm, withProgress } from '../components';
import { clear, h, Scope } from '../dom';
import { renderRun } from '../results';
import { loadStrategies, remember } from '../store';
import { strategyEditor } from '../strategy';
import type { RunAnswer } from '../types';
import { pageShell } from './shell';

export function runPage(): HTMLElement {
  return pageShell('run', 'Backtest', async (body) => {
    const strategies = await loadStrategies();
    const market = marketForm({ symbol: 'BTCUSDT', timeframe: '1h', start: '2024-01-01', end: '2024-03-31' });
    const strategy = strategyEditor(strategies, { showParams: true, initial: 'sma_cross' });
    const options = optionsForm();
    const status = h('div', { class: 'status' });
    const result = h('div', { class: 'result-slot' });
    const scope = new Scope();
    const submit = h('button', { type: 'submit', class: 'primary', id: 'run-submit' }, 'Run backtest');
    const form = h('form', { class: 'job-form', novalidate: true }, market.el, strategy.el, options.el, h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      try {
        const answer = await withProgress(
          status,
          'running backtest…',
          (signal) => post<RunAnswer>('/backtest/run', { ...market.read(), strategy: strategy.read(), ...options.read(), includeEquity: true }, signal),
          form,
        );
        if (!answer) return;
        remember(answer);
        scope.dispose();
        clear(result);
        result.append(renderRun(answer, scope));
      } finally {
        submit.disabled = false;
      }
    });
    body.append(form, status, result);
  });
}
