/**
 * What `stats()` and `GET /_emulator/stats` report. Other packages' tests read these names. The
 * records keyed by strings from requests are objects without a prototype: every key (`__proto__`
 * included) is an own key, and nothing is inherited.
 */
export interface EmulatorStats {
  /** Requests by route, such as `POST /v1/chat/completions` (unknown paths count as `<METHOD> (unmatched)`). */
  requests: Record<string, number>;
  /** Chat, agents and conversation completions, streamed or not. `maxInFlight` is the peak since start or reset. */
  modelCalls: { total: number; inFlight: number; maxInFlight: number };
  openStreams: number;
  completedStreams: number;
  /** Streams whose client closed the connection before the end. */
  abortedStreams: number;
  /** Tool calls the model made. */
  toolCalls: number;
  /** Injected faults by kind (`429`, `500`, `503`, `timeout`, `drop-after`, `slow`, batch faults as `batch:<kind>`). */
  faultsInjected: Record<string, number>;
  /** Requests refused with 429 because of the `rps` limit. */
  rateLimited: number;
  /** Open TCP connections. */
  openConnections: number;
  /** Emulator timers pending (latency, slow faults, batch pacing); 0 after `close()`. */
  activeTimers: number;
  /** Files stored (uploads and batch outputs). */
  files: number;
  agents: number;
  conversations: number;
  jobsCreated: number;
  /** Jobs that exist now, by current status. */
  jobsByStatus: Record<string, number>;
  /** Jobs created, by metadata key then value. */
  jobsByMetadata: Record<string, Record<string, number>>;
}
