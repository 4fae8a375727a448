// How the app writes numbers and times. tests/web formats the API's values the same way to
// compare them with the page: keep the two in step.

/** UTC ISO-8601, without milliseconds when they are zero: 2024-01-04T15:00:00Z. */
export function isoTime(ms: number | string | null | undefined): string {
  if (ms === null || ms === undefined || ms === '') return '—';
  const d = typeof ms === 'number' ? new Date(ms) : new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  return d.toISOString().replace('.000Z', 'Z');
}

/** UTC date only: 2024-01-04. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const DASH = '—';

export function pct(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? DASH : `${(v * 100).toFixed(digits)}%`;
}

export function fixed(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? DASH : v.toFixed(digits);
}

export function int(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? DASH : String(Math.round(v));
}

export function money(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? DASH : v.toFixed(2);
}

/** A price or quantity: up to 8 significant decimals, no trailing zeros. */
export function price(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return String(Number(v.toPrecision(10)));
}

type Kind = 'pct' | 'ratio' | 'int' | 'money';

/** The metrics of docs/api.md with their label and kind, in display order. */
export const METRICS: [key: string, label: string, kind: Kind][] = [
  ['totalReturn', 'Total return', 'pct'],
  ['finalEquity', 'Final equity', 'money'],
  ['cagr', 'CAGR', 'pct'],
  ['sharpe', 'Sharpe', 'ratio'],
  ['sortino', 'Sortino', 'ratio'],
  ['calmar', 'Calmar', 'ratio'],
  ['volatility', 'Volatility (annual)', 'pct'],
  ['maxDrawdown', 'Max drawdown', 'pct'],
  ['maxDrawdownDurationBars', 'Max drawdown duration (bars)', 'int'],
  ['numTrades', 'Trades', 'int'],
  ['winRate', 'Win rate', 'pct'],
  ['profitFactor', 'Profit factor', 'ratio'],
  ['avgTradeReturn', 'Average trade return', 'pct'],
  ['bestTrade', 'Best trade', 'pct'],
  ['worstTrade', 'Worst trade', 'pct'],
  ['exposure', 'Exposure', 'pct'],
  ['totalFees', 'Total fees', 'money'],
  ['totalFunding', 'Total funding', 'money'],
  ['buyAndHoldReturn', 'Buy-and-hold return', 'pct'],
];

const KIND: Record<string, Kind> = Object.fromEntries(METRICS.map(([k, , kind]) => [k, kind]));

/**
 * A metric as the page shows it: percentages with 2 decimals (totalReturn 0.153689 → "15.37%"),
 * ratios with 3 (sharpe → "1.692"), counts as integers. profitFactor null means no losing trade: "∞".
 */
export function formatMetric(key: string, v: number | null | undefined): string {
  if (key === 'profitFactor' && v === null) return '∞';
  switch (KIND[key] ?? 'ratio') {
    case 'pct':
      return pct(v);
    case 'int':
      return int(v);
    case 'money':
      return money(v);
    default:
      return fixed(v);
  }
}

export function formatParams(p: Record<string, number> | null | undefined): string {
  if (!p) return DASH;
  return Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}
