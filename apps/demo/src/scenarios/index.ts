import type { Scenario, ScenarioName } from '../scenario.js';
import { agentsScenario } from './agents.js';
import { batchScenario } from './batch.js';
import { concurrentScenario } from './concurrent.js';
import { queueScenario } from './queue.js';
import { streamScenario } from './stream.js';
import { supportScenario } from './support.js';

/** Every scenario, by name. */
export const SCENARIOS: Record<ScenarioName, Scenario> = {
  agents: agentsScenario,
  support: supportScenario,
  stream: streamScenario,
  batch: batchScenario,
  queue: queueScenario,
  concurrent: concurrentScenario,
};
