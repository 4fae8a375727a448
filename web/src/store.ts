// What the pages share: the strategies list, and answers just received (so opening a run that
// was answered a moment ago needs no second request).

import { get } from './api';
import type { AnyAnswer, StrategyInfo } from './types';

let strategies: Promise<StrategyInfo[]> | null = null;

export function loadStrategies(): Promise<StrategyInfo[]> {
  if (!strategies) {
    strategies = get<{ strategies: StrategyInfo[] }>('/strategies').then((a) => a.strategies);
    strategies.catch(() => {
      strategies = null;
    });
  }
  return strategies;
}

const recent = new Map<string, AnyAnswer>();

export function remember(answer: AnyAnswer): void {
  const id = (answer as { runId?: string }).runId;
  if (!id) return;
  recent.set(id, answer);
  while (recent.size > 20) recent.delete(recent.keys().next().value as string);
}

export function recalled(runId: string): AnyAnswer | undefined {
  return recent.get(runId);
}

export function forget(runId: string): void {
  recent.delete(runId);
}
