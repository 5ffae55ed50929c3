import { cpus, loadavg, totalmem } from 'node:os';

/** The machine a run happened on, for the result files. */
export interface MachineInfo {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: process.platform,
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node.js ${m.node}, ${m.platform}`;
}

/** The 1, 5 and 15 minute load averages, rounded: how busy the shared machine was. */
export function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
}
