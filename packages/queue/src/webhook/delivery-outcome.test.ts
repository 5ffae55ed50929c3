import { describe, expect, it } from 'vitest';
import { deliveryOutcome } from './delivery-outcome.js';

describe('deliveryOutcome', () => {
  it('treats every 2xx as delivered, 410 as gone and everything else as a retry', () => {
    expect([200, 202, 204, 299].map(deliveryOutcome)).toEqual(Array(4).fill('delivered'));
    expect(deliveryOutcome(410)).toBe('gone');
    expect([301, 400, 404, 429, 500, 503].map(deliveryOutcome)).toEqual(Array(6).fill('retry'));
  });
});
