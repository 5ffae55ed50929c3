import { z } from 'zod';

/** The endpoints a batch job can run (the ones this package validates bodies for). */
export type BatchEndpoint = '/v1/chat/completions' | '/v1/agents/completions' | '/v1/embeddings';

export const BATCH_ENDPOINTS: readonly BatchEndpoint[] = [
  '/v1/chat/completions',
  '/v1/agents/completions',
  '/v1/embeddings',
];

/**
 * One request of a batch: a `customId` to join its result to, and the endpoint's request body in
 * the API's wire format (snake_case, as in the JSONL file: `{ messages, max_tokens, ... }`).
 * `custom_id` is accepted too, as in the JSONL format.
 */
export interface BatchRequest {
  customId: string;
  body: Record<string, unknown>;
}

export type BatchRequestInput = BatchRequest | { custom_id: string; body: Record<string, unknown> };

const content = z.union([z.string(), z.null(), z.array(z.record(z.string(), z.unknown()))]);
const toolCall = z.object({
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.object({
    name: z.string(),
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]),
  }),
  index: z.number().int().optional(),
});
const message = z
  .object({
    role: z.enum(['system', 'user', 'assistant', 'tool']),
    content: content.optional(),
    name: z.string().optional(),
    tool_call_id: z.string().optional(),
    tool_calls: z.array(toolCall).nullable().optional(),
    prefix: z.boolean().optional(),
  })
  .strict();

const sampling = {
  max_tokens: z.number().int().positive().optional(),
  stop: z.union([z.string(), z.array(z.string())]).optional(),
  random_seed: z.number().int().nonnegative().optional(),
  response_format: z.record(z.string(), z.unknown()).optional(),
  tools: z.array(z.record(z.string(), z.unknown())).nullable().optional(),
  tool_choice: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  presence_penalty: z.number().optional(),
  frequency_penalty: z.number().optional(),
  n: z.number().int().positive().optional(),
  prediction: z.record(z.string(), z.unknown()).optional(),
  parallel_tool_calls: z.boolean().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  reasoning_effort: z.string().optional(),
  prompt_mode: z.string().nullable().optional(),
  guardrails: z.array(z.record(z.string(), z.unknown())).optional(),
  stream: z.literal(false).optional(),
};

/** Request bodies per endpoint. Unknown fields are refused, as the API refuses them. */
export const bodySchemas: Record<BatchEndpoint, z.ZodType> = {
  '/v1/chat/completions': z
    .object({
      model: z.string().min(1).optional(),
      messages: z.array(message).min(1),
      temperature: z.number().min(0).optional(),
      top_p: z.number().min(0).max(1).optional(),
      safe_prompt: z.boolean().optional(),
      ...sampling,
    })
    .strict(),
  '/v1/agents/completions': z
    .object({ agent_id: z.string().optional(), messages: z.array(message).min(1), ...sampling })
    .strict(),
  '/v1/embeddings': z
    .object({
      model: z.string().min(1).optional(),
      input: z.union([z.string(), z.array(z.string()).min(1)]),
      output_dimension: z.number().int().positive().optional(),
      output_dtype: z.string().optional(),
      encoding_format: z.string().optional(),
    })
    .strict(),
};

/** The problem with one request, or undefined when it is valid. */
export function requestProblem(
  request: unknown,
  endpoint: BatchEndpoint,
): { customId?: string; message: string } | undefined {
  if (typeof request !== 'object' || request === null)
    return { message: 'a request must be an object { customId, body }' };
  const r = request as Record<string, unknown>;
  const customId = r.customId ?? r.custom_id;
  if (typeof customId !== 'string' || customId === '') {
    return {
      message: `customId must be a non-empty string, got ${JSON.stringify(customId) ?? 'undefined'}`,
    };
  }
  if (typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)) {
    return { customId, message: 'body must be an object (the request body of the endpoint)' };
  }
  const parsed = bodySchemas[endpoint].safeParse(r.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `body.${issue.path.map(String).join('.')}` : 'body';
    const message =
      issue.code === 'unrecognized_keys'
        ? `${where} has unknown field(s) ${(issue as { keys: string[] }).keys.map((k) => JSON.stringify(k)).join(', ')} for ${endpoint}`
        : `${where}: ${issue.message}`;
    return { customId, message };
  }
  return undefined;
}

export function customIdOf(request: BatchRequestInput): string {
  return 'customId' in request ? request.customId : request.custom_id;
}
