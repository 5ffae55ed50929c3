import { z } from 'zod';
import { parseFault } from '../faults/fault.js';

const faultSyntax = '429, 429:<s>, 500, 502, 503, 504, timeout, drop-after:<n> or slow:<ms>';

function isRegex(source: string): boolean {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
}

/** `match`: every key is optional; unknown keys are refused so that a typo never matches everything. */
export const scenarioMatchSchema = z.strictObject({
  model: z.string().min(1).optional(),
  agent: z.string().min(1).optional(),
  endpoint: z.enum(['chat', 'agents', 'conversations', 'batch']).optional(),
  lastUserMessage: z
    .string()
    .refine(isRegex, { message: 'is not a valid regular expression' })
    .optional(),
  step: z.int().min(1).optional(),
});

export const scenarioToolCallSchema = z.strictObject({
  name: z.string().min(1),
  arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});

export const scenarioErrorSchema = z.strictObject({
  status: z.int().min(400).max(599),
  message: z.string().optional(),
  body: z.unknown().optional(),
  retryAfter: z.number().min(0).optional(),
  midStream: z.boolean().optional(),
});

const outcomes = ['text', 'toolCalls', 'error', 'fault'] as const;

/** The keys of one rule, without the cross-key checks. */
export const scenarioRuleShape = z.strictObject({
  name: z.string().min(1).optional(),
  match: scenarioMatchSchema.optional(),
  text: z.string().optional(),
  toolCalls: z.array(scenarioToolCallSchema).min(1).optional(),
  error: scenarioErrorSchema.optional(),
  fault: z
    .string()
    .refine((text) => parseFault(text) !== undefined, {
      message: `is not a fault (${faultSyntax})`,
    })
    .optional(),
  times: z.int().min(1).optional(),
});

/** One rule: its keys, and exactly one outcome. */
export const scenarioRuleSchema = scenarioRuleShape.superRefine((rule, ctx) => {
  const given = outcomes.filter((key) => rule[key] !== undefined);
  if (given.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: `needs exactly one of ${outcomes.join(', ')} (has ${given.length === 0 ? 'none' : given.join(', ')})`,
      path: [],
    });
  }
});

/** The known keys of each object in a rule, by the path of the object (`''`, `match`, ...). */
export function knownKeys(path: readonly PropertyKey[]): string[] {
  const objects: Record<string, { shape: Record<string, unknown> }> = {
    '': scenarioRuleShape,
    match: scenarioMatchSchema,
    error: scenarioErrorSchema,
    toolCalls: scenarioToolCallSchema,
  };
  const schema = objects[path.length === 0 ? '' : String(path[0])];
  return schema ? Object.keys(schema.shape) : [];
}
