import type { ServerResponse } from 'node:http';
import { AgentStore } from '../agents/agent-store.js';
import { ConversationStore } from '../conversations/conversation-store.js';
import { FaultInjector } from '../faults/fault-injector.js';
import { systemClock, type Clock } from '../http/clock.js';
import { Timers } from '../http/timers.js';
import { TokenBucket } from '../http/token-bucket.js';
import type { EmulatorOptions, ResolvedOptions } from '../options.js';
import { resolveOptions } from '../options.js';
import { checkScenarios, loadScenarioFile } from '../scenarios/scenario.js';
import { ScenarioMatcher } from '../scenarios/scenario-matcher.js';
import type { EmulatorStats } from '../stats/emulator-stats.js';
import { StatsRecorder } from '../stats/stats-recorder.js';

/** Everything one emulator instance holds: options, counters, timers and stores. */
export class EmulatorRuntime {
  readonly options: ResolvedOptions;
  readonly clock: Clock;
  readonly stats = new StatsRecorder();
  readonly timers = new Timers();
  readonly faults: FaultInjector;
  readonly scenarios?: ScenarioMatcher;
  readonly rateLimit?: TokenBucket;
  readonly agents: AgentStore;
  readonly conversations = new ConversationStore();
  /** Responses held open by a `timeout` fault, destroyed by `close()`. */
  readonly held = new Set<ServerResponse>();
  openConnections = 0;

  constructor(options: EmulatorOptions, clock: Clock = systemClock) {
    this.options = resolveOptions(options);
    this.clock = clock;
    this.faults = new FaultInjector(options.faults, this.options.seed);
    if (options.scenarios !== undefined) {
      const rules =
        typeof options.scenarios === 'string'
          ? loadScenarioFile(options.scenarios)
          : checkScenarios(options.scenarios);
      this.scenarios = new ScenarioMatcher(rules);
    }
    if (this.options.rps !== undefined)
      this.rateLimit = new TokenBucket(this.options.rps, () => clock.now());
    this.agents = new AgentStore(() => clock.now());
  }

  snapshot(): EmulatorStats {
    const s = this.stats;
    return {
      requests: { ...s.requests },
      modelCalls: {
        total: s.modelCallsTotal,
        inFlight: s.modelCallsInFlight,
        maxInFlight: s.modelCallsMaxInFlight,
      },
      openStreams: s.openStreams,
      completedStreams: s.completedStreams,
      abortedStreams: s.abortedStreams,
      toolCalls: s.toolCalls,
      faultsInjected: { ...s.faultsInjected },
      rateLimited: s.rateLimited,
      openConnections: this.openConnections,
      activeTimers: this.timers.size,
      files: 0,
      agents: this.agents.size,
      conversations: this.conversations.size,
      jobsCreated: s.jobsCreated,
      jobsByStatus: {},
      jobsByMetadata: structuredClone(s.jobsByMetadata),
    };
  }

  /** Clears counters and stored agents and conversations; rate limit, fault draws and scenario counts restart. */
  reset(): void {
    this.stats.reset();
    this.faults.reset();
    this.scenarios?.reset();
    this.rateLimit?.reset();
    this.agents.clear();
    this.conversations.clear();
  }
}
