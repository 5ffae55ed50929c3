import type { IncomingHttpHeaders } from 'node:http';
import { createRandom, type Random } from '../model/prng.js';
import { parseFault, type Fault } from './fault.js';

/** Global fault injection: a share of requests fails, reproducibly for a given seed. */
export interface GlobalFaults {
  /** Probability in [0, 1] that a model call gets a fault. */
  rate: number;
  /** Seed of the draw (default: the emulator's seed, else 0). */
  seed?: number;
  /** Faults to draw from (default `['429', '500', '503']`), in the header syntax. */
  kinds?: string[];
}

export const faultHeader = 'x-emulator-fault';
export const faultTimesHeader = 'x-emulator-fault-times';
export const requestKeyHeader = 'x-emulator-request-key';

export type HeaderFault = { fault: Fault } | { invalid: string } | undefined;

/**
 * Decides which requests get a fault. Per request, the `x-emulator-fault` header names one; with
 * `x-emulator-fault-times: k` it fires only on the first k requests with the same key (the
 * `x-emulator-request-key` header, else the route and the exact body), so that a retry succeeds.
 */
export class FaultInjector {
  private random: Random;
  private readonly kinds: Fault[];
  private readonly rate: number;
  private readonly seed: number;
  private readonly attempts = new Map<string, number>();

  constructor(options: GlobalFaults | undefined, defaultSeed = 0) {
    this.rate = options?.rate ?? 0;
    this.seed = options?.seed ?? defaultSeed;
    this.random = createRandom(this.seed);
    this.kinds = (options?.kinds ?? ['429', '500', '503']).map((k) => {
      const fault = parseFault(k);
      if (!fault) throw new Error(`invalid fault kind ${k}`);
      return fault;
    });
  }

  /** Reads the fault headers of a request. `key` builds the default request key lazily. */
  fromHeaders(headers: IncomingHttpHeaders, key: () => string): HeaderFault {
    const raw = headers[faultHeader];
    if (raw === undefined) return undefined;
    const text = Array.isArray(raw) ? raw[0]! : raw;
    const fault = parseFault(text);
    if (!fault) return { invalid: text };
    const timesRaw = headers[faultTimesHeader];
    if (timesRaw === undefined) return { fault };
    const times = Number(Array.isArray(timesRaw) ? timesRaw[0] : timesRaw);
    if (!Number.isInteger(times) || times < 0)
      return { invalid: `${faultTimesHeader}: ${String(timesRaw)}` };
    const explicit = headers[requestKeyHeader];
    const id = explicit === undefined ? key() : Array.isArray(explicit) ? explicit[0]! : explicit;
    const seen = this.attempts.get(id) ?? 0;
    this.attempts.set(id, seen + 1);
    return seen < times ? { fault } : undefined;
  }

  /** Draws the global fault for one model call. */
  draw(): Fault | undefined {
    if (this.rate <= 0) return undefined;
    if (this.random() >= this.rate) return undefined;
    return this.kinds[Math.floor(this.random() * this.kinds.length)];
  }

  reset(): void {
    this.attempts.clear();
    this.random = createRandom(this.seed);
  }
}
