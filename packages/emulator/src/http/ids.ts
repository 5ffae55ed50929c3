import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Fast unique ids in the real API's formats: a random per-process prefix plus a counter, so that no
 * request pays for a cryptographic draw.
 */
const processPrefix = randomBytes(8).toString('hex');
let counter = 0;

/** 32 lowercase hex characters. */
export function hexId(): string {
  counter = (counter + 1) % 0x1_0000_0000_0000;
  return processPrefix + counter.toString(16).padStart(16, '0');
}

/** `cmpl-…` style ids: `prefix` + 32 hex characters (`ag_`, `conv_`, `msg_`, `fc_`…). */
export function prefixedId(prefix: string): string {
  return prefix + hexId();
}

/** A random RFC 4122 version 4 UUID (files and batch jobs). */
export function uuid(): string {
  return randomUUID();
}
