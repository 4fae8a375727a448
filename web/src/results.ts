// How each kind of answer is shown: a run, an optimize grid, a walk-forward, a portfolio. The
// pages show their fresh answers with these, and #/runs/<runId> shows stored ones.

import { apiText, get, post, runPath } from './api';
import { candleChart, drawdownChart, groupedBars, heatmap, lineChart, PALETTE, syncCharts, type Bar } from './charts';
import { errorBox, metricsCompare, metricsTable, runHeader, tradesTable, warningsList, withProgress } from './components';
import { clear, h, Scope, select } from './dom';
import { fixed, formatMetric, formatParams, int, isoDate, isoTime, money, pct } from './format';
import { runRequestFromEcho, strategyLabel } from './requests';
import { remember } from './store';
import type { AnyAnswer, OptimizeAnswer, OptimizeRow, PortfolioAnswer, RunAnswer, WalkforwardAnswer } from './types';
import { answerKind } from './types';

export function renderAnswer(answer: AnyAnswer, scope: Scope): HTMLElement {
  switch (answerKind(answer)) {
    case 'optimize':
      return renderOptimize(answer as OptimizeAnswer, scope);
    case 'walkforward':
      return renderWalkforward(answer as WalkforwardAnswer, scope);
    case 'portfolio':
      return renderPortfolio(answer as PortfolioAnswer, scope);
    default:
      return renderRun(answer as RunAnswer, scope);
  }
}

function describe(req: Record<string, unknown>): string {
  const parts = [req.symbol, req.timeframe, req.exchange === 'binance-futures' ? `futures ×${req.leverage ?? 1}` : null, `${req.start} → ${req.end}`, strategyLabel(req.strategy as never)];
  return parts.filter(Boolean).join(' · ');
}

// ---------------------------------------------------------------- run

export function renderRun(answer: RunAnswer, scope: Scope): HTMLElement {
  const req = answer.request;
  const equity = answer.equity ?? [];
  const candleSlot = h('div', { class: 'chart-box chart-slot' }, h('div', { class: 'chart-title' }, 'Price'), h('div', { class: 'muted loading' }, 'loading bars…'));
  const charts = h('section', { class: 'charts' }, candleSlot);
  let equityChart = null;
  let ddChart = null;
  if (equity.length) {
    equityChart = lineChart(scope, [{ name: 'equity', data: equity, color: PALETTE[0] }], 'Equity', 'chart-equity');
    ddChart = drawdownChart(scope, equity);
    charts.append(equityChart.box, ddChart.box);
    syncCharts([equityChart.chart, ddChart.chart]);
  } else {
    charts.append(h('p', { class: 'muted' }, 'This answer has no equity curve (includeEquity: false).'));
  }

  const el = h(
    'article',
    { class: 'result result-run', 'data-kind': 'run' },
    runHeader(answer.runId, describe(req), [
      ['trades.csv', 'trades.csv', `${answer.runId}-trades.csv`],
      // A run sent with includeEquity: false has no curve to export.
      ...(answer.equity ? [['equity.csv', 'equity.csv', `${answer.runId}-equity.csv`] as [string, string, string]] : []),
      ['report', 'tearsheet'],
    ]),
    h(
      'p',
      { class: 'muted' },
      `${answer.bars?.count ?? '?'} bars (${answer.bars?.source ?? '?'}) from ${isoTime(answer.bars?.firstOpenTime)} to ${isoTime(answer.bars?.lastOpenTime)}; lookback ${answer.strategy?.lookbackBars ?? '?'} bars; ${answer.timing ? `${fixed(answer.timing.totalMs, 1)} ms` : ''}`,
    ),
    warningsList(answer.warnings),
    charts,
    h('section', { class: 'two-col' }, h('div', null, h('h3', null, 'Metrics'), metricsTable(answer.metrics)), h('div', { class: 'grow' }, h('h3', null, `Trades (${answer.trades.length})`), tradesTable(answer.trades))),
  );

  if (answer.runId) {
    get<{ bars: Bar[] }>(runPath(answer.runId, 'bars.json'))
      .then((data) => {
        if (!candleSlot.isConnected && !el.contains(candleSlot)) return;
        const c = candleChart(scope, data.bars, answer.trades, `Price · ${req.symbol} ${req.timeframe}`);
        candleSlot.replaceWith(c.box);
        if (equityChart && ddChart && data.bars.length === equity.length) syncCharts([c.chart, equityChart.chart, ddChart.chart]);
      })
      .catch((e) => {
        clear(candleSlot);
        candleSlot.append(h('div', { class: 'chart-title' }, 'Price'), h('div', { class: 'muted' }, 'The bars of this run could not be loaded:'), errorBox(e));
      });
  } else {
    candleSlot.remove();
  }
  return el;
}

// ---------------------------------------------------------------- optimize

/** Runs one combination as /backtest/run and opens it. */
async function runCombination(echo: OptimizeAnswer['request'], params: Record<string, number>, status: HTMLElement): Promise<void> {
  const answer = await withProgress(status, `running ${formatParams(params)}…`, (signal) => post<RunAnswer>('/backtest/run', runRequestFromEcho(echo, params), signal));
  if (answer) {
    remember(answer);
    location.hash = `#/runs/${answer.runId}`;
  }
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const cells: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') {
        cells.push(cur);
        cur = '';
      } else cur += c;
    }
    cells.push(cur);
    rows.push(cells);
  }
  return rows;
}

/** Every combination from combinations.csv: a column per grid axis (its name), and the objective's (its metric's name). */
function rowsFromCsv(text: string, axes: string[], objective: string): OptimizeRow[] {
  const [head, ...rest] = parseCsv(text);
  if (!head) return [];
  const find = (name: string) => head.findIndex((c) => c === name || c === `params.${name}` || c === `param.${name}` || c === `param_${name}`);
  const axisCols = axes.map(find);
  const objCol = head.indexOf('objective') >= 0 ? head.indexOf('objective') : find(objective);
  const skippedCol = head.indexOf('skipped');
  if (axisCols.some((c) => c < 0) || objCol < 0) return [];
  const skipped = (r: string[]) => skippedCol >= 0 && /^(true|1)$/i.test(r[skippedCol] ?? '');
  return rest.filter((r) => !skipped(r)).map((r, i) => {
    const v = r[objCol] === '' || r[objCol] === 'null' ? null : Number(r[objCol]);
    return { rank: i + 1, params: Object.fromEntries(axes.map((a, j) => [a, Number(r[axisCols[j]])])), objective: Number.isFinite(v) ? v : null, metrics: {} };
  });
}

export function renderOptimize(answer: OptimizeAnswer, _scope: Scope): HTMLElement {
  const req = answer.request;
  const objective = req.objective ?? 'sharpe';
  const axes = Object.entries(req.grid ?? {}).map(([name, values]) => ({ name, values: [...values].sort((a, b) => a - b) }));
  const status = h('div', { class: 'status' });
  const ofit = answer.overfitting;

  const guard = ofit
    ? h(
        'div',
        { class: `guard ${ofit.dsr !== null && ofit.dsr >= 0.95 ? 'pass' : 'fail'}`, 'data-guard': 'overfitting' },
        h('h3', null, 'Overfitting guard'),
        h(
          'p',
          null,
          ofit.dsr === null
            ? 'The Deflated Sharpe Ratio is undefined for this grid.'
            : ofit.dsr >= 0.95
              ? `DSR ${fixed(ofit.dsr)}: the best Sharpe ratio stays significant after ${ofit.trials} trials.`
              : `DSR ${fixed(ofit.dsr)}: after ${ofit.trials} trials the best Sharpe ratio may well be luck (below 0.95).`,
        ),
        h(
          'table',
          { class: 'metrics' },
          h(
            'tbody',
            null,
            (
              [
                ['PSR (SR > 0)', fixed(ofit.psr)],
                ['DSR', fixed(ofit.dsr)],
                ['Trials (N)', int(ofit.trials)],
                ['Sharpe per bar (SR)', fixed(ofit.sharpePerBar, 5)],
                ['Expected max SR of N (SR₀)', fixed(ofit.expectedMaxSharpePerBar, 5)],
                ['Variance of trial SRs', ofit.sharpeVariance === null ? '—' : ofit.sharpeVariance.toExponential(3)],
                ['Skewness', fixed(ofit.skewness)],
                ['Kurtosis', fixed(ofit.kurtosis)],
                ['Returns (n)', int(ofit.returns)],
              ] as [string, string][]
            ).map(([k, v]) => h('tr', null, h('th', { scope: 'row' }, k), h('td', null, v))),
          ),
        ),
      )
    : null;

  const best = answer.best
    ? h(
        'div',
        { class: 'best' },
        h('h3', null, 'Best combination'),
        h('p', null, h('code', { 'data-best-params': '' }, formatParams(answer.best.params)), ' ', h('button', { type: 'button', onclick: () => runCombination(req, answer.best!.params, status) }, 'run it')),
        metricsTable(answer.best.metrics),
      )
    : h('p', { class: 'notice' }, 'Nothing could be ranked (every combination below minTrades?).');

  // Heatmap over two chosen axes.
  const heatBox = h('div', { class: 'heatmap-box' });
  const searched = axes.filter((a) => a.values.length > 1);
  const choices = (searched.length ? searched : axes).map((a) => a.name);
  const xSel = select(choices, choices[0], { name: 'heatmap-x' });
  const ySel = select(['—', ...choices], choices[1] ?? '—', { name: 'heatmap-y' });
  let rows: OptimizeRow[] = answer.topN;
  const drawHeatmap = () => {
    clear(heatBox);
    const xName = xSel.value;
    const yName = ySel.value === '—' || ySel.value === xName ? null : ySel.value;
    const xs = axes.find((a) => a.name === xName)?.values ?? [];
    const ys = yName ? (axes.find((a) => a.name === yName)?.values ?? []) : ['all'];
    const bestRow: (OptimizeRow | null)[][] = ys.map(() => xs.map(() => null));
    for (const r of rows) {
      const xi = xs.indexOf(r.params[xName]);
      const yi = yName ? (ys as number[]).indexOf(r.params[yName]) : 0;
      if (xi < 0 || yi < 0 || r.objective === null) continue;
      const cur = bestRow[yi][xi];
      if (!cur || (cur.objective ?? -Infinity) < r.objective) bestRow[yi][xi] = r;
    }
    const others = axes.length - (yName ? 2 : 1);
    heatBox.append(
      heatmap({
        xLabel: xName,
        yLabel: yName ?? '',
        xs,
        ys,
        values: bestRow.map((row) => row.map((r) => r?.objective ?? null)),
        format: (v) => formatMetric(objective, v),
        className: 'optimize-heatmap',
        title: (xi, yi, v) => {
          const r = bestRow[yi][xi];
          return r ? `${formatParams(r.params)}\n${objective} ${formatMetric(objective, v)}\nclick to run` : 'not ranked or not among the results returned';
        },
        onClick: (xi, yi) => {
          const r = bestRow[yi][xi];
          if (r) void runCombination(req, r.params, status);
        },
      }),
      h('p', { class: 'muted' }, `Colour: ${objective}${others > 0 ? ` (best over the other ${others} axis${others > 1 ? 'es' : ''})` : ''}. Grey: skipped by the constraint, or not among the ${rows.length} rows at hand. Click a cell to run that combination.`),
    );
  };
  xSel.addEventListener('change', drawHeatmap);
  ySel.addEventListener('change', drawHeatmap);
  drawHeatmap();
  if (answer.runId && answer.evaluated > answer.topN.length) {
    apiText(runPath(answer.runId, 'combinations.csv'))
      .then((text) => {
        const all = rowsFromCsv(text, axes.map((a) => a.name), objective);
        if (all.length) {
          rows = all;
          drawHeatmap();
        }
      })
      .catch(() => {
        /* the top N rows are shown */
      });
  }

  const showObjective = objective !== 'sharpe' && objective !== 'totalReturn';
  const topTable = h(
    'table',
    { class: 'topn' },
    h('thead', null, h('tr', null, ['rank', 'params', showObjective ? objective : null, 'total return', 'sharpe', 'max DD', 'trades', ''].filter((c) => c !== null).map((c) => h('th', null, c)))),
    h(
      'tbody',
      null,
      answer.topN.map((r) =>
        h(
          'tr',
          null,
          h('td', { class: 'num' }, r.rank),
          h('td', null, h('code', null, formatParams(r.params))),
          showObjective ? h('td', { class: 'num' }, formatMetric(objective, r.objective)) : null,
          h('td', { class: 'num' }, formatMetric('totalReturn', r.metrics.totalReturn)),
          h('td', { class: 'num' }, formatMetric('sharpe', r.metrics.sharpe)),
          h('td', { class: 'num' }, formatMetric('maxDrawdown', r.metrics.maxDrawdown)),
          h('td', { class: 'num' }, formatMetric('numTrades', r.metrics.numTrades)),
          h('td', null, h('button', { type: 'button', class: 'link', onclick: () => runCombination(req, r.params, status) }, 'run')),
        ),
      ),
    ),
  );

  return h(
    'article',
    { class: 'result result-optimize', 'data-kind': 'optimize' },
    runHeader(answer.runId, `Optimize · ${describe(req)}`, [['combinations.csv', 'combinations.csv', `${answer.runId}-combinations.csv`]]),
    h('p', { class: 'muted' }, `${answer.evaluated} combinations evaluated, ${answer.skipped} skipped by the constraint, ${answer.belowMinTrades} below minTrades${answer.cancelled ? ', cancelled' : ''}; objective ${objective}.`),
    warningsList(answer.warnings),
    h('section', { class: 'two-col' }, best, guard),
    h('section', null, h('h3', null, 'Heatmap'), h('div', { class: 'inline' }, h('label', null, 'x ', xSel), h('label', null, 'y ', ySel)), status, heatBox),
    h('section', null, h('h3', null, `Top ${answer.topN.length}`), topTable),
  );
}

// ---------------------------------------------------------------- walk-forward

export function renderWalkforward(answer: WalkforwardAnswer, scope: Scope): HTMLElement {
  const v = answer.verdict;
  const folds = answer.folds;
  const verdict = h(
    'div',
    { class: `verdict ${v.pass ? 'pass' : 'fail'}`, 'data-verdict': v.pass ? 'pass' : 'fail' },
    h('strong', null, v.pass ? 'PASS' : 'FAIL'),
    ` efficiency ${fixed(v.efficiency)} against threshold ${fixed(v.threshold)}; ${v.foldsAtOrAboveThreshold} of ${v.folds} folds at or above it. `,
    h('span', { class: 'reason' }, v.reason),
  );
  const bars = groupedBars(
    folds.map((f) => `#${f.fold}`),
    [
      { name: 'in-sample CAGR', color: '#94a3b8', values: folds.map((f) => f.inSampleMetrics?.cagr ?? null) },
      { name: 'out-of-sample CAGR', color: '#2563eb', values: folds.map((f) => f.outOfSampleMetrics?.cagr ?? null) },
    ],
    (x) => pct(x, 0),
  );
  const eq = answer.outOfSample?.equity ?? [];
  const eqChart = eq.length ? lineChart(scope, [{ name: 'out-of-sample equity', data: eq }], 'Stitched out-of-sample equity', 'chart-equity') : null;
  const dd = eq.length ? drawdownChart(scope, eq, 'Out-of-sample drawdown') : null;
  if (eqChart && dd) syncCharts([eqChart.chart, dd.chart]);

  const foldTable = h(
    'table',
    { class: 'folds' },
    h('thead', null, h('tr', null, ['fold', 'in sample', 'out of sample', 'params', 'IS return', 'IS CAGR', 'IS sharpe', 'OOS return', 'OOS CAGR', 'OOS sharpe', 'OOS trades', 'efficiency'].map((c) => h('th', null, c)))),
    h(
      'tbody',
      null,
      folds.map((f) =>
        h(
          'tr',
          null,
          h('td', { class: 'num' }, f.fold),
          h('td', null, `${isoDate(f.inSample.start)} → ${isoDate(f.inSample.endExclusive)} (${f.inSample.bars})`),
          h('td', null, `${isoDate(f.outOfSample.start)} → ${isoDate(f.outOfSample.endExclusive)} (${f.outOfSample.bars})`),
          h('td', null, h('code', null, formatParams(f.params))),
          h('td', { class: 'num' }, formatMetric('totalReturn', f.inSampleMetrics?.totalReturn)),
          h('td', { class: 'num' }, formatMetric('cagr', f.inSampleMetrics?.cagr)),
          h('td', { class: 'num' }, formatMetric('sharpe', f.inSampleMetrics?.sharpe)),
          h('td', { class: 'num' }, formatMetric('totalReturn', f.outOfSampleMetrics?.totalReturn)),
          h('td', { class: 'num' }, formatMetric('cagr', f.outOfSampleMetrics?.cagr)),
          h('td', { class: 'num' }, formatMetric('sharpe', f.outOfSampleMetrics?.sharpe)),
          h('td', { class: 'num' }, formatMetric('numTrades', f.outOfSampleMetrics?.numTrades)),
          h('td', { class: `num ${f.efficiency !== null && f.efficiency >= v.threshold ? 'good' : 'bad'}` }, fixed(f.efficiency)),
        ),
      ),
    ),
  );
  const stab = answer.stability;
  const stability = stab
    ? h(
        'div',
        null,
        h('h3', null, 'Parameter stability'),
        h(
          'table',
          { class: 'stability' },
          h('thead', null, h('tr', null, ['parameter', 'by fold', 'mean', 'stdev', 'CV', 'distinct'].map((c) => h('th', null, c)))),
          h(
            'tbody',
            null,
            Object.entries(stab.params).map(([k, s]) =>
              h('tr', null, h('th', { scope: 'row' }, k), h('td', null, s.byFold.map((x) => (x === null ? '—' : x)).join(', ')), h('td', { class: 'num' }, fixed(s.mean)), h('td', { class: 'num' }, fixed(s.stdev)), h('td', { class: 'num' }, fixed(s.coefficientOfVariation)), h('td', { class: 'num' }, s.distinct)),
            ),
          ),
        ),
        stab.mostChosen ? h('p', null, 'Most often chosen: ', h('code', null, formatParams(stab.mostChosen.params)), ` (${stab.mostChosen.folds} folds)`) : null,
      )
    : null;

  return h(
    'article',
    { class: 'result result-walkforward', 'data-kind': 'walkforward' },
    runHeader(answer.runId, `Walk-forward · ${describe(answer.request)}`, []),
    h('p', { class: 'muted' }, `${folds.length} folds, ${answer.combinationsPerFold} combinations per fold.`),
    warningsList(answer.warnings),
    verdict,
    h('section', { class: 'charts' }, h('div', { class: 'chart-box' }, h('div', { class: 'chart-title' }, 'Annualised return per fold: in sample (grey) vs out of sample (blue)'), bars), eqChart?.box, dd?.box),
    h('section', null, h('h3', null, 'Folds'), h('div', { class: 'scroll' }, foldTable)),
    h('section', { class: 'two-col' }, h('div', null, h('h3', null, 'Out-of-sample metrics (stitched)'), metricsTable(answer.outOfSample?.metrics ?? {})), stability),
  );
}

// ---------------------------------------------------------------- portfolio

export function renderPortfolio(answer: PortfolioAnswer, scope: Scope): HTMLElement {
  const assets = answer.assets;
  const total = lineChart(scope, [{ name: 'portfolio', data: answer.equity }], 'Portfolio equity', 'chart-equity');
  const dd = drawdownChart(scope, answer.equity, 'Portfolio drawdown');
  syncCharts([total.chart, dd.chart]);
  const withEquity = assets.filter((a) => Array.isArray(a.equity) && a.equity.length);
  const sleeves = withEquity.length
    ? lineChart(
        scope,
        withEquity.map((a, i) => ({ name: a.symbol, data: a.equity!, color: PALETTE[(i + 1) % PALETTE.length] })),
        'Equity per sleeve',
        'chart-sleeves',
      ).box
    : h('p', { class: 'muted' }, 'This answer carries no per-sleeve equity curves.');
  const contributions = groupedBars(assets.map((a) => a.symbol), [{ name: 'contribution', color: '#2563eb', values: assets.map((a) => a.contribution) }], (x) => pct(x, 1));
  const corr = answer.correlation;
  const corrMap = corr
    ? heatmap({
        xLabel: '',
        yLabel: '',
        xs: corr.symbols,
        ys: [...corr.symbols].reverse(),
        values: [...corr.matrix].reverse(),
        domain: [-1, 1],
        format: (x) => x.toFixed(2),
        className: 'correlation-heatmap',
      })
    : null;
  const assetTable = h(
    'table',
    { class: 'assets' },
    h('thead', null, h('tr', null, ['symbol', 'weight', 'strategy', 'contribution', 'final equity', 'sleeve return', 'sharpe', 'max DD', 'trades', 'missing on timeline'].map((c) => h('th', null, c)))),
    h(
      'tbody',
      null,
      assets.map((a, i) =>
        h(
          'tr',
          null,
          h('th', { scope: 'row' }, a.symbol),
          h('td', { class: 'num' }, pct(a.weight)),
          h('td', null, strategyLabel(answer.request.assets?.[i]?.strategy)),
          h('td', { class: 'num' }, pct(a.contribution)),
          h('td', { class: 'num' }, money(a.finalEquity)),
          h('td', { class: 'num' }, formatMetric('totalReturn', a.metrics.totalReturn)),
          h('td', { class: 'num' }, formatMetric('sharpe', a.metrics.sharpe)),
          h('td', { class: 'num' }, formatMetric('maxDrawdown', a.metrics.maxDrawdown)),
          h('td', { class: 'num' }, formatMetric('numTrades', a.metrics.numTrades)),
          h('td', { class: 'num' }, a.missingOnTimeline),
        ),
      ),
    ),
  );
  const reb = answer.rebalancing;
  const req = answer.request;
  return h(
    'article',
    { class: 'result result-portfolio', 'data-kind': 'portfolio' },
    runHeader(answer.runId, `Portfolio · ${assets.map((a) => a.symbol).join(', ')} · ${req.timeframe} · ${req.start} → ${req.end}`, []),
    reb ? h('p', { class: 'muted' }, `Rebalancing ${reb.rule}: ${reb.rebalances} rebalances, turnover ${fixed(reb.turnover)}, fees ${money(reb.fees)}.`) : null,
    warningsList(answer.warnings),
    h('section', { class: 'charts' }, total.box, dd.box, sleeves),
    h('section', null, h('h3', null, 'Sleeves'), h('div', { class: 'scroll' }, assetTable)),
    h(
      'section',
      { class: 'two-col' },
      h('div', null, h('h3', null, 'Contributions to the total return'), contributions),
      corrMap ? h('div', null, h('h3', null, 'Correlation of bar returns'), corrMap) : null,
    ),
    h(
      'section',
      { class: 'two-col' },
      h('div', null, h('h3', null, 'Portfolio metrics'), metricsTable(answer.metrics)),
      h('div', null, h('h3', null, 'Sleeve metrics (time-weighted)'), metricsCompare(assets.map((a) => ({ name: a.symbol, metrics: a.metrics })))),
    ),
  );
}

