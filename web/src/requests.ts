// Building one /backtest/run request from an optimize or walk-forward answer's echoed request and
// a combination's params (the heatmap's cells, the top-N rows, a fold's choice).

import type { Request, StrategySpec } from './types';

/** Fields of /backtest/run that optimize and walk-forward echo and a run accepts. */
const RUN_FIELDS = [
  'symbol',
  'timeframe',
  'start',
  'end',
  'exchange',
  'useCache',
  'feeBps',
  'slippageBps',
  'initialCash',
  'sizing',
  'fill',
  'allowShort',
  'stopLossPct',
  'takeProfitPct',
  'stopLossAtr',
  'takeProfitAtr',
  'trailingStopPct',
  'trailingStopAtr',
  'maxBarsInTrade',
  'intrabar',
  'warmupBars',
  'warmup',
];
const FUTURES_FIELDS = ['leverage', 'maintenanceMarginRate', 'funding'];
const OPTION_AXIS = /^(stopLossPct|takeProfitPct|trailingStopPct|maxBarsInTrade|sizing\.value|(stopLossAtr|takeProfitAtr|trailingStopAtr)\.(multiple|period))$/;

export function isOptionAxis(name: string): boolean {
  return OPTION_AXIS.test(name);
}

export function runRequestFromEcho(echo: Request, params: Record<string, number>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of RUN_FIELDS) if (echo[k] !== undefined && echo[k] !== null) out[k] = structuredClone(echo[k]);
  if (echo.exchange === 'binance-futures') for (const k of FUTURES_FIELDS) if (echo[k] !== undefined && echo[k] !== null) out[k] = echo[k];
  if (out.sizing === undefined && typeof echo.positionSize === 'number') out.positionSize = echo.positionSize;

  const strategyParams: Record<string, number> = {};
  for (const [k, v] of Object.entries(params)) {
    if (!isOptionAxis(k)) {
      strategyParams[k] = v;
      continue;
    }
    const [obj, key] = k.split('.');
    if (key === undefined) out[obj] = v;
    else if (obj === 'sizing') out.sizing = { ...((out.sizing as object) ?? { mode: 'fraction' }), value: v };
    else out[obj] = { ...((out[obj] as object) ?? {}), [key]: v };
  }
  const s = echo.strategy as StrategySpec | undefined;
  if (typeof s === 'string' || s === undefined) out.strategy = { name: s ?? 'sma_cross', params: strategyParams };
  else if ('entry' in s) out.strategy = { ...s, params: { ...(s.params ?? {}), ...strategyParams } };
  else out.strategy = { name: s.name, params: { ...(s.params ?? {}), ...strategyParams } };
  out.includeEquity = true;
  return out;
}

export function strategyLabel(s: StrategySpec | undefined): string {
  if (!s) return '';
  if (typeof s === 'string') return s;
  if ('name' in s) return s.name;
  return 'rules';
}
