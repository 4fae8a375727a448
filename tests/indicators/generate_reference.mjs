#!/usr/bin/env node
// Independent reference values for the project's indicators (docs/strategies.md, "Indicators"),
// computed with the npm library `technicalindicators` (and `trading-signals` where
// technicalindicators is unusable), on real candles.
//
// Usage: node generate_reference.mjs CANDLES.csv.gz OUT.json
//
// CANDLES.csv.gz: gzipped Binance kline CSV, 12 columns, no header
// (open_time, open, high, low, close, volume, close_time, ...). All rows are used.
//
// OUT.json: {"library": {...}, "bars": N, "series": {name: [N values or null]}, "first_index": {...},
//            "notes": {...}}. Every series has exactly N entries aligned to the bar index, null
// during warm-up. Numbers are JS doubles written by JSON.stringify (shortest round-trip form).
//
// Before computing anything the script runs small hand-made probes that establish each library
// convention (see checkConventions below); if a library ever behaves differently from what the
// notes say, the script stops with an error instead of writing misleading notes.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ti from 'technicalindicators';
import * as ts from 'trading-signals';

const HERE = dirname(fileURLToPath(import.meta.url));
const pkgVersion = (name) =>
  JSON.parse(readFileSync(join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;

// Never round: technicalindicators rounds every output with toPrecision(getConfig('precision'))
// when that global is set (it is unset by default); passing `format` overrides it per indicator.
const RAW = (v) => v;
ti.setConfig('precision', undefined);

// ---------------------------------------------------------------------------------------------
// Parameters (the project's strategy defaults).
const P = { sma: 30, ema: 26, wma: 20, rsi: 14, macdFast: 12, macdSlow: 26, macdSignal: 9,
  bbPeriod: 20, bbK: 2, atr: 14, roc: 12, donchian: 20 };

// ---------------------------------------------------------------------------------------------
// Small helpers.
function fail(msg) {
  throw new Error(`convention probe failed: ${msg} -- the library changed; re-examine it and update the notes`);
}
function close(a, b, rel = 1e-12) {
  if (a === null || b === null || a === undefined || b === undefined) return a === b;
  return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
}
function arrClose(a, b, rel = 1e-12) {
  return a.length === b.length && a.every((v, i) => close(v, b[i], rel));
}
function expect(cond, msg) { if (!cond) fail(msg); }

// Library outputs are arrays aligned to the END of the input; pad the front with nulls.
function alignEnd(out, n) {
  if (out.length > n) throw new Error(`library returned ${out.length} values for ${n} inputs`);
  return Array(n - out.length).fill(null).concat(out);
}
function firstIndex(series) {
  const i = series.findIndex((v) => v !== null);
  return i < 0 ? null : i;
}
const nullIfUndef = (v) => (v === undefined || v === null || Number.isNaN(v) ? null : v);

// Plain implementations of the project's definitions, used ONLY on tiny probe inputs.
function handEma(x, n) {
  const out = Array(x.length).fill(null);
  let e = 0;
  for (let i = 0; i < n; i++) e += x[i];
  e /= n;
  out[n - 1] = e;
  const a = 2 / (n + 1);
  for (let i = n; i < x.length; i++) { e = a * x[i] + (1 - a) * e; out[i] = e; }
  return out;
}
function handRsi(x, n) {
  const out = Array(x.length).fill(null);
  let g = 0, l = 0;
  for (let i = 1; i <= n; i++) { const d = x[i] - x[i - 1]; g += Math.max(d, 0); l += Math.max(-d, 0); }
  g /= n; l /= n;
  const rsi = () => (l === 0 ? (g === 0 ? 50 : 100) : 100 - 100 / (1 + g / l));
  out[n] = rsi();
  for (let i = n + 1; i < x.length; i++) {
    const d = x[i] - x[i - 1];
    g = (g * (n - 1) + Math.max(d, 0)) / n; l = (l * (n - 1) + Math.max(-d, 0)) / n;
    out[i] = rsi();
  }
  return out;
}
function handTr(h, l, c) {
  const tr = Array(h.length).fill(null);
  for (let i = 1; i < h.length; i++) tr[i] = Math.max(h[i] - l[i], Math.abs(h[i] - c[i - 1]), Math.abs(l[i] - c[i - 1]));
  return tr;
}

// ---------------------------------------------------------------------------------------------
// Library wrappers: each returns full-length, bar-aligned arrays (null during warm-up).
// They use the documented batch `calculate` API, then align the result to the end of the input.
const lib = {
  sma: (x, n) => alignEnd(ti.SMA.calculate({ period: n, values: x, format: RAW }), x.length),
  ema: (x, n) => alignEnd(ti.EMA.calculate({ period: n, values: x, format: RAW }), x.length),
  wma: (x, n) => alignEnd(ti.WMA.calculate({ period: n, values: x, format: RAW }), x.length),
  // technicalindicators' own RSI, for the probes only (it rounds to 2 decimals, see notes).
  tiRsi: (x, n) => alignEnd(ti.RSI.calculate({ period: n, values: x, format: RAW }), x.length),
  // trading-signals RSI: streaming API, so alignment is by construction.
  rsi: (x, n) => { const r = new ts.RSI(n); return x.map((v) => nullIfUndef(r.update(v))); },
  macd: (x, f, s, g) => {
    // SimpleMAOscillator / SimpleMASignal must be false explicitly: the MACDInput class defaults
    // them to true (SMA-based "MACD"); a plain object leaves them undefined (= EMA).
    const out = alignEnd(ti.MACD.calculate({ values: x, fastPeriod: f, slowPeriod: s, signalPeriod: g,
      SimpleMAOscillator: false, SimpleMASignal: false, format: RAW }), x.length);
    return {
      line: out.map((o) => (o === null ? null : nullIfUndef(o.MACD))),
      signal: out.map((o) => (o === null ? null : nullIfUndef(o.signal))),
      histogram: out.map((o) => (o === null ? null : nullIfUndef(o.histogram))),
    };
  },
  bb: (x, n, k) => {
    const out = alignEnd(ti.BollingerBands.calculate({ period: n, stdDev: k, values: x, format: RAW }), x.length);
    return {
      upper: out.map((o) => (o === null ? null : o.upper)),
      middle: out.map((o) => (o === null ? null : o.middle)),
      lower: out.map((o) => (o === null ? null : o.lower)),
    };
  },
  atr: (h, l, c, n) => alignEnd(ti.ATR.calculate({ period: n, high: h, low: l, close: c, format: RAW }), h.length),
  roc: (x, n) => alignEnd(ti.ROC.calculate({ period: n, values: x, format: RAW }), x.length),
  highest: (x, n) => alignEnd(ti.Highest.calculate({ period: n, values: x, format: RAW }), x.length),
  lowest: (x, n) => alignEnd(ti.Lowest.calculate({ period: n, values: x, format: RAW }), x.length),
};

// Streaming versions (nextValue): alignment by construction. Used to prove that the end-alignment
// of the batch outputs is right (no holes) on the real data.
const stream = {
  one: (Cls, opts, x) => { const o = new Cls({ ...opts, values: [], format: RAW }); return x.map((v) => nullIfUndef(o.nextValue(v))); },
  macd: (x, f, s, g) => {
    const o = new ti.MACD({ values: [], fastPeriod: f, slowPeriod: s, signalPeriod: g,
      SimpleMAOscillator: false, SimpleMASignal: false, format: RAW });
    const r = x.map((v) => o.nextValue(v) ?? null);
    return { line: r.map((q) => (q ? nullIfUndef(q.MACD) : null)), signal: r.map((q) => (q ? nullIfUndef(q.signal) : null)),
      histogram: r.map((q) => (q ? nullIfUndef(q.histogram) : null)) };
  },
  bb: (x, n, k) => {
    const o = new ti.BollingerBands({ period: n, stdDev: k, values: [], format: RAW });
    const r = x.map((v) => o.nextValue(v) ?? null);
    return { upper: r.map((q) => (q ? q.upper : null)), middle: r.map((q) => (q ? q.middle : null)), lower: r.map((q) => (q ? q.lower : null)) };
  },
  atr: (h, l, c, n) => { const o = new ti.ATR({ period: n, high: [], low: [], close: [], format: RAW });
    return h.map((_, i) => nullIfUndef(o.nextValue({ high: h[i], low: l[i], close: c[i] }))); },
};

// ---------------------------------------------------------------------------------------------
// Convention probes on hand-made inputs. Each asserts the behaviour its note describes.
function checkConventions() {
  const x = [10, 11, 13, 12, 15, 14, 16, 18, 17, 19, 21, 20, 22, 19];

  // SMA(3): first at n-1 = 2.
  const sma = lib.sma(x, 3);
  expect(firstIndex(sma) === 2 && close(sma[2], (10 + 11 + 13) / 3) && close(sma[13], (20 + 22 + 19) / 3), 'SMA');

  // EMA(3): seeded with SMA of the first 3 at index 2 (NOT with the first value).
  const ema = lib.ema(x, 3);
  expect(arrClose(ema, handEma(x, 3)), 'EMA is not SMA-seeded at n-1');
  // Quirk (truthiness test on the seed): an SMA seed of exactly 0 is re-updated with x[n-1].
  const emaZero = lib.ema([1, -1, 2, 3], 2);
  expect(close(emaZero[1], -2 / 3), 'EMA zero-seed quirk');

  // WMA(3): weights 1..n, newest heaviest, first at n-1.
  const wma = lib.wma(x, 3);
  expect(firstIndex(wma) === 2 && close(wma[2], (1 * 10 + 2 * 11 + 3 * 13) / 6) && close(wma[13], (20 + 2 * 22 + 3 * 19) / 6), 'WMA');

  // RSI(3).
  const r = [10, 11, 10.5, 12, 12, 11, 13, 14.25, 13.1];
  const hand = handRsi(r, 3);
  const tsr = lib.rsi(r, 3);
  expect(firstIndex(tsr) === 3 && arrClose(tsr, hand), 'trading-signals RSI is not Wilder/SMA-seeded at n');
  const tir = lib.tiRsi(r, 3);
  expect(firstIndex(tir) === 3 && tir.every((v, i) => v === null || v === Number(hand[i].toFixed(2))) &&
    tir.some((v, i) => v !== null && v !== hand[i]), 'technicalindicators RSI: expected Wilder values rounded to 2 decimals');
  // technicalindicators RSI rounding is not controlled by `format` (lib.tiRsi passes format: RAW) nor precision:
  ti.setConfig('precision', 20);
  const tirPrec = lib.tiRsi(r, 3);
  ti.setConfig('precision', undefined);
  expect(tir[7] === 85 && tirPrec[7] === 85 && !close(hand[7], 85), 'technicalindicators RSI rounding could be disabled after all');
  // All gains (avg loss 0) -> 100 in both; flat (both averages 0) -> 100 in both (project: 50).
  expect(lib.rsi([1, 2, 3, 4, 5], 3)[3] === 100 && lib.tiRsi([1, 2, 3, 4, 5], 3)[3] === 100, 'RSI avg loss 0');
  expect(lib.rsi([5, 5, 5, 5, 5], 3)[3] === 100 && lib.tiRsi([5, 5, 5, 5, 5], 3)[3] === 100, 'RSI flat: expected 100');
  expect(lib.rsi([5, 4, 3, 2, 1], 3)[3] === 0, 'RSI all losses');
  // Cross-check: trading-signals RSI vs RSI built from technicalindicators' unrounded Wilder averages.
  const ag = alignEnd(ti.AverageGain.calculate({ period: 3, values: r, format: RAW }), r.length);
  const al = alignEnd(ti.AverageLoss.calculate({ period: 3, values: r, format: RAW }), r.length);
  expect(arrClose(tsr, ag.map((g, i) => (g === null ? null : 100 - 100 / (1 + g / al[i])))), 'RSI vs AverageGain/Loss');

  // MACD(2,4,3): line from s-1 = 3, signal = SMA-seeded EMA(3) of the line from s+g-2 = 5.
  const m = lib.macd(x, 2, 4, 3);
  const e2 = handEma(x, 2), e4 = handEma(x, 4);
  const line = x.map((_, i) => (e4[i] === null ? null : e2[i] - e4[i]));
  const sig = Array(3).fill(null).concat(handEma(line.slice(3), 3));
  expect(firstIndex(m.line) === 3 && arrClose(m.line, line, 1e-12), 'MACD line');
  expect(firstIndex(m.signal) === 5 && arrClose(m.signal, sig, 1e-12), 'MACD signal');
  expect(firstIndex(m.histogram) === 5 && arrClose(m.histogram, m.line.map((v, i) => (sig[i] === null ? null : v - sig[i])), 1e-12), 'MACD histogram');
  // Default when the flags are omitted from a plain object: EMA (same numbers).
  const mDefault = ti.MACD.calculate({ values: x, fastPeriod: 2, slowPeriod: 4, signalPeriod: 3 });
  expect(close(mDefault.at(-1).signal, m.signal.at(-1)), 'MACD plain-object default');
  // Quirk: a signal of exactly 0 is reported as undefined.
  const mConst = ti.MACD.calculate({ values: Array(10).fill(5), fastPeriod: 2, slowPeriod: 3, signalPeriod: 2,
    SimpleMAOscillator: false, SimpleMASignal: false });
  expect(mConst.every((o) => o.signal === undefined), 'MACD zero-signal quirk');

  // Bollinger(3, 2): population standard deviation, first at n-1.
  const b = lib.bb([1, 2, 3, 4, 10, 6, 7], 3, 2);
  const pop = Math.sqrt(2 / 3);
  expect(firstIndex(b.middle) === 2 && close(b.middle[2], 2) && close(b.upper[2], 2 + 2 * pop) && close(b.lower[2], 2 - 2 * pop),
    'Bollinger is not population-sd');
  // Quirk: a window whose mean is exactly 0 produces no output at all (hole in the batch array).
  expect(ti.BollingerBands.calculate({ period: 2, stdDev: 2, values: [1, -1, 2, 3] }).length === 2, 'BB zero-mean quirk');

  // ATR(3): TR from index 1, first ATR = mean(TR_1..TR_3) at index 3, then Wilder.
  const H = [10, 12, 11, 13, 14, 13, 15], L = [8, 9, 9.5, 10, 12, 11, 12], C = [9, 11, 10, 12, 13, 12, 14];
  const tr = handTr(H, L, C);
  const atr = lib.atr(H, L, C, 3);
  let a = (tr[1] + tr[2] + tr[3]) / 3; const handAtr = [null, null, null, a];
  for (let i = 4; i < H.length; i++) { a = (a * 2 + tr[i]) / 3; handAtr.push(a); }
  expect(firstIndex(atr) === 3 && arrClose(atr, handAtr), 'ATR');

  // ROC(3): percent, first at n; computed as 100*(x - x0)/x0.
  const roc = lib.roc(x, 3);
  expect(firstIndex(roc) === 3 && close(roc[3], 20) && close(roc[13], 100 * (19 / 21 - 1)) && close(roc[12], 100 * (22 / 19 - 1)), 'ROC');
  expect(roc[3] === 20 && 100 * (x[3] / x[0] - 1) !== 20, 'ROC formula (rounding-level difference)');

  // Highest/Lowest(3): last n values including the current, first at n-1.
  const hh = lib.highest(H, 3), ll = lib.lowest(L, 3);
  expect(firstIndex(hh) === 2 && hh[2] === 12 && hh[6] === 15 && firstIndex(ll) === 2 && ll[2] === 8 && ll[6] === 11, 'Highest/Lowest');
}

// ---------------------------------------------------------------------------------------------
function readCandles(path) {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  const bars = { openTime: [], open: [], high: [], low: [], close: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const f = line.split(',');
    if (f.length !== 12) throw new Error(`expected 12 columns, got ${f.length}: ${line}`);
    if (!/^\d+$/.test(f[0])) throw new Error(`not a kline row (header?): ${line}`);
    bars.openTime.push(Number(f[0]));
    bars.open.push(Number(f[1])); bars.high.push(Number(f[2])); bars.low.push(Number(f[3])); bars.close.push(Number(f[4]));
  }
  for (const k of ['open', 'high', 'low', 'close']) {
    bars[k].forEach((v, i) => { if (!Number.isFinite(v)) throw new Error(`bad ${k} at row ${i}`); });
  }
  return bars;
}

function sameBits(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i] || (v === null && b[i] === null));
}

function main() {
  const [inPath, outPath] = process.argv.slice(2);
  if (!inPath || !outPath) {
    console.error('usage: node generate_reference.mjs CANDLES.csv.gz OUT.json');
    process.exit(2);
  }
  checkConventions();

  const { openTime, high: H, low: L, close: C } = readCandles(inPath);
  const N = C.length;

  const macd = lib.macd(C, P.macdFast, P.macdSlow, P.macdSignal);
  const bb = lib.bb(C, P.bbPeriod, P.bbK);
  const series = {
    sma_30: lib.sma(C, P.sma),
    ema_26: lib.ema(C, P.ema),
    wma_20: lib.wma(C, P.wma),
    rsi_14: lib.rsi(C, P.rsi),
    macd_12_26_9_line: macd.line,
    macd_12_26_9_signal: macd.signal,
    macd_12_26_9_histogram: macd.histogram,
    bb_20_2_upper: bb.upper,
    bb_20_2_middle: bb.middle,
    bb_20_2_lower: bb.lower,
    atr_14: lib.atr(H, L, C, P.atr),
    roc_12: lib.roc(C, P.roc),
    donchian_20_upper: lib.highest(H, P.donchian),
    donchian_20_lower: lib.lowest(L, P.donchian),
  };

  // --- Alignment checks on the real data -------------------------------------------------------
  // 1. Batch (end-aligned) == streaming nextValue (aligned by construction), bit for bit.
  const sMacd = stream.macd(C, P.macdFast, P.macdSlow, P.macdSignal);
  const sBb = stream.bb(C, P.bbPeriod, P.bbK);
  const streamed = {
    sma_30: stream.one(ti.SMA, { period: P.sma }, C),
    ema_26: stream.one(ti.EMA, { period: P.ema }, C),
    wma_20: stream.one(ti.WMA, { period: P.wma }, C),
    macd_12_26_9_line: sMacd.line, macd_12_26_9_signal: sMacd.signal, macd_12_26_9_histogram: sMacd.histogram,
    bb_20_2_upper: sBb.upper, bb_20_2_middle: sBb.middle, bb_20_2_lower: sBb.lower,
    atr_14: stream.atr(H, L, C, P.atr),
    roc_12: stream.one(ti.ROC, { period: P.roc }, C),
    donchian_20_upper: stream.one(ti.Highest, { period: P.donchian }, H),
    donchian_20_lower: stream.one(ti.Lowest, { period: P.donchian }, L),
  };
  for (const [k, v] of Object.entries(streamed)) {
    if (!sameBits(series[k], v)) throw new Error(`alignment check failed for ${k}: batch != streaming`);
  }
  // 2. Expected first index, and no holes after it.
  const expectedFirst = {
    sma_30: P.sma - 1, ema_26: P.ema - 1, wma_20: P.wma - 1, rsi_14: P.rsi,
    macd_12_26_9_line: P.macdSlow - 1, macd_12_26_9_signal: P.macdSlow + P.macdSignal - 2,
    macd_12_26_9_histogram: P.macdSlow + P.macdSignal - 2,
    bb_20_2_upper: P.bbPeriod - 1, bb_20_2_middle: P.bbPeriod - 1, bb_20_2_lower: P.bbPeriod - 1,
    atr_14: P.atr, roc_12: P.roc, donchian_20_upper: P.donchian - 1, donchian_20_lower: P.donchian - 1,
  };
  const first = {};
  for (const [k, v] of Object.entries(series)) {
    if (v.length !== N) throw new Error(`${k}: length ${v.length} != ${N}`);
    first[k] = firstIndex(v);
    if (first[k] !== expectedFirst[k]) throw new Error(`${k}: first index ${first[k]} != expected ${expectedFirst[k]}`);
    for (let i = first[k]; i < N; i++) if (v[i] === null || !Number.isFinite(v[i])) throw new Error(`${k}: hole at ${i}`);
  }
  // 3. A few values recomputed by hand on the real data.
  const win = (a, from, to) => a.slice(from, to + 1);
  const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
  for (const t of [29, 1000, N - 1]) expect(close(series.sma_30[t], mean(win(C, t - 29, t)), 1e-12), `sma_30 hand check at ${t}`);
  for (const t of [19, 1000, N - 1]) {
    const w = win(C, t - 19, t), mu = mean(w), sd = Math.sqrt(mean(w.map((v) => (v - mu) ** 2)));
    expect(close(series.bb_20_2_middle[t], mu) && close(series.bb_20_2_upper[t], mu + 2 * sd, 1e-11) && close(series.bb_20_2_lower[t], mu - 2 * sd, 1e-11), `bb hand check at ${t}`);
    expect(close(series.wma_20[t], w.reduce((s, v, i) => s + (i + 1) * v, 0) / 210), `wma hand check at ${t}`);
    expect(series.donchian_20_upper[t] === Math.max(...win(H, t - 19, t)) && series.donchian_20_lower[t] === Math.min(...win(L, t - 19, t)), `donchian hand check at ${t}`);
  }
  for (const t of [12, 1000, N - 1]) expect(close(series.roc_12[t], 100 * (C[t] / C[t - 12] - 1), 1e-9), `roc hand check at ${t}`);
  {
    const tr = handTr(H, L, C);
    expect(close(series.atr_14[14], mean(tr.slice(1, 15))), 'atr hand check at 14');
    const e = handEma(C.slice(0, 1001), 26);
    expect(close(series.ema_26[25], mean(C.slice(0, 26))) && close(series.ema_26[1000], e[1000], 1e-12), 'ema hand check');
    const rr = handRsi(C.slice(0, 1001), 14);
    expect(close(series.rsi_14[14], rr[14]) && close(series.rsi_14[1000], rr[1000], 1e-12), 'rsi hand check');
  }
  // 4. Donchian cross-check against trading-signals DonchianChannels (exact equality expected).
  {
    const dc = new ts.DonchianChannels(P.donchian);
    H.forEach((_, i) => {
      const r = dc.update({ high: H[i], low: L[i], close: C[i], open: C[i] });
      const u = r ? r.upper : null, l = r ? r.lower : null;
      if (u !== series.donchian_20_upper[i] || l !== series.donchian_20_lower[i]) throw new Error(`donchian vs trading-signals DC at ${i}`);
    });
  }
  // 5. rsi_14 (trading-signals, unrounded) vs technicalindicators' RSI (rounded to 2 decimals).
  const tiRsi = lib.tiRsi(C, P.rsi);
  let maxRsiDiff = 0;
  tiRsi.forEach((v, i) => { if ((v === null) !== (series.rsi_14[i] === null)) throw new Error(`rsi first index differs at ${i}`);
    if (v !== null) maxRsiDiff = Math.max(maxRsiDiff, Math.abs(v - series.rsi_14[i])); });
  if (maxRsiDiff > 0.005 + 1e-9) throw new Error(`rsi_14 vs technicalindicators RSI differ by ${maxRsiDiff}`);

  const tiVersion = pkgVersion('technicalindicators');
  const tsVersion = pkgVersion('trading-signals');
  const TI = `technicalindicators ${tiVersion}`;
  const TS = `trading-signals ${tsVersion}`;

  const notes = {
    general: `All series come from ${TI} except rsi_14 (${TS}). Library arrays are aligned to the end of the input; ` +
      'alignment was verified against the libraries\' streaming nextValue/update APIs (bit-identical) and by recomputing ' +
      'values by hand at several indices. Rounding: technicalindicators rounds outputs only when the global ' +
      "setConfig('precision') is set (unset by default); this script passes format: v => v to every indicator so nothing " +
      'is rounded, except technicalindicators\' RSI, which rounds to 2 decimals unconditionally (hence trading-signals for rsi_14). ' +
      'The libraries write some recursions in an algebraically equal but differently rounded form (e.g. (x - prev)*a + prev), ' +
      'so values differ from a literal implementation of docs/strategies.md by rounding only: on BTCUSDT-1h the largest ' +
      '|difference| / close is about 1e-15 for every series, and the largest relative difference is below 5e-15 except for ' +
      'series that are differences of large numbers: MACD line 2.5e-9 (one bar, line = 0.0043 near a zero crossing), ' +
      'signal 1e-9, histogram 7e-10, ROC 1e-10. Compare those with an absolute floor, e.g. ' +
      '|a - b| <= 1e-9 * |b| + 1e-12 * close[t], not purely relative.',
    sma_30: `matches (${TI} SMA; running sum; first value at index n-1 = ${P.sma - 1})`,
    ema_26: `matches (${TI} EMA: alpha = 2/(n+1), seeded with the SMA of the first n values at index n-1 = ${P.ema - 1}). ` +
      'Quirk irrelevant to positive prices: if the seed SMA is exactly 0 (falsy) the library applies one extra update with x[n-1].',
    wma_20: `matches (${TI} WMA: weights 1..n, newest heaviest; first value at index n-1 = ${P.wma - 1})`,
    rsi_14: `from ${TS} RSI (not technicalindicators): ${TI} RSI rounds every value to 2 decimals with a hard-coded toFixed(2) ` +
      'that neither format nor precision can disable. trading-signals RSI matches the project (Wilder; first averages = mean ' +
      `of the first n gains/losses d_1..d_n; first value at index n = ${P.rsi}; 100 when the average loss is 0) with ONE ` +
      'difference: when average gain and average loss are both 0 it returns 100, the project returns 50 (technicalindicators ' +
      'also returns 100). Both averages 0 needs n+1 identical closes; it never happens in this data. Smoothing is written ' +
      'prev + (x - prev)/n (rounding-level difference). Cross-checks: equal (1e-12) to 100 - 100/(1 + g/l) from ' +
      `technicalindicators' unrounded AverageGain/AverageLoss on probes; max |diff| to technicalindicators' rounded RSI on this data = ${maxRsiDiff}.`,
    macd_12_26_9_line: `matches (${TI} MACD with SimpleMAOscillator: false, SimpleMASignal: false; EMA(12) - EMA(26), both ` +
      `SMA-seeded; first value at index s-1 = ${P.macdSlow - 1}). Note: the library's MACDInput class defaults both flags to ` +
      'true (SMA-based MACD); a plain input object without them gives EMAs.',
    macd_12_26_9_signal: `matches (EMA(9) of the MACD line seeded with the SMA of its first 9 values; first value at index ` +
      `s+g-2 = ${P.macdSlow + P.macdSignal - 2}). Quirk irrelevant here: a signal of exactly 0 is reported as missing.`,
    macd_12_26_9_histogram: `matches (line - signal; first value at index s+g-2 = ${P.macdSlow + P.macdSignal - 2})`,
    bb_20_2_upper: `matches (${TI} BollingerBands: SMA(n) + k * POPULATION standard deviation (divides by n); first value at index n-1 = ${P.bbPeriod - 1})`,
    bb_20_2_middle: `matches (SMA(n); first value at index n-1 = ${P.bbPeriod - 1}). Quirk irrelevant to positive prices: a window ` +
      'whose mean is exactly 0 yields no output at all (a hole in the batch array).',
    bb_20_2_lower: `matches (SMA(n) - k * population standard deviation; first value at index n-1 = ${P.bbPeriod - 1})`,
    atr_14: `matches (${TI} ATR: TR from index 1 using the previous close, first ATR = mean of TR_1..TR_n at index n = ${P.atr}, ` +
      'then (prev*(n-1) + TR)/n, written prev + (TR - prev)/n)',
    roc_12: `matches (${TI} ROC: percent, first value at index n = ${P.roc}); computed as 100*(x_t - x_{t-n})/x_{t-n} instead of ` +
      '100*(x_t/x_{t-n} - 1): equal up to rounding (e.g. 20 vs 19.999999999999996)',
    donchian_20_upper: `${TI} has no Donchian indicator; this is its Highest utility (ti.Highest) on the highs: highest high of ` +
      `the last n bars including the current, first value at index n-1 = ${P.donchian - 1}, matching the project's Donchian ` +
      `upper. Cross-checked: identical to ${TS} DonchianChannels(20).upper on every bar.`,
    donchian_20_lower: `${TI} Lowest utility (ti.Lowest) on the lows: lowest low of the last n bars including the current, first ` +
      `value at index n-1 = ${P.donchian - 1}. Identical to ${TS} DonchianChannels(20).lower on every bar.`,
  };

  const out = {
    library: { name: 'technicalindicators', version: tiVersion },
    libraries: { technicalindicators: tiVersion, 'trading-signals': tsVersion },
    series_source: Object.fromEntries(Object.keys(series).map((k) => [k, k === 'rsi_14' ? 'trading-signals' : 'technicalindicators'])),
    input: { file: inPath, first_open_time: openTime[0], last_open_time: openTime[N - 1], price: 'close (high/low for atr_14 and donchian)' },
    bars: N,
    parameters: P,
    first_index: first,
    series,
    notes,
  };
  const dir = dirname(outPath);
  if (dir) mkdirSync(dir, { recursive: true });
  writeFileSync(outPath, JSON.stringify(out) + '\n');
  console.log(`wrote ${outPath}: ${N} bars, ${Object.keys(series).length} series`);
}

main();
