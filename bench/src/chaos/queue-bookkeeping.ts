/** One model call as the recording proxy saw it. */
export interface ModelCall {
  jobId: string;
  /** Which worker process made it (each has its own proxy). */
  worker: string;
  start: number;
  end: number | undefined;
  /** A 200 answer written in full to the worker. */
  ok: boolean;
  /** When the exchange ended, answered or not (the worker gave up, the connection broke). */
  closed?: number;
}

export interface ModelCallCheck {
  calls: number;
  jobs: number;
  /** Calls beyond one per job. */
  extra: number;
  /** Jobs called more than once, every repeat excused (its job was the killed worker's). */
  repeatedJobs: string[];
  /** Repeats that break the rule, and jobs without a successful call. */
  violations: string[];
}

/**
 * The rule: a model call may repeat one that succeeded only when the job was lost with the killed
 * worker, that is when every earlier successful call of the job was the victim's, the repeat
 * started after the kill, and the job had not completed before the kill. A repeat after a
 * failed call (a retry) is fine. Every job needs one successful call, and every call a known job.
 */
export function checkModelCalls(
  calls: readonly ModelCall[],
  finishedOn: ReadonlyMap<string, number | undefined>,
  victim: string,
  killTime: number,
): ModelCallCheck {
  const byJob = new Map<string, ModelCall[]>();
  const violations: string[] = [];
  for (const call of calls) {
    if (!finishedOn.has(call.jobId)) {
      violations.push(`a call for an unknown job "${call.jobId}"`);
      continue;
    }
    const list = byJob.get(call.jobId) ?? [];
    list.push(call);
    byJob.set(call.jobId, list);
  }
  const repeatedJobs: string[] = [];
  for (const [jobId, finished] of finishedOn) {
    const list = [...(byJob.get(jobId) ?? [])].sort((a, b) => a.start - b.start);
    if (!list.some((c) => c.ok)) violations.push(`${jobId}: no successful model call`);
    if (list.length > 1) repeatedJobs.push(jobId);
    for (let k = 1; k < list.length; k++) {
      const repeat = list[k]!;
      for (const earlier of list.slice(0, k)) {
        if (!earlier.ok) continue;
        const excused =
          earlier.worker === victim &&
          repeat.start >= killTime &&
          (finished === undefined || finished > killTime);
        if (!excused) {
          violations.push(
            `${jobId}: called again by ${repeat.worker} at +${repeat.start - earlier.start} ms after a successful call by ${earlier.worker}` +
              (finished !== undefined && finished <= killTime
                ? ' (the job had completed before the kill)'
                : ''),
          );
          break;
        }
      }
    }
  }
  return {
    calls: calls.length,
    jobs: finishedOn.size,
    extra: calls.length - finishedOn.size,
    repeatedJobs,
    violations,
  };
}
