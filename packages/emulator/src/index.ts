export { startEmulator, type Emulator } from './start-emulator.js';
export type { EmulatorOptions, BatchFaultKind } from './options.js';
export type { ErrorShape } from './http/http-error.js';
export type { EmulatorStats } from './stats/emulator-stats.js';
export type { GlobalFaults } from './faults/fault-injector.js';
export { faultHeader, faultTimesHeader, requestKeyHeader } from './faults/fault-injector.js';
export { parseFault, type Fault } from './faults/fault.js';
export type {
  ScenarioRule,
  ScenarioMatch,
  ScenarioFile,
  ScenarioEndpoint,
} from './scenarios/scenario.js';
export { EmulatorError, type EmulatorErrorOptions } from './errors/emulator-error.js';
export { EmulatorConfigError } from './errors/emulator-config-error.js';
