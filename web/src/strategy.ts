// The strategy part of a form: a built-in with its parameters (from GET /strategies), or rules
// written in the strategy language, checked live by POST /strategies/validate.

import { ApiError, post } from './api';
import { errorBox } from './components';
import { clear, debounce, field, h, select } from './dom';
import type { ParamSchema, RulesStrategy, StrategyInfo, StrategySpec, ValidateAnswer } from './types';

const RULE_FIELDS = ['entry', 'exit', 'entryShort', 'exitShort', 'stopLoss', 'takeProfit'] as const;
type RuleField = (typeof RULE_FIELDS)[number];
const RULE_HINTS: Record<RuleField, string> = {
  entry: 'condition: open a long (required)',
  exit: 'condition: close a long',
  entryShort: 'condition: open a short (with allowShort), close a long',
  exitShort: 'condition: close a short',
  stopLoss: 'number: each trade’s stop price, e.g. close - 2 * atr(14)',
  takeProfit: 'number: each trade’s target price',
};

export interface StrategyEditor {
  el: HTMLElement;
  mode(): 'builtin' | 'rules';
  /** The `strategy` field of a request. */
  read(): StrategySpec;
  /** The parameters a grid can search: a built-in's schema, or the rules' declared ones. */
  schema(): ParamSchema[];
  /** A built-in's current parameter values (its inputs), or the rules' declared values. */
  values(): Record<string, number>;
  constraint(): string | null;
  onSchemaChange(fn: () => void): void;
}

function parseLines(text: string, what: 'params' | 'let'): { ok: true; value: Record<string, string> } | { ok: false; message: string; field: string } {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(.+)$/.exec(line);
    if (!m) return { ok: false, message: `line ${i + 1}: write name = ${what === 'params' ? 'number' : 'expression'}\n  ${line}`, field: `strategy.${what}` };
    out[m[1]] = m[2].trim();
  }
  return { ok: true, value: out };
}

function linesOf(obj: Record<string, unknown> | undefined): string {
  return Object.entries(obj ?? {})
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n');
}

export function strategyEditor(strategies: StrategyInfo[], opts: { showParams: boolean; initial?: string }): StrategyEditor {
  const listeners: (() => void)[] = [];
  const changed = () => listeners.forEach((fn) => fn());
  let mode: 'builtin' | 'rules' = 'builtin';
  let validateSeq = 0; // answers to an older check are dropped

  // -------- built-in
  const name = select(
    strategies.map((s) => s.name),
    opts.initial ?? strategies[0]?.name,
    { name: 'strategy' },
  );
  const info = () => strategies.find((s) => s.name === name.value);
  const describe = h('p', { class: 'muted strategy-description' });
  const paramBox = h('div', { class: 'params' });
  const inputs = new Map<string, HTMLInputElement>();
  const builtinStatus = h('div', { class: 'validation' });
  const renderBuiltin = () => {
    const s = info();
    describe.textContent = s ? `${s.description}${s.constraint ? ` Constraint: ${s.constraint}.` : ''} Lookback ${s.lookbackBars} bars with the defaults.` : '';
    clear(paramBox);
    inputs.clear();
    clear(builtinStatus);
    if (!s || !opts.showParams) return;
    for (const p of s.params) {
      const input = h('input', {
        type: 'number',
        name: `strategy.params.${p.name}`,
        value: String(p.default),
        min: p.min,
        max: p.max,
        step: p.type === 'integer' ? 1 : 'any',
        title: p.description ?? '',
      });
      input.addEventListener('input', () => validateBuiltin());
      inputs.set(p.name, input);
      paramBox.append(field(p.name, input, `${p.type}, ${p.min}–${p.max}, default ${p.default}${p.description ? ` · ${p.description}` : ''}`));
    }
  };
  const builtinValues = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [k, input] of inputs) if (input.value.trim() !== '') out[k] = Number(input.value);
    return out;
  };
  const validateBuiltin = debounce(async () => {
    if (mode !== 'builtin' || !opts.showParams) return;
    const seq = ++validateSeq;
    try {
      await post<ValidateAnswer>('/strategies/validate', { strategy: { name: name.value, params: builtinValues() } });
      if (seq !== validateSeq) return;
      clear(builtinStatus);
      for (const i of inputs.values()) i.classList.remove('invalid');
    } catch (e) {
      if (seq !== validateSeq) return;
      clear(builtinStatus);
      builtinStatus.append(errorBox(e));
      if (e instanceof ApiError && e.field) inputs.get(e.field.replace(/^strategy\.params\./, ''))?.classList.add('invalid');
    }
  }, 350);
  name.addEventListener('change', () => {
    renderBuiltin();
    changed();
  });
  const builtinBox = h('div', { class: 'builtin' }, field('Strategy', name), describe, paramBox, builtinStatus);

  // -------- rules
  const twin = select(
    [['', 'start from a built-in’s twin…'], ...strategies.map((s): [string, string] => [s.name, s.name])],
    '',
    { name: 'twin' },
  );
  const params = h('textarea', { name: 'strategy.params', rows: 3, spellcheck: 'false', placeholder: 'fast = 10\nslow = 30' });
  const lets = h('textarea', { name: 'strategy.let', rows: 3, spellcheck: 'false', placeholder: 'f = sma(close, $fast)\ns = sma(close, $slow)' });
  const rules = new Map<RuleField, HTMLTextAreaElement>();
  for (const f of RULE_FIELDS) rules.set(f, h('textarea', { name: `strategy.${f}`, rows: f === 'entry' ? 2 : 1, spellcheck: 'false', placeholder: f === 'entry' ? 'crossover(f, s)' : '' }));
  const rulesStatus = h('div', { class: 'validation', 'aria-live': 'polite' });
  let lastValid: ValidateAnswer | null = null;

  const rulesObject = (): { ok: true; value: RulesStrategy } | { ok: false; message: string; field: string } => {
    const p = parseLines(params.value, 'params');
    if (!p.ok) return p;
    const l = parseLines(lets.value, 'let');
    if (!l.ok) return l;
    const paramValues: Record<string, number> = {};
    for (const [k, v] of Object.entries(p.value)) {
      const n = Number(v);
      if (!Number.isFinite(n)) return { ok: false, message: `strategy.params.${k}: ${JSON.stringify(v)} is not a number`, field: `strategy.params.${k}` };
      paramValues[k] = n;
    }
    const out: RulesStrategy = { params: paramValues, let: l.value, entry: rules.get('entry')!.value.trim() };
    for (const f of RULE_FIELDS) {
      if (f === 'entry') continue;
      const v = rules.get(f)!.value.trim();
      if (v) out[f] = v;
    }
    return { ok: true, value: out };
  };

  const markRules = (fieldName: string | undefined) => {
    for (const el of [params, lets, ...rules.values()]) el.classList.remove('invalid');
    if (!fieldName) return;
    const key = fieldName.replace(/^strategy\./, '').split('.')[0];
    const el = key === 'params' ? params : key === 'let' ? lets : rules.get(key as RuleField);
    el?.classList.add('invalid');
  };

  const validateRules = debounce(async () => {
    if (mode !== 'rules') return;
    const seq = ++validateSeq;
    const r = rulesObject();
    clear(rulesStatus);
    if (!r.ok) {
      markRules(r.field);
      rulesStatus.append(errorBox(new ApiError(0, 'INVALID_REQUEST', r.message, { field: r.field })));
      return;
    }
    if (!r.value.entry) {
      markRules('strategy.entry');
      rulesStatus.append(h('div', { class: 'muted' }, 'entry is required.'));
      return;
    }
    rulesStatus.append(h('div', { class: 'muted' }, 'checking…'));
    try {
      const answer = await post<ValidateAnswer>('/strategies/validate', { strategy: r.value });
      if (seq !== validateSeq) return;
      const schemaChanged = JSON.stringify(answer.params) !== JSON.stringify(lastValid?.params);
      lastValid = answer;
      markRules(undefined);
      clear(rulesStatus);
      rulesStatus.append(
        h(
          'div',
          { class: 'valid' },
          '✓ valid · lookback ',
          String(answer.lookbackBars),
          ' bars',
          answer.params.length ? ` · params ${answer.params.map((p) => `${p.name} (${p.type} ${p.min}–${p.max})`).join(', ')}` : '',
          answer.functions.length ? ` · uses ${answer.functions.join(', ')}` : '',
          answer.constraint ? ` · ${answer.constraint}` : '',
        ),
      );
      if (schemaChanged) changed();
    } catch (e) {
      if (seq !== validateSeq) return;
      clear(rulesStatus);
      markRules(e instanceof ApiError ? e.field : undefined);
      rulesStatus.append(errorBox(e));
    }
  }, 400);

  for (const el of [params, lets, ...rules.values()]) el.addEventListener('input', () => validateRules());
  const loadTwin = (n: string) => {
    const s = strategies.find((x) => x.name === n);
    if (!s) return;
    params.value = linesOf(s.rules.params);
    lets.value = linesOf(s.rules.let);
    for (const f of RULE_FIELDS) rules.get(f)!.value = (s.rules as unknown as Record<string, string | undefined>)[f] ?? '';
    validateRules();
  };
  twin.addEventListener('change', () => {
    loadTwin(twin.value);
    twin.value = '';
  });
  const rulesBox = h(
    'div',
    { class: 'rules', hidden: true },
    field('Template', twin),
    field('Parameters', params, 'one per line: name = number; read as $name'),
    field('Let', lets, 'one per line: name = expression'),
    RULE_FIELDS.map((f) => field(f, rules.get(f)!, RULE_HINTS[f])),
    rulesStatus,
  );

  // -------- mode switch
  const modeName = `strategy-mode-${Math.random().toString(36).slice(2, 8)}`;
  const radio = (value: 'builtin' | 'rules', label: string) =>
    h(
      'label',
      { class: 'radio' },
      h('input', {
        type: 'radio',
        name: modeName,
        value,
        checked: value === mode,
        onchange: () => {
          mode = value;
          builtinBox.hidden = mode !== 'builtin';
          rulesBox.hidden = mode !== 'rules';
          if (mode === 'rules' && !rules.get('entry')!.value) loadTwin(name.value);
          changed();
        },
      }),
      label,
    );

  const el = h('fieldset', { class: 'strategy' }, h('legend', null, 'Strategy'), h('div', { class: 'mode' }, radio('builtin', 'Built-in'), radio('rules', 'Rules')), builtinBox, rulesBox);
  renderBuiltin();

  return {
    el,
    mode: () => mode,
    read(): StrategySpec {
      if (mode === 'builtin') return opts.showParams ? { name: name.value, params: builtinValues() } : { name: name.value };
      const r = rulesObject();
      if (!r.ok) throw new ApiError(0, 'INVALID_REQUEST', r.message, { field: r.field });
      return r.value;
    },
    schema(): ParamSchema[] {
      if (mode === 'builtin') return info()?.params ?? [];
      if (lastValid) return lastValid.params;
      const r = rulesObject();
      return r.ok ? Object.entries(r.value.params ?? {}).map(([n, v]) => ({ name: n, type: 'number', default: v, min: -1e12, max: 1e12 })) : [];
    },
    values(): Record<string, number> {
      if (mode === 'builtin') return opts.showParams ? builtinValues() : Object.fromEntries((info()?.params ?? []).map((p) => [p.name, p.default]));
      const r = rulesObject();
      return r.ok ? (r.value.params ?? {}) : {};
    },
    constraint: () => (mode === 'builtin' ? (info()?.constraint ?? null) : (lastValid?.constraint ?? null)),
    onSchemaChange: (fn) => listeners.push(fn),
  };
}
