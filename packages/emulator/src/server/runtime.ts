import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { AgentStore } from '../agents/agent-store.js';
import { BatchEngine } from '../batch/batch-engine.js';
import { ConnectorStore } from '../connectors/connector-store.js';
import { ConversationStore } from '../conversations/conversation-store.js';
import { FaultInjector } from '../faults/fault-injector.js';
import { systemClock, type Clock } from '../http/clock.js';
import { dictionary } from '../http/dictionary.js';
import { RateLimits } from '../http/rate-limits.js';
import { Timers } from '../http/timers.js';
import { ModelCatalogue } from '../models/model-catalogue.js';
import type { EmulatorOptions, ResolvedOptions } from '../options.js';
import { resolveOptions } from '../options.js';
import { checkScenarios, loadScenarioFile } from '../scenarios/scenario.js';
import { ScenarioMatcher } from '../scenarios/scenario-matcher.js';
import type { EmulatorStats } from '../stats/emulator-stats.js';
import { StatsRecorder } from '../stats/stats-recorder.js';
import { FileStore } from '../storage/file-store.js';
import { JobStore } from '../storage/job-store.js';

/** Everything one emulator instance holds: options, counters, timers, stores and the batch engine. */
export class EmulatorRuntime {
  readonly options: ResolvedOptions;
  readonly clock: Clock;
  readonly stats = new StatsRecorder();
  readonly timers = new Timers();
  readonly faults: FaultInjector;
  readonly scenarios?: ScenarioMatcher;
  /** The served models: Mistral's list and the configured `models`. */
  readonly models: ModelCatalogue;
  /** The `rps` limit and the per-key budgets, when any is set. */
  readonly rateLimits?: RateLimits;
  readonly agents: AgentStore;
  readonly conversations = new ConversationStore();
  readonly connectors: ConnectorStore;
  readonly files: FileStore;
  readonly jobs: JobStore;
  readonly batch: BatchEngine;
  /** Signs file download URLs. */
  readonly signingSecret = randomBytes(32).toString('hex');
  /** Responses held open by a `timeout` fault, destroyed by `close()`. */
  readonly held = new Set<ServerResponse>();
  openConnections = 0;

  constructor(options: EmulatorOptions, clock: Clock = systemClock) {
    this.options = resolveOptions(options);
    this.clock = clock;
    this.models = new ModelCatalogue(this.options.models);
    this.faults = new FaultInjector(options.faults, this.options.seed);
    if (options.scenarios !== undefined) {
      const rules =
        typeof options.scenarios === 'string'
          ? loadScenarioFile(options.scenarios)
          : checkScenarios(options.scenarios);
      this.scenarios = new ScenarioMatcher(rules);
    }
    this.rateLimits = RateLimits.create(this.options, () => clock.now());
    this.agents = new AgentStore(() => clock.now());
    this.connectors = new ConnectorStore(() => clock.now());
    this.files = new FileStore(this.options.dataDir);
    this.jobs = new JobStore(this.options.dataDir);
    this.batch = new BatchEngine({
      files: this.files,
      jobs: this.jobs,
      agents: this.agents,
      models: this.models,
      timers: this.timers,
      clock,
      options: this.options,
      stats: this.stats,
      scenarios: this.scenarios,
    });
  }

  snapshot(): EmulatorStats {
    const s = this.stats;
    return {
      requests: s.requestsRecord(),
      modelCalls: {
        total: s.modelCallsTotal,
        inFlight: s.modelCallsInFlight,
        maxInFlight: s.modelCallsMaxInFlight,
      },
      openStreams: s.openStreams,
      completedStreams: s.completedStreams,
      abortedStreams: s.abortedStreams,
      toolCalls: s.toolCalls,
      faultsInjected: s.faultsRecord(),
      rateLimited: s.rateLimited,
      openConnections: this.openConnections,
      activeTimers: this.timers.size,
      files: this.files.size,
      agents: this.agents.size,
      conversations: this.conversations.size,
      jobsCreated: s.jobsCreated,
      jobsByStatus: this.jobsByStatus(),
      jobsByMetadata: s.jobsByMetadataRecord(),
    };
  }

  private jobsByStatus(): Record<string, number> {
    const counts = new Map<string, number>();
    for (const job of this.jobs.list()) counts.set(job.status, (counts.get(job.status) ?? 0) + 1);
    return dictionary(counts);
  }

  /**
   * Clears counters and stored agents, conversations, connectors, files and jobs (on disk too); rate limits,
   * fault draws and scenario counts restart.
   */
  async reset(): Promise<void> {
    await this.batch.clear();
    await this.files.clear();
    this.stats.reset();
    this.faults.reset();
    this.scenarios?.reset();
    this.rateLimits?.reset();
    this.agents.clear();
    this.conversations.clear();
    this.connectors.clear();
  }
}
