/**
 * Rounds per benchmark for a full `pnpm bench`, chosen so that the whole run stays under
 * 15 minutes on the 2-core machine while every median still has at least 5 measured rounds.
 * `--rounds` / `--warmup` on the command line override these for every selected benchmark.
 */
export interface RoundPlan {
  rounds: number;
  warmup: number;
}

export const DEFAULT_PLAN: RoundPlan = { rounds: 5, warmup: 1 };

export const plan: Record<string, RoundPlan> = {};

export function planFor(name: string, override: Partial<RoundPlan>): RoundPlan {
  const base = plan[name] ?? DEFAULT_PLAN;
  return { rounds: override.rounds ?? base.rounds, warmup: override.warmup ?? base.warmup };
}
