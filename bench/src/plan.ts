/**
 * Rounds per benchmark for a full `pnpm bench`, chosen so that the whole run stays under
 * 15 minutes on the 2-core machine while every median still has at least 3 measured rounds.
 * `--rounds` / `--warmup` on the command line override these for every selected benchmark.
 */
export interface RoundPlan {
  rounds: number;
  warmup: number;
}

export const DEFAULT_PLAN: RoundPlan = { rounds: 5, warmup: 1 };

/**
 * Measured on the 2-core machine with 5 rounds and 1 warm-up everywhere: agents about 3.5 min
 * (three 10,000-conversation memory probes of ~1 min each, tied to the rounds), queue about 3 min
 * on a busy machine (20,000 jobs per round), batch-jsonl 80 s, emulator-batch 70 s, emulator
 * 60 s, concurrency 45 s (30 s of it the limiter), stream and visualizer 15 s each: 12 minutes or
 * more on a busy day, too close to the limit. The emulator runs (each round already averages a
 * 5 s load or a 100,000-line job) get 3 rounds; the cheap CPU-per-chunk stream benchmark, whose
 * 1.10 goal is the tightest, gets 9. Round counts stay odd, so that a median is a measured round.
 */
export const plan: Record<string, RoundPlan> = {
  stream: { rounds: 9, warmup: 2 },
  emulator: { rounds: 3, warmup: 1 },
  'emulator-batch': { rounds: 3, warmup: 1 },
  // About 6 s a round; its 1.05 goals (tracing on against off) need more rounds than most.
  otel: { rounds: 9, warmup: 2 },
  // About 15 s a round: four stores, 200 writes per writer at concurrency 1 and 50.
  store: { rounds: 3, warmup: 1 },
  // About 12 s a kill-and-takeover round per store (5 kills); the first kill is not a warm-up.
  takeover: { rounds: 3, warmup: 0 },
  // Each pass starts a fresh relay, which warms itself up, and takes ~10 s (1,000 streams of 3 s
  // opened over 1 s, three paths per round): no warm-up round.
  relay: { rounds: 3, warmup: 0 },
};

/**
 * Benchmarks that run only when named (`pnpm bench relay`), never in a run of all of them:
 * relay loads the machine with 1,000 streams per pass (the emulator, the relay and the client
 * each take a core or more), takes minutes on a busy machine, and would push a full run past its
 * 15 minutes.
 */
export const optIn: ReadonlySet<string> = new Set(['relay']);

export function planFor(name: string, override: Partial<RoundPlan>): RoundPlan {
  const base = plan[name] ?? DEFAULT_PLAN;
  return { rounds: override.rounds ?? base.rounds, warmup: override.warmup ?? base.warmup };
}
