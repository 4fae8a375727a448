// Grid inputs for /backtest/optimize and /backtest/walkforward: per parameter, a fixed value, a
// range {from, to, step} or a list; engine options can be searched too (docs/optimize.md).

import { clear, h, select } from './dom';
import type { ParamSchema } from './types';

export const OPTION_AXES: ParamSchema[] = [
  { name: 'stopLossPct', type: 'number', default: 0.02, min: 0, max: 1, description: 'stop loss, fraction of the entry price' },
  { name: 'takeProfitPct', type: 'number', default: 0.05, min: 0, max: 10, description: 'take profit, fraction of the entry price' },
  { name: 'trailingStopPct', type: 'number', default: 0.03, min: 0, max: 1, description: 'trailing stop, fraction' },
  { name: 'maxBarsInTrade', type: 'integer', default: 48, min: 1, max: 1000000, description: 'time exit, bars' },
  { name: 'sizing.value', type: 'number', default: 1, min: 0, max: 1, description: 'fraction of equity per entry' },
];

export type Axis = number[] | { from: number; to: number; step: number };

export interface GridEditor {
  el: HTMLElement;
  setSchema(schema: ParamSchema[], values: Record<string, number>, searchable: boolean): void;
  /** `grid` for the request, and the fixed values of the strategy's own parameters. */
  read(): { grid: Record<string, Axis>; fixed: Record<string, number> };
}

interface Row {
  name: string;
  option: boolean;
  mode: HTMLSelectElement;
  fixed: HTMLInputElement;
  from: HTMLInputElement;
  to: HTMLInputElement;
  step: HTMLInputElement;
  list: HTMLInputElement;
}

function suggestRange(p: ParamSchema, value: number): [number, number, number] {
  if (p.type === 'integer') {
    const step = Math.max(1, Math.round(value / 4));
    const from = Math.max(p.min, value - 2 * step);
    return [from, Math.min(p.max, value + 2 * step), step];
  }
  const step = Math.abs(value) > 0 ? Math.abs(value) / 2 : 0.5;
  return [Math.max(p.min, value - step), Math.min(p.max, value + step), step];
}

export function gridEditor(): GridEditor {
  const body = h('tbody');
  const el = h(
    'fieldset',
    { class: 'grid-editor' },
    h('legend', null, 'Grid'),
    h('table', { class: 'grid' }, h('thead', null, h('tr', null, ['parameter', 'search', 'values'].map((c) => h('th', null, c)))), body),
  );
  let rows: Row[] = [];

  const makeRow = (p: ParamSchema, value: number, initialMode: string, option: boolean): Row => {
    const [from, to, step] = suggestRange(p, value);
    const num = (n: string, v: number | string, extra: Record<string, unknown> = {}) =>
      h('input', { type: 'number', name: `grid.${p.name}.${n}`, value: String(v), step: p.type === 'integer' ? 1 : 'any', ...extra });
    const row: Row = {
      name: p.name,
      option,
      mode: select(option ? [['off', 'off'], ['range', 'range'], ['list', 'list']] : [['fixed', 'fixed'], ['range', 'range'], ['list', 'list']], initialMode, { name: `grid.${p.name}.mode` }),
      fixed: num('value', value),
      from: num('from', from, { 'aria-label': 'from' }),
      to: num('to', to, { 'aria-label': 'to' }),
      step: num('step', step, { 'aria-label': 'step' }),
      list: h('input', { type: 'text', name: `grid.${p.name}.list`, value: `${from}, ${value}, ${to}`, placeholder: 'comma-separated' }),
    };
    const values = h('td', { class: 'axis-values' });
    const renderValues = () => {
      clear(values);
      switch (row.mode.value) {
        case 'fixed':
          values.append(row.fixed);
          break;
        case 'range':
          values.append('from ', row.from, ' to ', row.to, ' step ', row.step);
          break;
        case 'list':
          values.append(row.list);
          break;
        default:
          values.append(h('span', { class: 'muted' }, 'not searched'));
      }
    };
    row.mode.addEventListener('change', renderValues);
    renderValues();
    body.append(h('tr', { class: option ? 'option-axis' : '' }, h('th', { scope: 'row', title: p.description ?? '' }, p.name, h('small', { class: 'hint' }, ` ${p.type} ${p.min}–${p.max}`)), h('td', null, row.mode), values));
    return row;
  };

  return {
    el,
    setSchema(schema, values, searchable) {
      // Keep what the user typed for parameters that are still there.
      const previous = new Map(rows.map((r) => [r.name, r]));
      clear(body);
      rows = [];
      schema.forEach((p, i) => {
        const old = previous.get(p.name);
        const row = makeRow(p, values[p.name] ?? p.default, old?.mode.value ?? (searchable && i < 2 ? 'range' : 'fixed'), false);
        if (old) for (const k of ['fixed', 'from', 'to', 'step', 'list'] as const) row[k].value = old[k].value;
        rows.push(row);
      });
      if (schema.length === 0) body.append(h('tr', null, h('td', { colspan: 3, class: 'muted' }, 'This strategy has no parameters; search the engine options below.')));
      for (const p of OPTION_AXES) {
        const old = previous.get(p.name);
        const row = makeRow(p, p.default, old?.mode.value ?? 'off', true);
        if (old) for (const k of ['fixed', 'from', 'to', 'step', 'list'] as const) row[k].value = old[k].value;
        rows.push(row);
      }
    },
    read() {
      const grid: Record<string, Axis> = {};
      const fixed: Record<string, number> = {};
      for (const r of rows) {
        switch (r.mode.value) {
          case 'fixed':
            if (r.fixed.value.trim() !== '') fixed[r.name] = Number(r.fixed.value);
            break;
          case 'range':
            grid[r.name] = { from: Number(r.from.value), to: Number(r.to.value), step: Number(r.step.value) };
            break;
          case 'list':
            grid[r.name] = r.list.value
              .split(/[,\s]+/)
              .filter((s) => s !== '')
              .map(Number);
            break;
        }
      }
      return { grid, fixed };
    },
  };
}
