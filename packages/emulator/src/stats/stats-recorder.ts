import { dictionary } from '../http/dictionary.js';

/**
 * The counters behind `stats()`; the stores supply the counts of what they hold. Counters keyed by
 * strings from requests (routes, metadata keys and values) are Maps, so that no key can reach an
 * object's prototype; `requestsRecord()` and the other readers turn them into prototype-less
 * objects for JSON.
 */
export class StatsRecorder {
  private requests = new Map<string, number>();
  modelCallsTotal = 0;
  modelCallsInFlight = 0;
  modelCallsMaxInFlight = 0;
  openStreams = 0;
  completedStreams = 0;
  abortedStreams = 0;
  toolCalls = 0;
  private faults = new Map<string, number>();
  rateLimited = 0;
  jobsCreated = 0;
  private jobsByMetadata = new Map<string, Map<string, number>>();

  countRequest(route: string): void {
    this.requests.set(route, (this.requests.get(route) ?? 0) + 1);
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
    this.faults.set(label, (this.faults.get(label) ?? 0) + 1);
  }

  countJob(metadata: Record<string, string> | null | undefined): void {
    this.jobsCreated++;
    for (const [key, value] of Object.entries(metadata ?? {})) {
      let byValue = this.jobsByMetadata.get(key);
      if (!byValue) this.jobsByMetadata.set(key, (byValue = new Map<string, number>()));
      byValue.set(value, (byValue.get(value) ?? 0) + 1);
    }
  }

  /** Requests by route, as a prototype-less object. */
  requestsRecord(): Record<string, number> {
    return dictionary(this.requests);
  }

  /** Injected faults by kind, as a prototype-less object. */
  faultsRecord(): Record<string, number> {
    return dictionary(this.faults);
  }

  /** Jobs created by metadata key then value, as prototype-less objects. */
  jobsByMetadataRecord(): Record<string, Record<string, number>> {
    return dictionary(
      [...this.jobsByMetadata].map(([key, byValue]) => [key, dictionary(byValue)] as const),
    );
  }

  /** Clears every counter. Calls still in flight keep counting down from their own start. */
  reset(): void {
    this.requests = new Map();
    this.modelCallsTotal = 0;
    this.modelCallsMaxInFlight = this.modelCallsInFlight;
    this.completedStreams = 0;
    this.abortedStreams = 0;
    this.toolCalls = 0;
    this.faults = new Map();
    this.rateLimited = 0;
    this.jobsCreated = 0;
    this.jobsByMetadata = new Map();
  }
}
