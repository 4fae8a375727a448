// Browser end-to-end test of the web app a running spark-executor serves at /.
//
//   SPARK_URL=http://127.0.0.1:4001 SPARK_ARTIFACTS=/tmp/shots node e2e.mjs
//
// Env: SPARK_URL (required), SPARK_ARTIFACTS (screenshots; default a temp dir), SPARK_API_TOKEN
// (when the server needs one), CHROMIUM (default /usr/bin/chromium). Exit status 1 on any failure,
// console error or page error.

import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BASE = (process.env.SPARK_URL ?? '').replace(/\/+$/, '');
if (!BASE) {
  console.error('SPARK_URL is not set: the base URL of a running spark-executor, e.g. http://127.0.0.1:4001');
  process.exit(2);
}
const ARTIFACTS = process.env.SPARK_ARTIFACTS || mkdtempSync(join(tmpdir(), 'spark-web-'));
mkdirSync(ARTIFACTS, { recursive: true });
const TOKEN = process.env.SPARK_API_TOKEN ?? '';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const JOB_TIMEOUT = 120_000;

// ------------------------------------------------------------------ formatting, as web/src/format.ts
const DASH = '—';
const fin = (v) => v !== null && v !== undefined && Number.isFinite(v);
const fmt = {
  totalReturn: (v) => (fin(v) ? `${(v * 100).toFixed(2)}%` : DASH),
  sharpe: (v) => (fin(v) ? v.toFixed(3) : DASH),
  numTrades: (v) => (fin(v) ? String(Math.round(v)) : DASH),
};

// ------------------------------------------------------------------ helpers
class Failure extends Error {}
const fail = (msg) => {
  throw new Failure(msg);
};
const check = (cond, msg) => {
  if (!cond) fail(msg);
};

async function api(path, init = {}) {
  const headers = { Accept: 'application/json', ...(init.headers ?? {}) };
  if (TOKEN) headers.Authorization = `Bearer ${TOKEN}`;
  const res = await fetch(BASE + path, { ...init, headers });
  const text = await res.text();
  if (!res.ok) fail(`${init.method ?? 'GET'} ${path} answered ${res.status}: ${text.slice(0, 400)}`);
  return JSON.parse(text);
}

const consoleErrors = [];

/** Counts the pixels of the biggest canvas under `selector` that differ from its commonest colour. */
async function inkedPixels(page, selector) {
  return page.$eval(selector, (root) => {
    // lightweight-charts draws each pane on a canvas with a transparent overlay canvas of the same
    // size on top, and the axes on smaller ones: judge the pane-sized canvases by the most inked.
    const canvases = [...root.querySelectorAll('canvas')].filter((c) => c.width && c.height);
    const maxArea = Math.max(0, ...canvases.map((c) => c.width * c.height));
    let best = { pixels: 0, size: 0, canvases: canvases.length };
    for (const c of canvases) {
      if (c.width * c.height < maxArea / 2) continue;
      const ctx = c.getContext('2d');
      if (!ctx) continue;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      const counts = new Map();
      for (let i = 0; i < d.length; i += 4) {
        const key = ((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]) >>> 0;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      let bg = 0;
      let bgCount = -1;
      for (const [k, n] of counts) if (n > bgCount) [bg, bgCount] = [k, n];
      const [br, bgG, bb, ba] = [bg >>> 24, (bg >>> 16) & 255, (bg >>> 8) & 255, bg & 255];
      let inked = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i] - br) + Math.abs(d[i + 1] - bgG) + Math.abs(d[i + 2] - bb) + Math.abs(d[i + 3] - ba) > 40) inked++;
      }
      if (inked >= best.pixels) best = { pixels: inked, size: c.width * c.height, canvases: canvases.length };
    }
    return best;
  });
}

/** Every chart under `scope` must draw something; polls while the charts paint. */
async function expectChartsDrawn(page, scope, { minCharts = 1 } = {}) {
  const charts = await page.$$(`${scope} .chart`);
  check(charts.length >= minCharts, `expected at least ${minCharts} chart(s) under ${scope}, found ${charts.length}`);
  for (let i = 0; i < charts.length; i++) {
    const sel = `${scope} .chart >> nth=${i}`;
    const cls = await page.locator(sel).getAttribute('class');
    let last = null;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      last = await inkedPixels(page, `:nth-match(${scope} .chart, ${i + 1})`);
      if (last.size > 0 && last.pixels >= 200) break;
      await page.waitForTimeout(200);
    }
    check(last && last.size > 0, `chart ${i + 1} (${cls}) under ${scope} has no canvas`);
    check(last.pixels >= 200, `chart ${i + 1} (${cls}) under ${scope} looks blank: ${last.pixels} non-background pixels of ${last.size}`);
  }
  return charts.length;
}

/** Waits for `result` under `pageSel`, or fails with the error the page shows. */
async function waitForResult(page, pageSel, result) {
  const which = await Promise.race([
    page.waitForSelector(`${pageSel} ${result}`, { timeout: JOB_TIMEOUT }).then(() => 'result'),
    page.waitForSelector(`${pageSel} .status .error`, { timeout: JOB_TIMEOUT }).then(() => 'error'),
  ]);
  if (which === 'error') fail(`the page shows an error instead of ${result}: ${(await page.textContent(`${pageSel} .status .error`)).trim()}`);
}

async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
}

async function metricText(page, scope, key) {
  return (await page.textContent(`${scope} table.metrics td[data-metric="${key}"]`))?.trim();
}

/** The metrics shown under `scope` must be the stored run's, formatted as the page formats them. */
async function expectMetricsMatch(page, scope, stored) {
  for (const key of ['totalReturn', 'sharpe', 'numTrades']) {
    const shown = await metricText(page, scope, key);
    const want = fmt[key](stored.metrics[key]);
    check(shown === want, `${key}: the page shows ${JSON.stringify(shown)}, the stored run ${stored.runId} has ${stored.metrics[key]} (shown as ${JSON.stringify(want)})`);
  }
}

// ------------------------------------------------------------------ the steps
const results = [];
let page;

async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    if (consoleErrors.length) fail(`console errors:\n  ${consoleErrors.join('\n  ')}`);
    results.push(`ok - ${name} (${Date.now() - started} ms)`);
    console.log(results.at(-1));
  } catch (e) {
    const msg = e instanceof Failure ? e.message : (e?.stack ?? String(e));
    console.log(`not ok - ${name}\n  ${msg.replace(/\n/g, '\n  ')}`);
    try {
      if (page) await page.screenshot({ path: join(ARTIFACTS, `failed-${name.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
    } catch {
      /* the page is gone */
    }
    throw new Failure(`step "${name}" failed: ${msg.split('\n')[0]}`);
  }
}

const launchArgs = typeof process.getuid === 'function' && process.getuid() === 0 ? ['--no-sandbox'] : [];
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: launchArgs });
let status = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, timezoneId: 'America/New_York' });
  if (TOKEN) await context.addInitScript((t) => localStorage.setItem('spark.apiToken', t), TOKEN);
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`[console] ${m.text()} ${m.location()?.url ?? ''}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`[pageerror] ${e.message}`));

  let runId;
  let combinationRunId;

  await step('open /', async () => {
    const res = await page.goto(`${BASE}/`);
    check(res && res.ok(), `GET / answered ${res?.status()}`);
    check((res.headers()['content-type'] ?? '').includes('text/html'), `GET / is ${res.headers()['content-type']}, not HTML`);
    await page.waitForSelector('#page-run form');
    check(page.url().endsWith('#/run'), `/ should land on #/run, is at ${page.url()}`);
  });

  await step('run a backtest from the Run form', async () => {
    const p = '#page-run';
    await page.fill(`${p} input[name=symbol]`, 'BTCUSDT');
    await page.selectOption(`${p} select[name=timeframe]`, '1h');
    await page.fill(`${p} input[name=start]`, '2024-01-01');
    await page.fill(`${p} input[name=end]`, '2024-03-31');
    await page.selectOption(`${p} select[name=strategy]`, 'sma_cross');
    await page.click('#run-submit');
    await waitForResult(page, p, '.result-run');
    runId = await page.getAttribute(`${p} .result-run .run-id a`, 'data-run-id');
    check(/^run_[0-9a-f]{32}$/.test(runId ?? ''), `no runId shown: ${runId}`);
  });

  await step('the metrics shown are the stored run\'s', async () => {
    const stored = await api(`/backtest/runs/${runId}`);
    check(stored.runId === runId, `GET /backtest/runs/${runId} has runId ${stored.runId}`);
    const r = stored.request;
    check(r.symbol === 'BTCUSDT' && r.timeframe === '1h' && r.start === '2024-01-01' && r.end === '2024-03-31', `stored request is ${JSON.stringify({ symbol: r.symbol, timeframe: r.timeframe, start: r.start, end: r.end })}`);
    check(r.strategy?.name === 'sma_cross', `stored strategy is ${JSON.stringify(r.strategy)}`);
    await expectMetricsMatch(page, '#page-run .result-run', stored);
    const rows = await page.$$eval('#page-run .trades-table tbody tr', (trs) => trs.length);
    check(rows === Math.min(stored.trades.length, 200), `trades table has ${rows} rows, the run ${stored.trades.length} trades`);
    const firstEntry = await page.textContent('#page-run .trades-table tbody tr:first-child td:nth-child(3)');
    const wantEntry = new Date(stored.trades[0].entryTime).toISOString().replace('.000Z', 'Z');
    check(firstEntry?.trim() === wantEntry, `first trade's entry time shows ${firstEntry}, expected UTC ${wantEntry}`);
    for (const f of ['trades.csv', 'equity.csv', 'report']) {
      const href = await page.getAttribute(`#page-run .result-run a[data-file="${f}"]`, 'href');
      check(href && href.endsWith(`/backtest/runs/${runId}/${f}`), `link to ${f} is ${href}`);
    }
  });

  await step('the run\'s charts are drawn', async () => {
    await Promise.race([
      page.waitForSelector('#page-run .result-run .chart-candles canvas', { timeout: 30_000 }),
      page.waitForSelector('#page-run .result-run .chart-slot .error', { timeout: 30_000 }).then(async () => fail(`bars.json failed: ${await page.textContent('#page-run .chart-slot .error')}`)),
    ]);
    const n = await expectChartsDrawn(page, '#page-run .result-run', { minCharts: 3 });
    check(n === 3, `expected candles, equity and drawdown charts, found ${n}`);
    await shot(page, '01-run.png');
  });

  await step('optimize a small grid', async () => {
    await page.click('nav a[data-route=optimize]');
    const p = '#page-optimize';
    await page.waitForSelector(`${p} form`);
    await page.fill(`${p} input[name=symbol]`, 'BTCUSDT');
    await page.selectOption(`${p} select[name=timeframe]`, '1h');
    await page.fill(`${p} input[name=start]`, '2024-01-01');
    await page.fill(`${p} input[name=end]`, '2024-03-31');
    await page.selectOption(`${p} select[name=strategy]`, 'sma_cross');
    for (const [name, from, to, stepV] of [
      ['fast', 5, 15, 5],
      ['slow', 20, 40, 10],
    ]) {
      await page.selectOption(`${p} select[name="grid.${name}.mode"]`, 'range');
      await page.fill(`${p} input[name="grid.${name}.from"]`, String(from));
      await page.fill(`${p} input[name="grid.${name}.to"]`, String(to));
      await page.fill(`${p} input[name="grid.${name}.step"]`, String(stepV));
    }
    await page.click('#optimize-submit');
    await waitForResult(page, p, '.result-optimize');
    const cells = await page.$$eval(`${p} svg.optimize-heatmap rect.cell:not(.empty)`, (r) => r.length);
    check(cells === 9, `the heatmap has ${cells} filled cells, expected 9 (fast 5..15 × slow 20..40)`);
    check(await page.isVisible(`${p} [data-guard=overfitting]`), 'the overfitting guard is not shown');
    const dsr = await page.textContent(`${p} [data-guard=overfitting]`);
    check(/DSR/.test(dsr ?? ''), 'the guard does not show the DSR');
    const optId = await page.getAttribute(`${p} .result-optimize .run-id a`, 'data-run-id').catch(() => null);
    if (optId) {
      const stored = await api(`/backtest/runs/${optId}`);
      check(stored.evaluated === 9, `stored optimize evaluated ${stored.evaluated}`);
      const href = await page.getAttribute(`${p} .result-optimize a[data-file="combinations.csv"]`, 'href');
      check(href?.endsWith(`/backtest/runs/${optId}/combinations.csv`), `combinations.csv link is ${href}`);
    } else {
      fail('the optimize answer has no runId');
    }
    await shot(page, '02-optimize.png');
  });

  await step('clicking a heatmap cell runs that combination', async () => {
    const cell = page.locator('#page-optimize svg.optimize-heatmap rect.cell:not(.empty)').nth(0);
    const title = await cell.locator('title').textContent();
    const params = Object.fromEntries([...title.matchAll(/(\w+)=(\d+(?:\.\d+)?)/g)].map((m) => [m[1], Number(m[2])]));
    check(params.fast && params.slow, `cannot read the cell's params from ${JSON.stringify(title)}`);
    await cell.click();
    await page.waitForURL(/#\/runs\/run_[0-9a-f]{32}$/, { timeout: JOB_TIMEOUT });
    combinationRunId = page.url().split('/').pop();
    await page.waitForSelector('#page-detail .result-run');
    const stored = await api(`/backtest/runs/${combinationRunId}`);
    const got = stored.request.strategy.params;
    check(got.fast === params.fast && got.slow === params.slow, `the cell was fast=${params.fast}, slow=${params.slow}; the run has ${JSON.stringify(got)}`);
    await expectMetricsMatch(page, '#page-detail .result-run', stored);
    await expectChartsDrawn(page, '#page-detail .result-run', { minCharts: 3 });
    await shot(page, '03-combination-run.png');
  });

  await step('walk-forward page', async () => {
    await page.click('nav a[data-route=walkforward]');
    const p = '#page-walkforward';
    await page.waitForSelector(`${p} form`);
    for (const [name, from, to, stepV] of [
      ['fast', 5, 15, 5],
      ['slow', 20, 40, 10],
    ]) {
      await page.selectOption(`${p} select[name="grid.${name}.mode"]`, 'range');
      await page.fill(`${p} input[name="grid.${name}.from"]`, String(from));
      await page.fill(`${p} input[name="grid.${name}.to"]`, String(to));
      await page.fill(`${p} input[name="grid.${name}.step"]`, String(stepV));
    }
    await page.click('#walkforward-submit');
    await waitForResult(page, p, '.result-walkforward');
    check(await page.isVisible(`${p} [data-verdict]`), 'no verdict shown');
    const folds = await page.$$eval(`${p} table.folds tbody tr`, (r) => r.length);
    check(folds > 0, 'no folds shown');
    await expectChartsDrawn(page, `${p} .result-walkforward`, { minCharts: 2 });
    await shot(page, '04-walkforward.png');
  });

  await step('portfolio page', async () => {
    await page.click('nav a[data-route=portfolio]');
    const p = '#page-portfolio';
    await page.waitForSelector(`${p} form`);
    await page.click('#portfolio-submit');
    await waitForResult(page, p, '.result-portfolio');
    const n = await page.$$eval(`${p} table.assets tbody tr`, (r) => r.length);
    const cells = await page.$$eval(`${p} svg.correlation-heatmap rect.cell`, (r) => r.length);
    check(cells === n * n, `correlation heatmap has ${cells} cells for ${n} assets`);
    await expectChartsDrawn(page, `${p} .result-portfolio`, { minCharts: 2 });
    await shot(page, '05-portfolio.png');
  });

  await step('Runs lists the stored runs and opens one', async () => {
    await page.click('nav a[data-route=runs]');
    const p = '#page-runs';
    await page.waitForSelector(`${p} table.runs tr[data-run-id="${runId}"]`);
    const listed = await api('/backtest/runs?limit=50');
    const entry = listed.runs.find((r) => r.runId === runId);
    check(entry, `GET /backtest/runs does not list ${runId}`);
    const rowText = await page.textContent(`${p} tr[data-run-id="${runId}"]`);
    check(rowText.includes(fmt.totalReturn(entry.totalReturn)), `the row of ${runId} does not show totalReturn ${fmt.totalReturn(entry.totalReturn)}: ${rowText}`);
    // Overlay the two single runs.
    await page.check(`${p} input[type=checkbox][data-run-id="${runId}"]`);
    await page.check(`${p} input[type=checkbox][data-run-id="${combinationRunId}"]`);
    await page.click('#overlay-selected');
    await page.waitForSelector(`${p} .chart-overlay canvas`);
    await expectChartsDrawn(page, `${p} .overlay-slot`, { minCharts: 1 });
    await shot(page, '06-runs.png');
    await page.click(`${p} tr[data-run-id="${runId}"] a.open-run`);
    await page.waitForURL(new RegExp(`#/runs/${runId}$`));
    await page.waitForSelector('#page-detail .result-run');
    const stored = await api(`/backtest/runs/${runId}`);
    await expectMetricsMatch(page, '#page-detail .result-run', stored);
    await expectChartsDrawn(page, '#page-detail .result-run', { minCharts: 3 });
    await shot(page, '07-stored-run.png');
  });

  await step('the report renders with the network cut off', async () => {
    const reportUrl = `${BASE}/backtest/runs/${runId}/report`;
    const ctx = await browser.newContext({ viewport: { width: 1200, height: 1000 }, extraHTTPHeaders: TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {} });
    const rp = await ctx.newPage();
    const blocked = [];
    const errors = [];
    rp.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    rp.on('pageerror', (e) => errors.push(e.message));
    await rp.route('**/*', (route) => {
      if (route.request().url() === reportUrl) return route.continue();
      blocked.push(route.request().url());
      return route.abort();
    });
    const res = await rp.goto(reportUrl, { waitUntil: 'load' });
    check(res && res.ok(), `GET ${reportUrl} answered ${res?.status()}`);
    check((res.headers()['content-type'] ?? '').includes('text/html'), `the report is ${res.headers()['content-type']}, not HTML`);
    await ctx.setOffline(true);
    await rp.waitForTimeout(500);
    const tables = await rp.$$eval('table', (ts) => ts.map((t) => t.textContent ?? ''));
    check(tables.some((t) => /sharpe/i.test(t)), `the report has no metrics table (a <table> mentioning Sharpe); ${tables.length} table(s)`);
    await rp.screenshot({ path: join(ARTIFACTS, '08-report.png'), fullPage: true });
    await ctx.close();
    check(blocked.length === 0, `the report is not self-contained, it requested:\n  ${blocked.join('\n  ')}`);
    check(errors.length === 0, `the report logged errors:\n  ${errors.join('\n  ')}`);
  });
} catch (e) {
  status = 1;
  if (!(e instanceof Failure)) console.log(`not ok - ${e?.stack ?? e}`);
  else console.log(e.message);
} finally {
  await browser.close().catch(() => {});
}
console.log(`${status === 0 ? 'PASS' : 'FAIL'}: ${results.length} step(s) passed; screenshots in ${ARTIFACTS}`);
process.exit(status);
