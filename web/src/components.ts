// Pieces shared by the pages: forms, tables, progress, errors, links.

import { ApiError, apiBlob, apiUrl, getToken, runPath } from './api';
import { clear, field, h, select } from './dom';
import { formatMetric, isoTime, METRICS, pct, price, money } from './format';
import type { Metrics, Trade, Warning } from './types';

// ---------------------------------------------------------------- progress and errors

/** A spinner with the seconds elapsed; `stop()` removes it. Cancel aborts the request. */
export function progress(label: string, onCancel?: () => void): { el: HTMLElement; stop: () => void } {
  const started = performance.now();
  const seconds = h('span', { class: 'elapsed' }, '0.0 s');
  const el = h(
    'div',
    { class: 'progress', role: 'status', 'aria-live': 'polite' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    h('span', null, label, ' '),
    seconds,
    onCancel ? h('button', { type: 'button', class: 'link', onclick: onCancel }, 'cancel') : null,
  );
  const timer = window.setInterval(() => {
    seconds.textContent = `${((performance.now() - started) / 1000).toFixed(1)} s`;
  }, 100);
  return {
    el,
    stop: () => {
      window.clearInterval(timer);
      el.remove();
    },
  };
}

/** The API's error: its message (caret lines kept), code, and the field it names. */
export function errorBox(err: unknown): HTMLElement {
  if (err instanceof ApiError) {
    return h(
      'div',
      { class: 'error', role: 'alert' },
      h('div', { class: 'error-head' }, h('strong', null, err.code), err.status ? ` (HTTP ${err.status})` : '', err.field ? h('span', { class: 'error-field' }, ' field ', h('code', null, err.field)) : null, err.details?.reason ? h('span', { class: 'error-reason' }, ' ', err.details.reason) : null),
      h('pre', { class: 'error-message' }, err.message),
      err.status === 401 ? h('div', { class: 'hint' }, 'The executor needs an API token: set it in the header.') : null,
    );
  }
  if (err instanceof DOMException && err.name === 'AbortError') return h('div', { class: 'notice' }, 'Cancelled.');
  return h('div', { class: 'error', role: 'alert' }, h('pre', { class: 'error-message' }, String(err instanceof Error ? err.message : err)));
}

export function warningsList(warnings: Warning[] | undefined): HTMLElement | null {
  if (!warnings || warnings.length === 0) return null;
  return h('ul', { class: 'warnings' }, warnings.map((w) => h('li', null, h('strong', null, w.code), ': ', w.message)));
}

/** Runs `job` with a progress indicator in `status`; errors go there too. */
export async function withProgress<T>(status: HTMLElement, label: string, job: (signal: AbortSignal) => Promise<T>, form?: HTMLElement): Promise<T | undefined> {
  clear(status);
  if (form) markField(form, null);
  const controller = new AbortController();
  const p = progress(label, () => controller.abort());
  status.append(p.el);
  try {
    return await job(controller.signal);
  } catch (e) {
    status.append(errorBox(e));
    if (form) markField(form, e);
    return undefined;
  } finally {
    p.stop();
  }
}

// ---------------------------------------------------------------- tables

export function metricsTable(metrics: Metrics, caption?: string): HTMLTableElement {
  const rows = METRICS.filter(([key]) => key in metrics).map(([key, label]) =>
    h('tr', null, h('th', { scope: 'row' }, label), h('td', { 'data-metric': key, 'data-value': metrics[key] === null ? 'null' : String(metrics[key]) }, formatMetric(key, metrics[key]))),
  );
  return h('table', { class: 'metrics' }, caption ? h('caption', null, caption) : null, h('tbody', null, rows));
}

/** Several metric sets side by side (in/out of sample, sleeves). */
export function metricsCompare(columns: { name: string; metrics: Metrics | null }[], keys?: string[]): HTMLTableElement {
  const wanted = keys ?? METRICS.map(([k]) => k);
  const shown = METRICS.filter(([k]) => wanted.includes(k) && columns.some((c) => c.metrics && k in c.metrics));
  return h(
    'table',
    { class: 'metrics compare' },
    h('thead', null, h('tr', null, h('th', null, ''), columns.map((c) => h('th', null, c.name)))),
    h('tbody', null, shown.map(([k, label]) => h('tr', null, h('th', { scope: 'row' }, label), columns.map((c) => h('td', { class: 'num' }, c.metrics ? formatMetric(k, c.metrics[k]) : '—'))))),
  );
}

const TRADE_PAGE = 200;

export function tradesTable(trades: Trade[]): HTMLElement {
  const futures = trades.some((t) => t.funding !== undefined);
  const head = h(
    'tr',
    null,
    ['#', 'side', 'entry time (UTC)', 'entry price', 'exit time (UTC)', 'exit price', 'quantity', 'fees', futures ? 'funding' : null, 'pnl', 'return', 'exit'].filter((x) => x !== null).map((c) => h('th', null, c)),
  );
  const body = h('tbody');
  const wrap = h('div', { class: 'trades' }, h('table', { class: 'trades-table' }, h('thead', null, head), body));
  let shown = 0;
  const more = h('button', { type: 'button', class: 'link' });
  const addRows = (n: number) => {
    for (const tr of trades.slice(shown, shown + n)) {
      shown++;
      body.append(
        h(
          'tr',
          { class: tr.pnl >= 0 ? 'win' : 'loss' },
          h('td', { class: 'num' }, shown),
          h('td', null, tr.side),
          h('td', null, isoTime(tr.entryTime)),
          h('td', { class: 'num' }, price(tr.entryPrice)),
          h('td', null, tr.open ? 'open' : isoTime(tr.exitTime)),
          h('td', { class: 'num' }, price(tr.exitPrice)),
          h('td', { class: 'num' }, price(tr.quantity)),
          h('td', { class: 'num' }, money(tr.fees)),
          futures ? h('td', { class: 'num' }, money(tr.funding ?? null)) : null,
          h('td', { class: 'num' }, money(tr.pnl)),
          h('td', { class: 'num' }, pct(tr.return)),
          h('td', null, tr.open ? 'still open' : (tr.exitReason ?? '')),
        ),
      );
    }
    more.textContent = `show ${Math.min(TRADE_PAGE, trades.length - shown)} more of ${trades.length - shown}`;
    if (shown >= trades.length) more.remove();
  };
  more.addEventListener('click', () => addRows(TRADE_PAGE));
  wrap.append(more);
  addRows(TRADE_PAGE);
  if (trades.length === 0) wrap.append(h('p', { class: 'muted' }, 'No trades.'));
  return wrap;
}

// ---------------------------------------------------------------- links to stored files

/**
 * A link to a file the executor serves for a stored run. Without a token it is a plain link;
 * with one, a browser navigation cannot send the header, so the click fetches the file with it
 * and opens (or saves) the result.
 */
export function fileLink(runId: string, file: string, label: string, download?: string): HTMLAnchorElement {
  const href = apiUrl(runPath(runId, file));
  const a = h('a', { href, class: 'file-link', target: download ? undefined : '_blank', rel: 'noopener', download: download ?? undefined, 'data-file': file }, label);
  a.addEventListener('click', async (e) => {
    if (!getToken()) return;
    e.preventDefault();
    try {
      const blob = await apiBlob(runPath(runId, file));
      const url = URL.createObjectURL(blob);
      if (download) {
        const tmp = h('a', { href: url, download });
        tmp.click();
      } else {
        window.open(url, '_blank', 'noopener');
      }
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      a.after(errorBox(err));
    }
  });
  return a;
}

export function runHeader(runId: string | undefined, title: string, files: [file: string, label: string, download?: string][]): HTMLElement {
  return h(
    'div',
    { class: 'result-head' },
    h('h2', null, title),
    runId ? h('div', { class: 'run-id' }, 'run ', h('a', { href: `#/runs/${runId}`, 'data-run-id': runId }, h('code', null, runId))) : null,
    runId ? h('div', { class: 'files' }, files.map(([f, label, dl]) => fileLink(runId, f, label, dl))) : null,
  );
}

// ---------------------------------------------------------------- form pieces

export const TIMEFRAMES = ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'];
export const KNOWN_SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'XRPUSDT'];

function numberInput(name: string, value: string, attrs: Record<string, unknown> = {}): HTMLInputElement {
  return h('input', { type: 'number', name, value, step: 'any', ...attrs });
}

/** Empty → undefined; else the number (NaN stays NaN so the API names the field). */
export function readNumber(input: HTMLInputElement): number | undefined {
  const v = input.value.trim();
  return v === '' ? undefined : Number(v);
}

export interface MarketForm {
  el: HTMLElement;
  read(): Record<string, unknown>;
}

/** Symbol, timeframe, dates, exchange and leverage. `withSymbol` false for portfolios. */
export function marketForm(defaults: { symbol?: string; timeframe?: string; start?: string; end?: string }, withSymbol = true): MarketForm {
  const symbol = h('input', { name: 'symbol', value: defaults.symbol ?? 'BTCUSDT', list: 'known-symbols', autocomplete: 'off', spellcheck: 'false', pattern: '[A-Z0-9]{1,20}' });
  const timeframe = select(TIMEFRAMES, defaults.timeframe ?? '1h', { name: 'timeframe' });
  const start = h('input', { type: 'date', name: 'start', value: defaults.start ?? '2024-01-01' });
  const end = h('input', { type: 'date', name: 'end', value: defaults.end ?? '2024-03-31' });
  const exchange = select([['binance', 'spot (binance)'], ['binance-futures', 'USD-M futures (binance-futures)']], 'binance', { name: 'exchange' });
  const leverage = numberInput('leverage', '1', { min: 1, max: 125 });
  const leverageField = field('Leverage', leverage, '1–125, isolated margin');
  const syncLeverage = () => {
    leverageField.hidden = exchange.value !== 'binance-futures';
  };
  exchange.addEventListener('change', syncLeverage);
  syncLeverage();
  const el = h(
    'fieldset',
    { class: 'market' },
    h('legend', null, 'Market'),
    withSymbol ? field('Symbol', symbol) : null,
    field('Timeframe', timeframe),
    field('Start (UTC)', start),
    field('End (UTC, inclusive day)', end),
    field('Exchange', exchange),
    leverageField,
    h('datalist', { id: 'known-symbols' }, KNOWN_SYMBOLS.map((s) => h('option', { value: s }))),
  );
  return {
    el,
    read() {
      const out: Record<string, unknown> = {};
      if (withSymbol) out.symbol = symbol.value.trim().toUpperCase();
      out.timeframe = timeframe.value;
      out.start = start.value;
      out.end = end.value;
      out.exchange = exchange.value;
      if (exchange.value === 'binance-futures') {
        const lev = readNumber(leverage);
        if (lev !== undefined) out.leverage = lev;
      }
      return out;
    },
  };
}

export interface OptionsForm {
  el: HTMLElement;
  read(): Record<string, unknown>;
}

/** Costs and engine options; empty fields are left out so the API's defaults apply. */
export function optionsForm(): OptionsForm {
  const fee = numberInput('feeBps', '', { min: 0, max: 1000, placeholder: '10 (5 futures)' });
  const slippage = numberInput('slippageBps', '', { min: 0, max: 1000, placeholder: '0' });
  const cash = numberInput('initialCash', '', { min: 0.01, placeholder: '10000' });
  const size = numberInput('positionSize', '', { min: 0, max: 1, placeholder: '1' });
  const allowShort = h('input', { type: 'checkbox', name: 'allowShort' });
  const stop = numberInput('stopLossPct', '', { min: 0, max: 1, placeholder: 'e.g. 0.02' });
  const take = numberInput('takeProfitPct', '', { min: 0, max: 10, placeholder: 'e.g. 0.05' });
  const trail = numberInput('trailingStopPct', '', { min: 0, max: 1, placeholder: 'e.g. 0.03' });
  const fill = select([['next_open', 'next open'], ['close', 'close']], 'next_open', { name: 'fill' });
  const el = h(
    'fieldset',
    { class: 'options' },
    h('legend', null, 'Costs and options'),
    field('Fee (bps)', fee),
    field('Slippage (bps)', slippage),
    field('Initial cash', cash),
    field('Position size', size, 'fraction of equity, (0, 1]'),
    field('Fill', fill),
    field('Stop loss', stop, 'fraction of the entry price'),
    field('Take profit', take, 'fraction of the entry price'),
    field('Trailing stop', trail, 'fraction behind the best price'),
    h('label', { class: 'field check' }, allowShort, h('span', { class: 'label' }, 'Allow shorts')),
  );
  return {
    el,
    read() {
      const out: Record<string, unknown> = {};
      const put = (key: string, input: HTMLInputElement) => {
        const v = readNumber(input);
        if (v !== undefined) out[key] = v;
      };
      put('feeBps', fee);
      put('slippageBps', slippage);
      put('initialCash', cash);
      put('positionSize', size);
      put('stopLossPct', stop);
      put('takeProfitPct', take);
      put('trailingStopPct', trail);
      if (fill.value !== 'next_open') out.fill = fill.value;
      if (allowShort.checked) out.allowShort = true;
      return out;
    },
  };
}

/** Marks the input the API's `details.field` names (e.g. `symbol`, `feeBps`). */
export function markField(form: HTMLElement, err: unknown): void {
  for (const el of form.querySelectorAll('.invalid')) el.classList.remove('invalid');
  if (!(err instanceof ApiError) || !err.field) return;
  const name = err.field.split('.')[0];
  const input = form.querySelector(`[name="${CSS.escape(err.field)}"], [name="${CSS.escape(name)}"]`);
  input?.classList.add('invalid');
}
