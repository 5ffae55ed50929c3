/** The counters behind `stats()`; the stores supply the counts of what they hold. */
export class StatsRecorder {
  requests: Record<string, number> = {};
  modelCallsTotal = 0;
  modelCallsInFlight = 0;
  modelCallsMaxInFlight = 0;
  openStreams = 0;
  completedStreams = 0;
  abortedStreams = 0;
  toolCalls = 0;
  faultsInjected: Record<string, number> = {};
  rateLimited = 0;
  jobsCreated = 0;
  jobsByMetadata: Record<string, Record<string, number>> = {};

  countRequest(route: string): void {
    this.requests[route] = (this.requests[route] ?? 0) + 1;
  }

  /** Marks a model call as started; call the returned function once when it ends. */
  startModelCall(): () => void {
    this.modelCallsTotal++;
    this.modelCallsInFlight++;
    if (this.modelCallsInFlight > this.modelCallsMaxInFlight) {
      this.modelCallsMaxInFlight = this.modelCallsInFlight;
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.modelCallsInFlight--;
    };
  }

  /** Marks a stream as open; pass the returned function as `playFrames`' `onEnd`. */
  startStream(): (outcome: 'completed' | 'aborted' | 'dropped') => void {
    this.openStreams++;
    return (outcome) => {
      this.openStreams--;
      if (outcome === 'completed') this.completedStreams++;
      else if (outcome === 'aborted') this.abortedStreams++;
    };
  }

  countFault(label: string): void {
    this.faultsInjected[label] = (this.faultsInjected[label] ?? 0) + 1;
  }

  countJob(metadata: Record<string, string> | null | undefined): void {
    this.jobsCreated++;
    for (const [key, value] of Object.entries(metadata ?? {})) {
      const byValue = (this.jobsByMetadata[key] ??= {});
      byValue[value] = (byValue[value] ?? 0) + 1;
    }
  }

  /** Clears every counter. Calls still in flight keep counting down from their own start. */
  reset(): void {
    this.requests = {};
    this.modelCallsTotal = 0;
    this.modelCallsMaxInFlight = this.modelCallsInFlight;
    this.completedStreams = 0;
    this.abortedStreams = 0;
    this.toolCalls = 0;
    this.faultsInjected = {};
    this.rateLimited = 0;
    this.jobsCreated = 0;
    this.jobsByMetadata = {};
  }
}
