import { createRandom, hashString } from '../model/prng.js';

/** A deterministic unit vector for a text (1024 dimensions, like mistral-embed). */
export function embed(text: string, dimensions = 1024): number[] {
  const random = createRandom(hashString(text));
  const vector = Array.from({ length: dimensions }, () => random() * 2 - 1);
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0)) || 1;
  return vector.map((v) => Math.round((v / norm) * 1e6) / 1e6);
}
