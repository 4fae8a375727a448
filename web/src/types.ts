// The answers of the executor, as docs/api.md, optimize.md, walkforward.md and portfolio.md
// describe them (only the fields the app reads).

export type Metrics = Record<string, number | null>;
export type Point = [number, number];

export interface ParamSchema {
  name: string;
  type: 'integer' | 'number';
  default: number;
  min: number;
  max: number;
  description?: string;
}

export interface StrategyInfo {
  name: string;
  description: string;
  params: ParamSchema[];
  constraint: string | null;
  lookbackBars: number;
  rules: RulesStrategy;
}

export interface RulesStrategy {
  params?: Record<string, number>;
  let?: Record<string, string>;
  entry: string;
  exit?: string;
  entryShort?: string;
  exitShort?: string;
  stopLoss?: string;
  takeProfit?: string;
  stopLossShort?: string;
  takeProfitShort?: string;
}

export type StrategySpec = string | { name: string; params?: Record<string, number> } | RulesStrategy;

export interface ValidateAnswer {
  valid: boolean;
  kind: 'rules' | 'builtin';
  name: string;
  params: ParamSchema[];
  constraint: string | null;
  lookbackBars: number;
  strategy: StrategySpec;
  functions: string[];
}

export interface Trade {
  side: 'long' | 'short';
  entryTime: number;
  entryBar: number;
  entryPrice: number;
  exitTime: number;
  exitBar: number;
  exitPrice: number;
  quantity: number;
  fees: number;
  pnl: number;
  return: number;
  open: boolean;
  exitReason?: string;
  funding?: number;
  liquidationPrice?: number | null;
}

export interface Warning {
  code: string;
  message: string;
}

export type Request = Record<string, unknown> & { strategy?: StrategySpec };

export interface RunAnswer {
  runId: string;
  request: Request;
  metrics: Metrics;
  trades: Trade[];
  equity?: Point[];
  warnings: Warning[];
  bars?: { count: number; source?: string; firstOpenTime?: number; lastOpenTime?: number };
  strategy?: { name: string; lookbackBars: number };
  timing?: Record<string, number>;
}

export interface OptimizeRow {
  rank: number;
  params: Record<string, number>;
  objective: number | null;
  metrics: Metrics;
}

export interface Overfitting {
  psr: number | null;
  dsr: number | null;
  trials: number;
  sharpePerBar: number | null;
  expectedMaxSharpePerBar: number | null;
  sharpeVariance: number | null;
  skewness: number | null;
  kurtosis: number | null;
  returns: number;
}

export interface OptimizeAnswer {
  runId?: string;
  request: Request & { grid: Record<string, number[]>; objective: string };
  evaluated: number;
  skipped: number;
  belowMinTrades: number;
  cancelled?: boolean;
  topN: OptimizeRow[];
  best: { params: Record<string, number>; metrics: Metrics; trades: Trade[] } | null;
  overfitting: Overfitting | null;
  warnings: Warning[];
  timing?: Record<string, number>;
}

export interface Window {
  start: number;
  endExclusive: number;
  bars: number;
}

export interface Fold {
  fold: number;
  inSample: Window;
  outOfSample: Window;
  evaluated: number;
  params: Record<string, number> | null;
  inSampleMetrics: Metrics | null;
  outOfSampleMetrics: Metrics | null;
  efficiency: number | null;
  trades: Trade[];
}

export interface WalkforwardAnswer {
  runId?: string;
  request: Request;
  combinationsPerFold: number;
  folds: Fold[];
  verdict: {
    pass: boolean;
    efficiency: number | null;
    threshold: number;
    inSampleAnnualizedReturn: number | null;
    outOfSampleAnnualizedReturn: number | null;
    folds: number;
    foldsAtOrAboveThreshold: number;
    reason: string;
  };
  outOfSample: { equity: Point[]; metrics: Metrics };
  stability?: {
    params: Record<string, { byFold: (number | null)[]; mean: number | null; stdev: number | null; coefficientOfVariation: number | null; distinct: number }>;
    mostChosen?: { params: Record<string, number>; folds: number } | null;
  };
  warnings: Warning[];
}

export interface PortfolioAsset {
  symbol: string;
  weight: number;
  contribution: number;
  finalEquity: number;
  missingOnTimeline: number;
  metrics: Metrics;
  trades: Trade[];
  /** Per-sleeve equity `[[openTime, equity], ...]`, when the answer carries it. */
  equity?: Point[];
}

export interface PortfolioAnswer {
  runId?: string;
  request: Request & { assets: { symbol: string; weight: number; strategy: StrategySpec }[] };
  metrics: Metrics;
  assets: PortfolioAsset[];
  correlation: { symbols: string[]; matrix: (number | null)[][] };
  equity: Point[];
  rebalancing?: { rule: string | number; rebalances: number; turnover: number; fees: number };
  timeline?: { bars: number; firstOpenTime: number; lastOpenTime: number };
  warnings: Warning[];
}

export type AnyAnswer = RunAnswer | OptimizeAnswer | WalkforwardAnswer | PortfolioAnswer;

export interface RunSummary {
  runId: string;
  createdAt?: string | number;
  time?: string;
  route: string;
  symbol?: string;
  timeframe?: string;
  strategy?: string;
  start?: string;
  end?: string;
  totalReturn?: number | null;
  sharpe?: number | null;
  maxDrawdown?: number | null;
  numTrades?: number | null;
  status?: number;
}

export function answerKind(a: AnyAnswer): 'run' | 'optimize' | 'walkforward' | 'portfolio' {
  if ('folds' in a) return 'walkforward';
  if ('topN' in a) return 'optimize';
  if ('assets' in a && 'correlation' in a) return 'portfolio';
  return 'run';
}
