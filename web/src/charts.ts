// Charts: lightweight-charts (TradingView) for candles and time series, plain SVG for heatmaps
// and per-fold bars.

import {
  AreaSeries,
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  CrosshairMode,
  LineSeries,
  type DeepPartial,
  type ChartOptions,
  type IChartApi,
  type LogicalRange,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import { h, Scope, svg } from './dom';
import type { Point, Trade } from './types';

export type Bar = [openTimeMs: number, open: number, high: number, low: number, close: number, volume: number];

export const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569', '#ea580c'];
const UP = '#16a34a';
const DOWN = '#dc2626';

const t = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp;

function baseOptions(): DeepPartial<ChartOptions> {
  return {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: '#ffffff' },
      textColor: '#334155',
      fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
      fontSize: 11,
    },
    grid: { vertLines: { visible: false }, horzLines: { visible: false } },
    crosshair: { mode: CrosshairMode.Normal },
    rightPriceScale: { borderColor: '#cbd5e1' },
    timeScale: { borderColor: '#cbd5e1', timeVisible: true, secondsVisible: false },
    // Times are UTC timestamps; show them as UTC, whatever the browser's zone.
    localization: {
      timeFormatter: (time: Time) => (typeof time === 'number' ? new Date(time * 1000).toISOString().slice(0, 16).replace('T', ' ') + 'Z' : String(time)),
    },
  };
}

function chartBox(className: string, title?: string): { box: HTMLElement; holder: HTMLElement } {
  const holder = h('div', { class: `chart ${className}` });
  const box = h('div', { class: 'chart-box' }, title ? h('div', { class: 'chart-title' }, title) : null, holder);
  return { box, holder };
}

function newChart(holder: HTMLElement, scope: Scope, extra?: DeepPartial<ChartOptions>): IChartApi {
  const chart = createChart(holder, { ...baseOptions(), ...extra });
  scope.add(() => chart.remove());
  return chart;
}

/** Keeps the visible ranges of charts whose series have one point per same bar in step. */
export function syncCharts(charts: IChartApi[]): void {
  let busy = false;
  for (const chart of charts) {
    chart.timeScale().subscribeVisibleLogicalRangeChange((range: LogicalRange | null) => {
      if (busy || !range) return;
      busy = true;
      for (const other of charts) if (other !== chart) other.timeScale().setVisibleLogicalRange(range);
      busy = false;
    });
  }
}

/** Candles with each trade's entry and exit marked. */
export function candleChart(scope: Scope, bars: Bar[], trades: Trade[], title = 'Price'): { box: HTMLElement; chart: IChartApi } {
  const { box, holder } = chartBox('chart-candles', title);
  const chart = newChart(holder, scope);
  const series = chart.addSeries(CandlestickSeries, {
    upColor: UP,
    downColor: DOWN,
    borderUpColor: UP,
    borderDownColor: DOWN,
    wickUpColor: UP,
    wickDownColor: DOWN,
  });
  series.setData(bars.map(([time, open, high, low, close]) => ({ time: t(time), open, high, low, close })));
  const markers: SeriesMarker<Time>[] = [];
  for (const tr of trades) {
    const long = tr.side === 'long';
    markers.push({
      time: t(tr.entryTime),
      position: long ? 'belowBar' : 'aboveBar',
      shape: long ? 'arrowUp' : 'arrowDown',
      color: long ? '#1d4ed8' : '#b45309',
      text: long ? 'L' : 'S',
    });
    if (!tr.open) {
      markers.push({
        time: t(tr.exitTime),
        position: long ? 'aboveBar' : 'belowBar',
        shape: long ? 'arrowDown' : 'arrowUp',
        color: tr.pnl >= 0 ? '#15803d' : '#b91c1c',
        text: tr.exitReason && tr.exitReason !== 'signal' ? tr.exitReason : 'x',
      });
    }
  }
  markers.sort((a, b) => (a.time as number) - (b.time as number));
  createSeriesMarkers(series, markers);
  chart.timeScale().fitContent();
  return { box, chart };
}

export interface LineData {
  name: string;
  data: Point[];
  color?: string;
}

/** One or more lines on a shared time axis, with a legend. */
export function lineChart(scope: Scope, lines: LineData[], title?: string, className = 'chart-line'): { box: HTMLElement; chart: IChartApi } {
  const { box, holder } = chartBox(className, title);
  const chart = newChart(holder, scope);
  if (lines.length > 1) {
    box.insertBefore(
      h(
        'div',
        { class: 'legend' },
        lines.map((l, i) => h('span', { class: 'legend-item' }, h('i', { style: `background:${l.color ?? PALETTE[i % PALETTE.length]}` }), l.name)),
      ),
      holder,
    );
  }
  lines.forEach((l, i) => {
    const series = chart.addSeries(LineSeries, { color: l.color ?? PALETTE[i % PALETTE.length], lineWidth: 2, priceLineVisible: false });
    series.setData(dedupe(l.data).map(([time, value]) => ({ time: t(time), value })));
  });
  chart.timeScale().fitContent();
  return { box, chart };
}

/** Drawdown in percent below the running peak of `equity`. */
export function drawdown(equity: Point[]): Point[] {
  let peak = -Infinity;
  return equity.map(([time, v]) => {
    peak = Math.max(peak, v);
    return [time, peak > 0 ? (v / peak - 1) * 100 : 0];
  });
}

export function drawdownChart(scope: Scope, equity: Point[], title = 'Drawdown'): { box: HTMLElement; chart: IChartApi } {
  const { box, holder } = chartBox('chart-drawdown', title);
  const chart = newChart(holder, scope);
  const series = chart.addSeries(AreaSeries, {
    lineColor: DOWN,
    topColor: 'rgba(220, 38, 38, 0.05)',
    bottomColor: 'rgba(220, 38, 38, 0.45)',
    invertFilledArea: true,
    lineWidth: 1,
    priceLineVisible: false,
    priceFormat: { type: 'custom', formatter: (v: number) => `${v.toFixed(2)}%`, minMove: 0.01 },
  });
  series.setData(dedupe(drawdown(equity)).map(([time, value]) => ({ time: t(time), value })));
  chart.timeScale().fitContent();
  return { box, chart };
}

/** lightweight-charts needs strictly increasing times. */
function dedupe(points: Point[]): Point[] {
  const out: Point[] = [];
  for (const p of points) {
    if (out.length && Math.floor(out[out.length - 1][0] / 1000) >= Math.floor(p[0] / 1000)) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------- heatmaps (SVG)

export interface HeatmapSpec {
  xLabel: string;
  yLabel: string;
  xs: (string | number)[];
  ys: (string | number)[];
  /** values[yi][xi]; null: no value. */
  values: (number | null)[][];
  format: (v: number) => string;
  /** Fixed colour domain (correlation: [-1, 1]); else symmetric around 0 from the data. */
  domain?: [number, number];
  onClick?: (xi: number, yi: number) => void;
  title?: (xi: number, yi: number, v: number | null) => string;
  className?: string;
}

function mix(a: [number, number, number], b: [number, number, number], f: number): string {
  const c = a.map((x, i) => Math.round(x + (b[i] - x) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** Diverging colour: red below zero, white at zero, green above. */
export function divergingColor(v: number, lo: number, hi: number): string {
  const white: [number, number, number] = [248, 250, 252];
  if (v >= 0) return mix(white, [22, 163, 74], hi > 0 ? Math.min(1, v / hi) : 0);
  return mix(white, [220, 38, 38], lo < 0 ? Math.min(1, v / lo) : 0);
}

export function heatmap(spec: HeatmapSpec): SVGSVGElement {
  const cell = Math.max(28, Math.min(96, Math.floor(720 / Math.max(spec.xs.length, 1))));
  const cellH = Math.max(22, Math.min(48, Math.floor(480 / Math.max(spec.ys.length, 1))));
  const left = 90;
  const top = 10;
  const bottom = 56;
  const width = left + cell * spec.xs.length + 10;
  const height = top + cellH * spec.ys.length + bottom;
  const all = spec.values.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const maxAbs = Math.max(1e-12, ...all.map(Math.abs));
  const [lo, hi] = spec.domain ?? [-maxAbs, maxAbs];
  const root = svg('svg', { class: `heatmap ${spec.className ?? ''}`, width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  spec.ys.forEach((yv, yi) => {
    // Highest y value on top.
    const row = spec.ys.length - 1 - yi;
    const y = top + row * cellH;
    root.append(svg('text', { x: left - 6, y: y + cellH / 2 + 4, 'text-anchor': 'end', class: 'tick' }, String(yv)));
    spec.xs.forEach((_, xi) => {
      const v = spec.values[yi]?.[xi] ?? null;
      const x = left + xi * cell;
      const rect = svg('rect', {
        x,
        y,
        width: cell - 1,
        height: cellH - 1,
        fill: v === null ? '#e2e8f0' : divergingColor(v, lo, hi),
        class: v === null ? 'cell empty' : 'cell',
        'data-x': xi,
        'data-y': yi,
        'data-value': v === null ? undefined : v,
      });
      rect.append(svg('title', {}, spec.title ? spec.title(xi, yi, v) : `${spec.xLabel}=${spec.xs[xi]}, ${spec.yLabel}=${yv}: ${v === null ? 'no value' : spec.format(v)}`));
      if (spec.onClick && v !== null) {
        rect.setAttribute('tabindex', '0');
        rect.addEventListener('click', () => spec.onClick!(xi, yi));
        rect.addEventListener('keydown', (e) => {
          if ((e as KeyboardEvent).key === 'Enter') spec.onClick!(xi, yi);
        });
      }
      root.append(rect);
      if (v !== null && cell >= 40 && cellH >= 20) {
        root.append(svg('text', { x: x + cell / 2, y: y + cellH / 2 + 4, 'text-anchor': 'middle', class: 'cell-label' }, spec.format(v)));
      }
    });
  });
  spec.xs.forEach((xv, xi) => {
    root.append(svg('text', { x: left + xi * cell + cell / 2, y: top + spec.ys.length * cellH + 16, 'text-anchor': 'middle', class: 'tick' }, String(xv)));
  });
  root.append(svg('text', { x: left + (cell * spec.xs.length) / 2, y: height - 12, 'text-anchor': 'middle', class: 'axis-label' }, spec.xLabel));
  root.append(svg('text', { x: 12, y: top + (cellH * spec.ys.length) / 2, 'text-anchor': 'middle', class: 'axis-label', transform: `rotate(-90 12 ${top + (cellH * spec.ys.length) / 2})` }, spec.yLabel));
  return root;
}

/** Grouped bars (in-sample vs out-of-sample per fold), SVG. */
export function groupedBars(groups: string[], series: { name: string; color: string; values: (number | null)[] }[], format: (v: number) => string): SVGSVGElement {
  const groupW = Math.max(28, Math.min(80, Math.floor(760 / Math.max(groups.length, 1))));
  const left = 64;
  const top = 16;
  const plotH = 200;
  const width = left + groupW * groups.length + 16;
  const height = top + plotH + 40;
  const vals = series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const max = Math.max(0, ...vals);
  const min = Math.min(0, ...vals);
  const span = max - min || 1;
  const y = (v: number) => top + ((max - v) / span) * plotH;
  const root = svg('svg', { class: 'bars', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  root.append(svg('line', { x1: left, x2: width - 8, y1: y(0), y2: y(0), stroke: '#64748b' }));
  for (const v of [max, min]) {
    root.append(svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, format(v)));
  }
  const barW = (groupW - 8) / series.length;
  groups.forEach((g, gi) => {
    series.forEach((s, si) => {
      const v = s.values[gi];
      if (v === null || !Number.isFinite(v)) return;
      const x = left + gi * groupW + 4 + si * barW;
      const rect = svg('rect', { x, y: Math.min(y(v), y(0)), width: Math.max(1, barW - 1), height: Math.max(1, Math.abs(y(v) - y(0))), fill: s.color, class: 'bar' });
      rect.append(svg('title', {}, `${g} ${s.name}: ${format(v)}`));
      root.append(rect);
    });
    root.append(svg('text', { x: left + gi * groupW + groupW / 2, y: top + plotH + 16, 'text-anchor': 'middle', class: 'tick' }, g));
  });
  return root;
}
